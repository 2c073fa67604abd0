#include "format/rtp/decode_times.hpp"

#include <gtest/gtest.h>

namespace firstmile::format::rtp {
namespace {

// Frame units of 3000 ticks (30 fps at 90 kHz).
constexpr int64_t kFrameTicks = 3000;

std::vector<DecodeTimes::Unit> run(DecodeTimes& d, const std::vector<int64_t>& pts_frames) {
  std::vector<DecodeTimes::Unit> out;
  for (size_t i = 0; i < pts_frames.size(); ++i)
    d.push(pts_frames[i] * kFrameTicks, i, out);
  d.flush(out);
  return out;
}

void expect_valid(const std::vector<DecodeTimes::Unit>& out) {
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_LE(out[i].dts, out[i].pts) << i;
    if (i > 0) {
      EXPECT_LT(out[i - 1].dts, out[i].dts) << i;
      EXPECT_LT(out[i - 1].index, out[i].index) << i;
    }
  }
}

TEST(DecodeTimes, WithoutBFramesDecodeTimeIsPresentationTime) {
  DecodeTimes d;
  auto out = run(d, {0, 1, 2, 3});
  ASSERT_EQ(out.size(), 4u);
  for (size_t i = 0; i < out.size(); ++i)
    EXPECT_EQ(out[i].dts, out[i].pts);
}

TEST(DecodeTimes, OneBFrameDepth) {
  // I0 P3 B1 B2 P6 B4 B5 in decode order, depth 1 from the SPS: the decode times are the
  // sorted PTS one frame late.
  DecodeTimes d;
  d.set_depth(1);
  d.set_frame_step(kFrameTicks);
  auto out = run(d, {0, 3, 1, 2, 6, 4, 5});
  ASSERT_EQ(out.size(), 7u);
  const int64_t expected[] = {-1, 0, 1, 2, 3, 4, 5};
  for (size_t i = 0; i < out.size(); ++i)
    EXPECT_EQ(out[i].dts, expected[i] * kFrameTicks) << i;
  expect_valid(out);
  EXPECT_EQ(d.dropped(), 0u);
}

TEST(DecodeTimes, PyramidDepthTwo) {
  // x264's B-pyramid: I0 P4 B2 b1 b3 P8 B6 b5 b7. Without a frame step the first units go
  // the smallest PTS distance among them apart (I0, P4, B2: two frames).
  DecodeTimes d;
  d.set_depth(2);
  auto out = run(d, {0, 4, 2, 1, 3, 8, 6, 5, 7});
  ASSERT_EQ(out.size(), 9u);
  expect_valid(out);
  EXPECT_EQ(out[0].dts, -4 * kFrameTicks);
  EXPECT_EQ(out[2].dts, 0);
  EXPECT_EQ(out[8].dts, 6 * kFrameTicks);
}

TEST(DecodeTimes, LearnsTheDepthWhenTheSpsDoesNotSay) {
  DecodeTimes d;
  auto out = run(d, {0, 3, 1, 2, 6, 4, 5, 9, 7, 8});
  expect_valid(out);
  EXPECT_EQ(d.depth(), 1);
  // B1 and B2 (their PTS under P3's decode time) are dropped while the depth is learnt; P6
  // goes one tick after P3's decode time; nothing after is lost.
  EXPECT_EQ(d.dropped(), 2u);
  ASSERT_EQ(out.size(), 8u);
  EXPECT_EQ(out[2].dts, 3 * kFrameTicks + 1);
  EXPECT_EQ(out[3].dts, 4 * kFrameTicks);
}

TEST(DecodeTimes, ResetKeepsTheDepth) {
  DecodeTimes d;
  d.set_depth(1);
  std::vector<DecodeTimes::Unit> out;
  d.push(100 * kFrameTicks, 0, out);
  d.reset();
  EXPECT_TRUE(out.empty());
  d.push(0, 1, out);
  d.push(2 * kFrameTicks, 2, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].index, 1u);
  EXPECT_EQ(out[0].dts, -2 * kFrameTicks);
  EXPECT_EQ(d.depth(), 1);
}

}  // namespace
}  // namespace firstmile::format::rtp
