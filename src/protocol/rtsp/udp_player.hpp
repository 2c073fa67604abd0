#pragma once
// An RTSP player that takes its RTP over UDP: a Subscriber of the stream's "rtsp" fan-out that
// sends each RTP packet of a shared framed Buffer (RtpPackager's '$', channel, length, packet)
// on its own, from the server's port pair of that track to the client's RTP port. UDP does not
// push back: what the kernel will not take at once is dropped and counted, never queued.
// Stream executor only.
#include <array>
#include <functional>
#include <optional>
#include <string>

#include "output/subscriber.hpp"
#include "protocol/rtsp/udp_port_pool.hpp"

namespace firstmile::rtsp {

struct UdpPlayerStats {
  uint64_t bytes_sent = 0;
  uint64_t packets_sent = 0;
  uint64_t packets_dropped = 0;
};

class UdpPlayer final : public output::Subscriber {
 public:
  // Where a track's packets go: the server's RTP socket and the client's address and port.
  struct Target {
    udp::socket* socket = nullptr;
    udp::endpoint to;
  };
  // [0] video (channel 0), [1] audio (channel 2): the tracks the player set up.
  explicit UdpPlayer(std::array<std::optional<Target>, 2> targets) : targets_(targets) {}

  void push(const output::Packet& packet) override;
  void wait_for_keyframe() override { need_keyframe_ = true; }
  void end_of_stream() override;
  void close(std::string reason) override;

  // The stream ended, or the player was closed (kick, shutdown): the session ends.
  std::function<void(const std::string& reason)> on_end;

  bool closed() const { return closed_; }
  const UdpPlayerStats& stats() const { return stats_; }

 private:
  std::array<std::optional<Target>, 2> targets_;
  UdpPlayerStats stats_;
  bool need_keyframe_ = false;
  bool closed_ = false;
};

}  // namespace firstmile::rtsp
