#pragma once
// Turns the audio/video messages of an RTMP (or FLV) publisher into hub tracks and frames:
// sequence headers become track configs, coded frames become Frames whose payload is a slice
// of the message (no copy), and 32-bit millisecond timestamps become a 64-bit timeline.
#include <cstdint>
#include <optional>

#include "core/buffer.hpp"
#include "core/result.hpp"
#include "media/frame.hpp"
#include "media/timeline.hpp"
#include "media/track.hpp"

namespace firstmile::rtmp {

struct IngestResult {
  // Set when the tracks are ready for the first time (the first coded frame) or changed
  // (a new sequence header while live): the caller calls Stream::set_tracks before the frame.
  std::optional<media::Tracks> tracks;
  std::optional<media::Frame> frame;
};

struct IngestStats {
  uint64_t frames = 0;
  uint64_t dropped_no_config = 0;    // coded frames before their sequence header
  uint64_t dropped_unsupported = 0;  // codecs we do not carry
  uint64_t errors = 0;               // malformed tags
  uint64_t discontinuities = 0;
};

class FlvIngest {
 public:
  // `body` is a whole RTMP audio/video message payload (an FLV tag body).
  Result<IngestResult> video(uint32_t timestamp_ms, const Buffer& body);
  Result<IngestResult> audio(uint32_t timestamp_ms, const Buffer& body);

  const media::Tracks& tracks() const { return tracks_; }
  bool announced() const { return announced_; }
  const IngestStats& stats() const { return stats_; }

 private:
  IngestResult emit(media::Frame frame);
  int64_t unwrap(media::TimestampUnwrapper& u, uint32_t ms, bool& jumped);

  media::Tracks tracks_;
  bool announced_ = false;
  bool changed_ = false;
  // RTMP time is 32-bit milliseconds; a step over 10 s either way is a discontinuity.
  media::TimestampUnwrapper video_clock_{32, 10000};
  media::TimestampUnwrapper audio_clock_{32, 10000};
  IngestStats stats_;
};

}  // namespace firstmile::rtmp
