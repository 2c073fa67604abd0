#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/buffer.hpp"
#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::output {

// One frame packaged for one delivery format (RTMP chunks, an FLV tag, RTP packets): the same
// Buffer goes to every viewer of that format.
struct Packet {
  Buffer data;
  int64_t dts = 0;        // media timestamp (90 kHz) for lag measurement
  bool keyframe = false;  // a viewer that skipped may resume here
  bool config = false;    // metadata / sequence header: never dropped
  // `data` is datagrams, each behind its 16-bit length (output/datagrams.hpp), not a byte
  // stream to write as it is.
  bool datagrams = false;
};

// Packages frames for one format. Runs on the stream's executor, once per frame.
class Packager {
 public:
  virtual ~Packager() = default;
  // Packets a viewer needs before any frame: metadata and sequence headers.
  virtual std::vector<Packet> headers(const media::Tracks& tracks) = 0;
  // nullopt for a frame this format cannot carry.
  virtual std::optional<Packet> package(const media::Frame& frame) = 0;
};

}  // namespace firstmile::output
