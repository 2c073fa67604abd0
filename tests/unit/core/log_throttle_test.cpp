#include "core/log_throttle.hpp"

#include <gtest/gtest.h>

namespace firstmile {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottleTest, HoldsBackPastTheBurstAndReportsHowMany) {
  LogThrottle throttle(3, 1s);
  const auto t0 = LogThrottle::Clock::time_point{} + 100s;
  uint64_t suppressed = 99;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(throttle.allow(suppressed, t0 + i * 10ms));
    EXPECT_EQ(suppressed, 0u);
  }
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(throttle.allow(suppressed, t0 + 500ms));
  // The next interval lets lines through again; the first says how many were held back.
  EXPECT_TRUE(throttle.allow(suppressed, t0 + 1s));
  EXPECT_EQ(suppressed, 5u);
  EXPECT_TRUE(throttle.allow(suppressed, t0 + 1100ms));
  EXPECT_EQ(suppressed, 0u);
}

}  // namespace
}  // namespace firstmile
