#pragma once
// The protocol-neutral media frame that ingest adapters produce and outputs consume.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>

#include "core/buffer.hpp"
#include "media/codec.hpp"

namespace firstmile::media {

// Every frame timestamp is in ticks of this clock (the MPEG 90 kHz clock): RTMP milliseconds
// convert exactly (x90), TS needs no conversion, and RTP video already runs at 90 kHz.
constexpr int64_t kTimeBase = 90000;

constexpr int64_t ms_to_ticks(int64_t ms) {
  return ms * 90;
}
constexpr int64_t ticks_to_ms(int64_t ticks) {
  return ticks >= 0 ? ticks / 90 : -((-ticks + 89) / 90);
}
// A duration setting in seconds as ticks, rounded: 0 for what is not positive, and at most a
// million seconds, so that no setting overflows the arithmetic done on it.
inline int64_t seconds_to_ticks(double s) {
  if (!(s > 0)) return 0;
  return std::llround(std::min(s, 1e6) * static_cast<double>(kTimeBase));
}

struct Frame {
  MediaKind kind = MediaKind::Video;
  Codec codec = Codec::Unknown;
  int64_t dts = 0;  // kTimeBase ticks, 64-bit, monotonic per track after unwrapping
  int64_t pts = 0;  // kTimeBase ticks; pts >= dts
  bool keyframe = false;
  // Set on the first frame after a timestamp jump or a publisher reconnect: consumers start a
  // new timeline (HLS writes EXT-X-DISCONTINUITY) instead of computing a duration across it.
  bool discontinuity = false;
  // Canonical bitstream: H.264/H.265 as NAL units each prefixed by a 4-byte big-endian length
  // (AVCC form); AAC as one raw access unit without ADTS; Opus as one packet.
  Buffer payload;
};

using FramePtr = std::shared_ptr<const Frame>;

}  // namespace firstmile::media
