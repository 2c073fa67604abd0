#include "core/net.hpp"

#include <vector>

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

TEST(NetTest, ConnectionLimiterBoundsEachAddress) {
  ConnectionLimiter limiter(10, 2);
  auto a = asio::ip::make_address("203.0.113.7");
  auto mapped = asio::ip::make_address("::ffff:203.0.113.7");  // the same host, dual-stack
  auto b = asio::ip::make_address("2001:db8::1");
  ConnectionLimiter::Refusal why;
  auto a1 = limiter.try_acquire(a, why);
  auto a2 = limiter.try_acquire(mapped, why);
  ASSERT_TRUE(a1 && a2);
  EXPECT_EQ(limiter.count_of(a), 2u);
  EXPECT_FALSE(limiter.try_acquire(a, why)) << "a third from one address";
  EXPECT_EQ(why, ConnectionLimiter::Refusal::PerAddress);
  auto b1 = limiter.try_acquire(b, why);
  EXPECT_TRUE(b1) << "another address is not held back";
  EXPECT_EQ(why, ConnectionLimiter::Refusal::None);
  EXPECT_EQ(limiter.count(), 3u);
  EXPECT_EQ(limiter.refused(), 1u);
  {
    auto moved = std::move(a1);  // a slot moves with its connection, and releases once
  }
  EXPECT_EQ(limiter.count_of(a), 1u);
  EXPECT_TRUE(limiter.try_acquire(a, why));  // (released again at once)
  limiter.set_max_per_address(0);            // no per-address limit
  auto a3 = limiter.try_acquire(a, why);
  auto a4 = limiter.try_acquire(a, why);
  EXPECT_TRUE(a3 && a4);
  EXPECT_EQ(limiter.count(), 4u);  // a2, b1, a3, a4
}

TEST(NetTest, ConnectionLimiterTotalComesFirst) {
  ConnectionLimiter limiter(1, 5);
  ConnectionLimiter::Refusal why;
  auto a = limiter.try_acquire(asio::ip::make_address("198.51.100.1"), why);
  ASSERT_TRUE(a);
  EXPECT_FALSE(limiter.try_acquire(asio::ip::make_address("198.51.100.2"), why));
  EXPECT_EQ(why, ConnectionLimiter::Refusal::Total);
  EXPECT_EQ(limiter.count_of(asio::ip::make_address("198.51.100.2")), 0u);
}

TEST(NetTest, ConnectionLimiterDoesNotCountTheHostItself) {
  ConnectionLimiter limiter(10, 1);
  ConnectionLimiter::Refusal why;
  for (auto local : {"127.0.0.1", "::1", "::ffff:127.0.0.1"}) {
    auto a = limiter.try_acquire(asio::ip::make_address(local), why);
    auto b = limiter.try_acquire(asio::ip::make_address(local), why);
    EXPECT_TRUE(a && b) << local;
  }
  // Other loopback addresses count like any peer (tests stand in for remote hosts with them).
  auto c = limiter.try_acquire(asio::ip::make_address("127.0.0.2"), why);
  EXPECT_TRUE(c);
  EXPECT_FALSE(limiter.try_acquire(asio::ip::make_address("127.0.0.2"), why));
}

TEST(NetTest, ViewersCannotTakeTheSlotsKeptForPublishers) {
  ConnectionLimiter limiter(10, 0, 3);
  EXPECT_EQ(limiter.max_viewers(), 7u);
  std::vector<ConnectionLimiter::Slot> viewers;
  for (int i = 0; i < 7; ++i) {
    auto s = limiter.try_acquire();
    ASSERT_TRUE(s.become_viewer());
    EXPECT_TRUE(s.become_viewer());  // counted once
    viewers.push_back(std::move(s));
  }
  EXPECT_EQ(limiter.viewers(), 7u);
  // An eighth connection is accepted (it may be a publisher), but not as a viewer.
  auto eighth = limiter.try_acquire();
  ASSERT_TRUE(eighth);
  EXPECT_FALSE(eighth.become_viewer());
  EXPECT_FALSE(eighth.viewer());
  EXPECT_EQ(limiter.refused(), 1u);
  // The reserved slots still take publishers.
  auto p1 = limiter.try_acquire();
  auto p2 = limiter.try_acquire();
  EXPECT_TRUE(p1 && p2);
  EXPECT_FALSE(limiter.try_acquire());
  // A viewer leaving makes room for one; a moved slot is counted once.
  auto moved = std::move(viewers.back());
  viewers.pop_back();
  EXPECT_EQ(limiter.viewers(), 7u);
  moved = ConnectionLimiter::Slot();
  EXPECT_EQ(limiter.viewers(), 6u);
  EXPECT_EQ(limiter.count(), 9u);
  EXPECT_TRUE(eighth.become_viewer());
}

TEST(NetTest, ThePublishersReserveIsAtMostHalf) {
  ConnectionLimiter limiter(60, 0, 1000);
  EXPECT_EQ(limiter.max_viewers(), 30u);
  limiter.set_reserved(0);
  EXPECT_EQ(limiter.max_viewers(), 60u);
  limiter.set_reserved(10);
  limiter.set_max(100);
  EXPECT_EQ(limiter.max_viewers(), 90u);
}

}  // namespace
}  // namespace firstmile
