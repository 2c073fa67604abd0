#pragma once
// Live MPEG-TS packaging (SRT players): each frame becomes one PES in complete 188-byte TS
// packets, in one shared buffer. A TS receiver can only start decoding once it has the PAT and
// PMT, so they are repeated inside the packet of every video keyframe (where a viewer starts,
// or resumes after skipping), and for audio-only programs at least every kAudioTableInterval.
#include <optional>

#include "format/mpegts/ts_muxer.hpp"
#include "output/packet.hpp"

namespace firstmile::output {

class TsPackager : public Packager {
 public:
  // 500 ms of 90 kHz ticks: what broadcast practice (and ffmpeg's default) uses for tables.
  static constexpr int64_t kAudioTableInterval = 45000;

  // One config packet: PAT and PMT.
  std::vector<Packet> headers(const media::Tracks& tracks) override;
  std::optional<Packet> package(const media::Frame& frame) override;

 private:
  std::optional<format::TsMuxer> muxer_;
  int64_t last_tables_dts_ = 0;
  bool tables_due_ = true;
};

}  // namespace firstmile::output
