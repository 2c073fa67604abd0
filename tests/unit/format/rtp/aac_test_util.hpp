#pragma once
// Shared by the AAC RTP tests (aac_test.cpp for mpeg4-generic, latm_test.cpp for MP4A-LATM):
// fmtp parameters read the way the RTSP code reads them, packets, and frames for round trips.
#include "format/rtp/aac.hpp"

#include <gtest/gtest.h>

#include <iterator>
#include <string_view>
#include <utility>
#include <vector>

#include "format/sdp.hpp"

namespace firstmile::format::rtp {
namespace {

// Parameters the way the RTSP code gets them: an SDP a=fmtp value through the SDP parser.
inline FmtpParams fmtp(std::string_view value) {
  auto f = sdp::parse_fmtp(value);
  EXPECT_TRUE(f) << f.error().message;
  return f ? f->params : FmtpParams{};
}

inline Packet packet(uint16_t sequence, uint32_t timestamp, bool marker, const Bytes& payload) {
  Packet p;
  p.sequence = sequence;
  p.timestamp = timestamp;
  p.marker = marker;
  p.payload = payload;
  return p;
}

// Frames of assorted sizes (one needing fragments) and timestamps (one jump) survive the trip.
inline std::vector<std::pair<uint32_t, Bytes>> sample_frames() {
  std::vector<std::pair<uint32_t, Bytes>> frames;
  uint32_t timestamp = 0xFFFFF000;  // crosses the 32-bit wrap
  const size_t sizes[] = {200, 371, 5, 1, 2900, 444, 444, 10, 600, 700, 255, 256, 254, 90};
  for (size_t i = 0; i < std::size(sizes); ++i) {
    Bytes f(sizes[i]);
    for (size_t j = 0; j < f.size(); ++j)
      f[j] = static_cast<uint8_t>(i * 31 + j);
    frames.emplace_back(timestamp, std::move(f));
    timestamp += i == 6 ? 5 * 1024 : 1024;
  }
  return frames;
}

}  // namespace
}  // namespace firstmile::format::rtp
