#include "media/timeline.hpp"

#include <gtest/gtest.h>

namespace firstmile::media {
namespace {

constexpr int64_t k32 = int64_t{1} << 32;
constexpr int64_t k33 = int64_t{1} << 33;

// RTMP: 32-bit milliseconds, a step over 10 s is a jump.
TimestampUnwrapper rtmp_clock() {
  return TimestampUnwrapper(32, 10000);
}

TEST(TimelineUnwrap, FirstValueIsTakenAsIsAndNeverFlagged) {
  auto u = rtmp_clock();
  auto r = u.unwrap(0xFFFFFF00u);
  EXPECT_EQ(r.value, 0xFFFFFF00);
  EXPECT_FALSE(r.discontinuity);
}

TEST(TimelineUnwrap, ThirtyTwoBitMillisecondsWrapForward) {
  auto u = rtmp_clock();
  EXPECT_EQ(u.unwrap(0xFFFFFF00u).value, 0xFFFFFF00);
  auto a = u.unwrap(0xFFFFFF80u);
  EXPECT_EQ(a.value, 0xFFFFFF80);
  EXPECT_FALSE(a.discontinuity);
  auto b = u.unwrap(0x00000010u);  // wrapped: 0x90 ms later
  EXPECT_EQ(b.value, k32 + 0x10);
  EXPECT_FALSE(b.discontinuity);
  auto c = u.unwrap(0x00000050u);
  EXPECT_EQ(c.value, k32 + 0x50);
  EXPECT_FALSE(c.discontinuity);
}

TEST(TimelineUnwrap, KeepsGoingUpOverSeveralWraps) {
  TimestampUnwrapper u(32, int64_t{1} << 31);
  int64_t expected = 0;
  u.unwrap(0);
  for (int i = 1; i <= 12; ++i) {  // three full turns in quarter steps
    expected += int64_t{1} << 30;
    auto r = u.unwrap(static_cast<uint64_t>(expected) & 0xFFFFFFFFu);
    EXPECT_EQ(r.value, expected) << i;
    EXPECT_FALSE(r.discontinuity) << i;
  }
  EXPECT_EQ(expected, 3 * k32);
}

TEST(TimelineUnwrap, SmallBackwardStepsAroundTheWrap) {
  auto u = rtmp_clock();
  u.unwrap(0xFFFFFFF0u);
  EXPECT_EQ(u.unwrap(0x00000010u).value, k32 + 0x10);  // forward over the wrap
  // Audio and video interleave slightly out of order: back over the wrap, then forward again.
  auto back = u.unwrap(0xFFFFFFE0u);
  EXPECT_EQ(back.value, 0xFFFFFFE0);
  EXPECT_FALSE(back.discontinuity);
  auto fwd = u.unwrap(0x00000020u);
  EXPECT_EQ(fwd.value, k32 + 0x20);
  EXPECT_FALSE(fwd.discontinuity);
  auto small_back = u.unwrap(0x0000001Fu);
  EXPECT_EQ(small_back.value, k32 + 0x1F);
  EXPECT_FALSE(small_back.discontinuity);
}

TEST(TimelineUnwrap, BackwardsBelowTheFirstValueGoesNegativeNotHuge) {
  auto u = rtmp_clock();
  u.unwrap(5);
  auto r = u.unwrap(0xFFFFFFFBu);  // 10 ms before the first value
  EXPECT_EQ(r.value, -5);
  EXPECT_FALSE(r.discontinuity);
  EXPECT_EQ(u.unwrap(0xFFFFFFFFu).value, -1);
  EXPECT_EQ(u.unwrap(40).value, 40);
}

TEST(TimelineUnwrap, JumpsAreFlaggedBothWays) {
  auto u = rtmp_clock();
  u.unwrap(1000);
  auto same = u.unwrap(1000 + 10000);  // exactly the threshold: still continuous
  EXPECT_EQ(same.value, 11000);
  EXPECT_FALSE(same.discontinuity);
  auto fwd = u.unwrap(11000 + 10001);
  EXPECT_EQ(fwd.value, 21001);
  EXPECT_TRUE(fwd.discontinuity);
  auto after = u.unwrap(21041);  // continuity resumes from the new value
  EXPECT_EQ(after.value, 21041);
  EXPECT_FALSE(after.discontinuity);
  auto back = u.unwrap(5000);
  EXPECT_EQ(back.value, 5000);
  EXPECT_TRUE(back.discontinuity);
  auto back_edge = u.unwrap(5000 - 10000 + k32);  // exactly 10 s back, over the wrap
  EXPECT_EQ(back_edge.value, -5000);
  EXPECT_FALSE(back_edge.discontinuity);
}

TEST(TimelineUnwrap, JumpAcrossTheWrapIsFlaggedAndStaysMonotonic) {
  auto u = rtmp_clock();
  u.unwrap(0xFFFFF000u);
  auto r = u.unwrap(0x00010000u);  // 0x11000 ms = 69.6 s later, over the wrap
  EXPECT_EQ(r.value, k32 + 0x10000);
  EXPECT_TRUE(r.discontinuity);
  // And a jump backwards over the wrap.
  auto u2 = rtmp_clock();
  u2.unwrap(0x00010000u);
  auto b = u2.unwrap(0xFFFF0000u);
  EXPECT_EQ(b.value, 0x00010000 - 0x20000);
  EXPECT_TRUE(b.discontinuity);
}

TEST(TimelineUnwrap, ResetStartsANewTimeline) {
  auto u = rtmp_clock();
  u.unwrap(100);
  u.unwrap(200);
  u.reset();
  auto r = u.unwrap(900000);
  EXPECT_EQ(r.value, 900000);
  EXPECT_FALSE(r.discontinuity);
}

TEST(TimelineUnwrap, MpegTs33BitClock) {
  // TS PTS/DTS: 33-bit 90 kHz; 10 s of jump tolerance.
  TimestampUnwrapper u(33, 900000);
  const uint64_t near_end = static_cast<uint64_t>(k33) - 3003;  // one 29.97 fps frame before
  EXPECT_EQ(u.unwrap(near_end).value, k33 - 3003);
  auto w = u.unwrap(0);
  EXPECT_EQ(w.value, k33);
  EXPECT_FALSE(w.discontinuity);
  auto n = u.unwrap(3003);
  EXPECT_EQ(n.value, k33 + 3003);
  EXPECT_FALSE(n.discontinuity);
  // Values above 33 bits are taken modulo 2^33 (a 64-bit field holding a 33-bit clock).
  auto m = u.unwrap(static_cast<uint64_t>(k33) + 6006);
  EXPECT_EQ(m.value, k33 + 6006);
  EXPECT_FALSE(m.discontinuity);
  // A 32-bit clock would have called a 2^32 step a wrap; on 33 bits it is a big jump.
  auto j = u.unwrap(6006 + static_cast<uint64_t>(k32));
  EXPECT_EQ(j.value, k33 + 6006 + k32);
  EXPECT_TRUE(j.discontinuity);
}

TEST(TimelineUnwrap, MpegTsSmallBackStepOverTheWrap) {
  TimestampUnwrapper u(33, 900000);
  u.unwrap(1000);
  auto r = u.unwrap(static_cast<uint64_t>(k33) - 2000);  // B-frame-like step back 3000 ticks
  EXPECT_EQ(r.value, -2000);
  EXPECT_FALSE(r.discontinuity);
}

}  // namespace
}  // namespace firstmile::media
