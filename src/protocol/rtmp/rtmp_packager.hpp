#pragma once
// RTMP playback packaging: each frame becomes one complete chunked RTMP message (type-0 header,
// absolute timestamp, message stream 1) in one shared buffer, identical for every player
// because every player gets the same outbound chunk size.
#include <cstdint>

#include "output/packet.hpp"

namespace firstmile::rtmp {

// Chunk streams of the shared media messages. Per-connection commands use kControlCsid (2) and
// kCommandCsid (3), so the two never share header-compression state.
constexpr uint32_t kCommandCsid = 3;
constexpr uint32_t kAudioCsid = 4;
constexpr uint32_t kDataCsid = 5;
constexpr uint32_t kVideoCsid = 6;
// Every player's media arrives on message stream 1: the id createStream hands out.
constexpr uint32_t kPlayStreamId = 1;

class RtmpPackager : public output::Packager {
 public:
  explicit RtmpPackager(uint32_t chunk_size) : chunk_size_(chunk_size) {}

  std::vector<output::Packet> headers(const media::Tracks& tracks) override;
  std::optional<output::Packet> package(const media::Frame& frame) override;

 private:
  uint32_t chunk_size_;
  media::Tracks tracks_;
};

}  // namespace firstmile::rtmp
