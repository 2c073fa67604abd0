#pragma once
// Shared by the FLV tests: a real ffmpeg FLV capture and small byte helpers.
#include "format/flv.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

#include <string>

namespace firstmile::format {
namespace {

using media::Codec;

using test::from_hex;

inline Bytes cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (auto p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes span_bytes(ByteSpan s) {
  return Bytes(s.begin(), s.end());
}

// The first 410 bytes of an FLV written by ffmpeg 5.1:
//   ffmpeg -f lavfi -i testsrc=size=160x120:rate=10 -f lavfi -i sine -t 1
//          -c:v libx264 -c:a aac -f flv x.flv
// FLV header, PreviousTagSize0, then onMetaData (18, 293 bytes), the AVC sequence header
// (9, 52 bytes) and the AAC sequence header (8, 7 bytes), each with its PreviousTagSize.
inline const Bytes kFfmpegFlv = from_hex(
    "464c5601050000000900000000120001250000000000000002000a6f6e4d6574"
    "6144617461080000000d00086475726174696f6e003ff3333333333333000577"
    "69647468004064000000000000000668656967687400405e000000000000000d"
    "766964656f646174617261746500000000000000000000096672616d65726174"
    "65004024000000000000000c766964656f636f646563696400401c0000000000"
    "00000d617564696f6461746172617465004050d88000000000000f617564696f"
    "73616d706c65726174650040e5888000000000000f617564696f73616d706c65"
    "73697a65004030000000000000000673746572656f0100000c617564696f636f"
    "64656369640040240000000000000007656e636f64657202000d4c6176663539"
    "2e32372e313030000866696c6573697a650040cc940000000000000009000001"
    "300900003400000000000000170000000001f4000affe1001a67f4000a919b28"
    "508fc4e022000003000200000300281e244b2c01000668ebe3c44844fff8f800"
    "0000003f0800000700000000000000af00120856e50000000012");

constexpr size_t kScriptBodyAt = 13 + 11;
constexpr size_t kAvcSeqBodyAt = 321 + 11;
constexpr size_t kAacSeqBodyAt = 388 + 11;

inline ByteSpan ffmpeg_body(size_t at, size_t size) {
  return ByteSpan(kFfmpegFlv).subspan(at, size);
}

// The first bytes of the same file's first keyframe tag body: key, AVC NALU, cts 200 ms.
inline const Bytes kFfmpegKeyframeStart = from_hex("17 01 0000c8 000002ad 0605ffff a9dc45");

// ---- framing ----
}  // namespace
}  // namespace firstmile::format
