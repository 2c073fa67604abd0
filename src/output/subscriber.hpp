#pragma once
// What a fan-out output needs of one viewer, whatever carries its bytes: the TCP Viewer (RTMP,
// HTTP-FLV) queues and writes them itself, an SRT player hands them to libsrt's send buffer.
// One virtual call per packet per viewer; the packet's Buffer is shared, never copied.
#include <string>

#include "output/packet.hpp"

namespace firstmile::output {

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Stream executor only, like everything below.
  virtual void push(const Packet& packet) = 0;
  // Drop media until the next keyframe (a viewer that joins before any keyframe is cached).
  virtual void wait_for_keyframe() = 0;
  // The stream's publisher left.
  virtual void end_of_stream() = 0;
  // Stop at once (kick, slow viewer, shutdown).
  virtual void close(std::string reason) = 0;
  // The fan-out's flush tick (fanout.coalesce > 0): hand what push() held back to the
  // transport now. Subscribers that never hold packets back ignore it.
  virtual void flush() {}
};

}  // namespace firstmile::output
