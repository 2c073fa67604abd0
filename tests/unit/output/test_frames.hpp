#pragma once
// Tracks and frames the segmenter tests (HLS TS, CMAF / LL-HLS, DASH) publish: a 64x64 H.264
// stream and AAC-LC, with payloads that are valid length-prefixed NAL units and raw AAC.
#include <cstdint>
#include <memory>
#include <span>

#include "core/buffer.hpp"
#include "core/bytes.hpp"
#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::test::frames {

// avcC of a 64x64 High-profile stream written by ffmpeg 5.1 + libx264.
inline constexpr uint8_t kAvcC[] = {
    0x01, 0x64, 0x00, 0x0a, 0xff, 0xe1, 0x00, 0x18, 0x67, 0x64, 0x00, 0x0a, 0xac, 0xd9, 0x44,
    0x26, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x48,
    0x96, 0x58, 0x01, 0x00, 0x06, 0x68, 0xeb, 0xe0, 0x4d, 0x2c, 0x8b, 0xfd, 0xf8, 0xf8, 0x00};
inline constexpr uint8_t kAsc[] = {0x11, 0x90};    // AAC-LC, 48 kHz, stereo
inline constexpr uint8_t kAsc44[] = {0x12, 0x10};  // AAC-LC, 44.1 kHz, stereo
inline constexpr int64_t kFrameTicks = 3000;       // 30 fps
inline constexpr int64_t kAacTicks = 1920;         // 1024 samples at 48 kHz

// H.264 at `fps` and/or AAC with the AudioSpecificConfig `asc` (kAsc or kAsc44).
inline media::Tracks tracks(bool with_video, bool with_audio, double fps = 30,
                            std::span<const uint8_t> asc = kAsc) {
  media::Tracks t;
  if (with_video) {
    media::TrackInfo v;
    v.codec = media::Codec::H264;
    v.config = Buffer::copy(kAvcC);
    v.frame_rate = fps;
    t.video = v;
  }
  if (with_audio) {
    media::TrackInfo a;
    a.kind = media::MediaKind::Audio;
    a.codec = media::Codec::AAC;
    a.config = Buffer::copy(asc);
    a.sample_rate = asc[0] == 0x12 ? 44100 : 48000;
    a.channels = 2;
    t.audio = a;
  }
  return t;
}

// One IDR (key) or non-IDR slice NAL unit, length-prefixed; dts = pts.
inline media::Frame video_frame(int64_t dts, bool key) {
  media::Frame f;
  f.codec = media::Codec::H264;
  f.dts = f.pts = dts;
  f.keyframe = key;
  const uint8_t nal = key ? 0x65 : 0x41;
  f.payload = Buffer::copy(Bytes{0, 0, 0, 4, nal, 0x88, 0x84, 0x21});
  return f;
}

// One raw AAC access unit.
inline media::Frame audio_frame(int64_t dts) {
  media::Frame f;
  f.kind = media::MediaKind::Audio;
  f.codec = media::Codec::AAC;
  f.dts = f.pts = dts;
  f.keyframe = true;
  f.payload = Buffer::copy(Bytes{0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c});
  return f;
}

// The same, shared, as the hub hands them to its sinks.
inline media::FramePtr video(int64_t dts, bool key) {
  return std::make_shared<media::Frame>(video_frame(dts, key));
}
inline media::FramePtr audio(int64_t dts) {
  return std::make_shared<media::Frame>(audio_frame(dts));
}

}  // namespace firstmile::test::frames
