#pragma once
// FLV tag bodies written by ffmpeg 5.1 for a 160x120 H.264 + AAC stream (command line in
// tests/unit/protocol/rtmp/flv_ingest_test.cpp) and the hvcC of a 320x240 x265 stream, shared
// by the packager tests: what a player expects on the wire for these frames, byte for byte.
#include <initializer_list>

#include "core/buffer.hpp"
#include "hex.hpp"
#include "media/codec/track_info.hpp"
#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::test {

inline const Bytes kAvcSequenceHeader = from_hex(
    "17000000000164000affe100196764000aacd942847e5c044000000300400000"
    "0503c489658001000668ebe3cb22c0fdf8f800");
inline const Bytes kAacSequenceHeader = from_hex("af00120856e500");
inline const Bytes kAvcKeyframe = from_hex(  // 500 ms, composition time 200 ms
    "17010000c8000000376588820004bffee8c9fccb2d79e6751a89965a0f95a71c"
    "c23d1d30eaf51ca3e436ae253277d921465792b7555b24065c0018305a62b0ad");
inline const Bytes kAvcInter =
    from_hex("27010001900000000c419a236c437ffea78400f380");  // 100 ms, cts 400
inline const Bytes kAacFrame = from_hex("af01011881b470");
inline const Bytes kHvcc = from_hex(
    "0101600000009000000000003cf000fcfdf8f800000f03a00001001840010c01"
    "ffff01600000030090000003000003003c928090a10001002942010101600000"
    "030090000003000003003ca00a080f16592a4932bc05a0200000030020000003"
    "0141a2000100074401c172b46240");
// The first sample of that x265 stream: an IDR_N_LP picture with a 4-byte length prefix.
inline const Bytes kHevcIdr = from_hex(
    "000000392801af11216c8340f592a87ffccc45fd7501781b0e33c2cb23359f90"
    "099141a763c740f61764244c9308f1ec00025287000003000003003b20");

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes tail(const Bytes& b, size_t from) {
  return Bytes(b.begin() + static_cast<ptrdiff_t>(from), b.end());
}

inline Bytes bytes_of(const Buffer& b) {
  return Bytes(b.span().begin(), b.span().end());
}

// A track of `codec` whose configuration is `config`, described by the codec parsers.
inline media::TrackInfo described(media::MediaKind kind, media::Codec codec, const Bytes& config) {
  media::TrackInfo t;
  t.kind = kind;
  t.codec = codec;
  t.config = Buffer::copy(config);
  EXPECT_TRUE(media::describe_track(t).ok());
  return t;
}

// The H.264 + AAC tracks of the vectors above.
inline media::Tracks avc_aac_tracks() {
  media::Tracks t;
  t.video = described(media::MediaKind::Video, media::Codec::H264, tail(kAvcSequenceHeader, 5));
  t.audio = described(media::MediaKind::Audio, media::Codec::AAC, tail(kAacSequenceHeader, 2));
  return t;
}

// A hub frame carrying a tag body's payload (after its `header` bytes).
inline media::Frame frame_from_tag(const Bytes& body, size_t header, int64_t dts_ms, int64_t cts_ms,
                                   bool key, media::Codec codec) {
  media::Frame f;
  f.kind = media::codec_kind(codec);
  f.codec = codec;
  f.dts = dts_ms * 90;
  f.pts = (dts_ms + cts_ms) * 90;
  f.keyframe = key;
  f.payload = Buffer::copy(tail(body, header));
  return f;
}

}  // namespace firstmile::test
