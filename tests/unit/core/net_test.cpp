#include "core/net.hpp"

#include <gtest/gtest.h>

namespace firstmile {
namespace {

// The API's rule without a token is "loopback clients only": what counts as loopback.
TEST(NetTest, LoopbackAddresses) {
  for (const char* a : {"127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"})
    EXPECT_TRUE(is_loopback_address(a)) << a;
  for (const char* a : {"10.0.0.1", "192.0.2.1", "::", "0.0.0.0", "::ffff:10.0.0.1", "fe80::1",
                        "2001:db8::1", "", "localhost", "127.0.0.1:80", "?"})
    EXPECT_FALSE(is_loopback_address(a)) << a;
}

TEST(NetTest, ConnectionLimiterHonoursALoweredLimit) {
  ConnectionLimiter limiter(2);
  auto a = limiter.try_acquire();
  auto b = limiter.try_acquire();
  EXPECT_FALSE(limiter.try_acquire());
  limiter.set_max(3);
  auto c = limiter.try_acquire();
  EXPECT_TRUE(c);
  limiter.set_max(1);  // open ones stay; new ones wait until the count falls below
  EXPECT_FALSE(limiter.try_acquire());
  EXPECT_EQ(limiter.count(), 3u);
  EXPECT_EQ(limiter.refused(), 2u);
}

}  // namespace
}  // namespace firstmile
