#include "control/decision_limiter.hpp"

#include <gtest/gtest.h>

namespace firstmile::control {
namespace {

using namespace std::chrono_literals;
using Verdict = DecisionLimiter::Verdict;

TEST(DecisionLimiterTest, CapsDecisionsInFlight) {
  DecisionLimiter l;
  l.configure(2, 0);
  EXPECT_EQ(l.acquire("198.51.100.1"), Verdict::Go);
  EXPECT_EQ(l.acquire("198.51.100.2"), Verdict::Go);
  EXPECT_EQ(l.acquire("198.51.100.3"), Verdict::Busy);
  EXPECT_EQ(l.in_flight(), 2u);
  l.release();
  EXPECT_EQ(l.acquire("198.51.100.3"), Verdict::Go);
}

TEST(DecisionLimiterTest, EachAddressHasABucketOfTwiceItsRate) {
  DecisionLimiter l;
  l.configure(1000, 5);
  const auto t0 = DecisionLimiter::Clock::time_point{} + 1000s;
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(l.acquire("198.51.100.1", t0), Verdict::Go) << i;
  EXPECT_EQ(l.acquire("198.51.100.1", t0), Verdict::TooFast);
  // Others are not held up by it, and the host itself is not limited.
  EXPECT_EQ(l.acquire("198.51.100.2", t0), Verdict::Go);
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(l.acquire("127.0.0.1", t0), Verdict::Go);
  // 200 ms later one more (5 a second).
  EXPECT_EQ(l.acquire("198.51.100.1", t0 + 200ms), Verdict::Go);
  EXPECT_EQ(l.acquire("198.51.100.1", t0 + 200ms), Verdict::TooFast);
  // A refused attempt takes no slot in flight.
  EXPECT_EQ(l.in_flight(), 62u);
}

TEST(DecisionLimiterTest, TheQueryOfADecisionLeavesOutLowLatencyDirectives) {
  EXPECT_EQ(decision_query("token=abc&_HLS_msn=12&_HLS_part=3"), "token=abc");
  EXPECT_EQ(decision_query("_HLS_msn=12&token=abc&expires=9&_HLS_skip=YES"), "token=abc&expires=9");
  EXPECT_EQ(decision_query("_HLS_msn=1"), "");
  EXPECT_EQ(decision_query(""), "");
  EXPECT_EQ(decision_query("a=1&&b=2"), "a=1&b=2");
  EXPECT_EQ(decision_query("x_HLS_msn=1"), "x_HLS_msn=1");
}

}  // namespace
}  // namespace firstmile::control
