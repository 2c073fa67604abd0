// SkipPolicy: the slow-viewer rule every viewer shares (TCP viewers, SRT players).
#include "output/skip_policy.hpp"
#include "output/fanout_config.hpp"

#include <gtest/gtest.h>

namespace firstmile::output {
namespace {

using namespace std::chrono_literals;

TEST(SkipPolicy, DisconnectsPastMaxSkipsWithinTheWindow) {
  FanoutConfig config;
  config.max_skips = 2;
  config.skip_window = 10s;
  SkipPolicy p;
  const auto t0 = SkipPolicy::Clock::time_point{} + 1h;
  std::string reason;
  EXPECT_FALSE(p.fell_behind(config, reason, t0));
  EXPECT_FALSE(p.fell_behind(config, reason, t0 + 1s));
  EXPECT_TRUE(reason.empty());
  EXPECT_FALSE(p.slow());
  EXPECT_TRUE(p.fell_behind(config, reason, t0 + 2s));
  EXPECT_EQ(reason, "slow viewer: fell behind 3 times");
  EXPECT_TRUE(p.slow());
  EXPECT_EQ(p.skips(), 3u);
}

TEST(SkipPolicy, OldSkipsLeaveTheWindow) {
  FanoutConfig config;
  config.max_skips = 1;
  config.skip_window = 5s;
  SkipPolicy p;
  const auto t0 = SkipPolicy::Clock::time_point{} + 1h;
  std::string reason;
  EXPECT_FALSE(p.fell_behind(config, reason, t0));
  // 6 s later the first skip no longer counts: one recent skip, within max_skips.
  EXPECT_FALSE(p.fell_behind(config, reason, t0 + 6s));
  EXPECT_FALSE(p.fell_behind(config, reason, t0 + 12s));
  EXPECT_TRUE(p.fell_behind(config, reason, t0 + 13s));
  EXPECT_EQ(p.skips(), 4u);
}

}  // namespace
}  // namespace firstmile::output
