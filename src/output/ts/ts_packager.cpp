#include "output/ts/ts_packager.hpp"

namespace firstmile::output {

std::vector<Packet> TsPackager::headers(const media::Tracks& tracks) {
  if (muxer_) {
    // New tracks (a republish): continuity counters run on, the PCR starts a new time base
    // and the PMT version changes if the program did.
    muxer_->set_tracks(tracks);
    muxer_->mark_discontinuity();
  } else {
    muxer_.emplace(tracks);
  }
  Bytes tables;
  muxer_->write_tables(tables);
  tables_due_ = true;
  Packet p;
  p.data = Buffer::adopt(std::move(tables));
  p.config = true;
  return {std::move(p)};
}

std::optional<Packet> TsPackager::package(const media::Frame& frame) {
  if (!muxer_) return std::nullopt;
  const bool video = frame.kind == media::MediaKind::Video;
  if (video ? !muxer_->has_video() : !muxer_->has_audio()) return std::nullopt;
  // A viewer may start at any audio frame of an audio-only program (as with FLV).
  const bool keyframe = video ? frame.keyframe : !muxer_->has_video();
  const bool tables = (video && frame.keyframe) ||
                      (!muxer_->has_video() &&
                       (tables_due_ || frame.dts - last_tables_dts_ >= kAudioTableInterval ||
                        frame.dts < last_tables_dts_));
  Bytes out;
  // The PES plus its 4-byte packet headers, the tables, an adaptation field and a PCR packet.
  out.reserve((frame.payload.size() / 184 + 6) * format::kTsPacketSize);
  if (!muxer_->write_frame(frame, out).ok() || out.empty()) return std::nullopt;
  if (tables) {
    // Written after the frame was accepted, so a refused frame leaves no gap in the tables'
    // continuity counters; they go in front (each PID counts on its own, 2.4.3.3).
    Bytes t;
    muxer_->write_tables(t);
    out.insert(out.begin(), t.begin(), t.end());
    last_tables_dts_ = frame.dts;
    tables_due_ = false;
  }
  Packet p;
  p.data = Buffer::adopt(std::move(out));
  p.dts = frame.dts;
  p.keyframe = keyframe;
  return p;
}

}  // namespace firstmile::output
