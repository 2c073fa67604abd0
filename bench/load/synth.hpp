#pragma once
// The synthetic stream the load generator publishes: FLV tag bodies (the payloads of RTMP
// audio/video messages, FLV specification v10.1 annex E.4) whose frame data is opaque filler
// carrying a stamp, so that every player can tell which frame it got and when it was written.
//
// Servers parse only the sequence headers (a real avcC record and AudioSpecificConfig) and
// the AVCC framing of video payloads (4-byte length-prefixed NAL units, ISO/IEC 14496-15
// 5.3.4.2), so each video payload is one NAL unit of the right size whose first bytes after the
// NAL header are the stamp; an audio payload is the stamp followed by filler.
#include <cstdint>
#include <cstring>
#include <optional>

#include "core/bytes.hpp"

namespace firstmile::bench {

// avcC of a 640x360 Main-profile stream, taken from the sequence header tag of an FLV written
// by ffmpeg 5.1 / libx264 (`-f lavfi -i testsrc=size=640x360 -c:v libx264 -profile:v main`).
inline constexpr uint8_t kAvcC[] = {0x01, 0x4d, 0x40, 0x1e, 0xff, 0xe1, 0x00, 0x18, 0x67, 0x4d,
                                    0x40, 0x1e, 0xec, 0xa0, 0x50, 0x17, 0xfc, 0xb8, 0x08, 0x80,
                                    0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x1e, 0x07, 0x8b,
                                    0x16, 0xcb, 0x01, 0x00, 0x04, 0x68, 0xef, 0x8f, 0xc8};
// AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1): AAC-LC (2), 48 kHz (index 3), 2 channels.
inline constexpr uint8_t kAudioSpecificConfig[] = {0x11, 0x90};
inline constexpr uint32_t kAudioSampleRate = 48000;
inline constexpr uint32_t kAacFrameSamples = 1024;

// Stamp: magic, global sequence number (audio and video share one counter), and the
// publisher's CLOCK_REALTIME in ns when it wrote the frame. Realtime rather than steady because
// the players compare it with the kernel's receive timestamps (SO_TIMESTAMPNS), which are
// realtime; both ends live in the same process, so the clocks are the same clock.
inline constexpr uint32_t kStampMagic = 0x464d424b;  // "FMBK"
inline constexpr size_t kStampSize = 16;
// Where the stamp sits in a body: video = FrameType/CodecID(1) AVCPacketType(1)
// CompositionTime(3) NAL length(4) NAL header(1); audio = SoundFormat byte(1) AACPacketType(1).
inline constexpr size_t kVideoStampOffset = 10;
inline constexpr size_t kAudioStampOffset = 2;
inline constexpr size_t kMinVideoBody = kVideoStampOffset + kStampSize;
inline constexpr size_t kMinAudioBody = kAudioStampOffset + kStampSize;

struct Stamp {
  uint32_t seq = 0;
  int64_t sent_ns = 0;
};

inline void put_stamp(uint8_t* at, const Stamp& s) {
  Bytes b;
  ByteWriter w(b);
  w.u32(kStampMagic);
  w.u32(s.seq);
  w.u64(static_cast<uint64_t>(s.sent_ns));
  std::memcpy(at, b.data(), kStampSize);
}

// The stamp at the start of `at`, if there is one.
inline std::optional<Stamp> parse_stamp(ByteSpan at) {
  if (at.size() < kStampSize) return std::nullopt;
  ByteReader r(at.subspan(0, kStampSize));
  if (r.u32() != kStampMagic) return std::nullopt;
  Stamp s;
  s.seq = r.u32();
  s.sent_ns = static_cast<int64_t>(r.u64());
  return s;
}

// The stamp of an audio (8) or video (9) message body, if it is one of our coded frames.
inline std::optional<Stamp> read_stamp(uint8_t type, ByteSpan body) {
  size_t at = 0;
  if (type == 9 && body.size() >= kMinVideoBody && body[1] == 1) {
    at = kVideoStampOffset;
  } else if (type == 8 && body.size() >= kMinAudioBody && body[1] == 1) {
    at = kAudioStampOffset;
  } else {
    return std::nullopt;
  }
  return parse_stamp(body.subspan(at));
}

// Video sequence header: keyframe + AVC (0x17), AVCPacketType 0, composition time 0, avcC.
inline Bytes video_config_body() {
  Bytes b(5 + sizeof(kAvcC), 0);
  b[0] = 0x17;
  std::memcpy(b.data() + 5, kAvcC, sizeof(kAvcC));
  return b;
}

// Audio sequence header: AAC, 44 kHz flag, 16-bit, stereo (0xAF; FLV ignores the rate bits for
// AAC), AACPacketType 0, AudioSpecificConfig.
inline Bytes audio_config_body() {
  Bytes b(2 + sizeof(kAudioSpecificConfig), 0);
  b[0] = 0xAF;
  std::memcpy(b.data() + 2, kAudioSpecificConfig, sizeof(kAudioSpecificConfig));
  return b;
}

// A coded video frame of exactly `size` bytes (at least kMinVideoBody): one IDR (type 5) or
// non-IDR slice (type 1) NAL unit with its 4-byte length prefix.
inline Bytes video_frame_body(bool keyframe, size_t size, const Stamp& stamp) {
  if (size < kMinVideoBody) size = kMinVideoBody;
  Bytes b(size, 0xA5);
  b[0] = keyframe ? 0x17 : 0x27;
  b[1] = 0x01;
  b[2] = b[3] = b[4] = 0;  // composition time: no B-frames
  auto nal_size = static_cast<uint32_t>(size - 9);
  b[5] = static_cast<uint8_t>(nal_size >> 24);
  b[6] = static_cast<uint8_t>(nal_size >> 16);
  b[7] = static_cast<uint8_t>(nal_size >> 8);
  b[8] = static_cast<uint8_t>(nal_size);
  b[9] = keyframe ? 0x65 : 0x41;  // nal_ref_idc 3/2, nal_unit_type 5/1 (H.264 7.4.1)
  put_stamp(b.data() + kVideoStampOffset, stamp);
  return b;
}

// A raw AAC frame of exactly `size` bytes (at least kMinAudioBody).
inline Bytes audio_frame_body(size_t size, const Stamp& stamp) {
  if (size < kMinAudioBody) size = kMinAudioBody;
  Bytes b(size, 0x5A);
  b[0] = 0xAF;
  b[1] = 0x01;
  put_stamp(b.data() + kAudioStampOffset, stamp);
  return b;
}

}  // namespace firstmile::bench
