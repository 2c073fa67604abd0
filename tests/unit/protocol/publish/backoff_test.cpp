#include "protocol/publish/backoff.hpp"

#include <gtest/gtest.h>

namespace firstmile::publish {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, DoublesToTheCapAndResetsAfterAHealthyRun) {
  Backoff b(BackoffConfig{.initial = 500ms, .max = 3000ms, .healthy = 10s, .jitter = 0});
  EXPECT_EQ(b.next(100ms), 500ms);
  EXPECT_EQ(b.next(100ms), 1000ms);
  EXPECT_EQ(b.next(100ms), 2000ms);
  EXPECT_EQ(b.next(100ms), 3000ms);
  EXPECT_EQ(b.next(100ms), 3000ms);
  EXPECT_EQ(b.failures(), 5u);
  // An attempt that worked for a while: the next failure starts over.
  EXPECT_EQ(b.next(10s), 500ms);
  EXPECT_EQ(b.failures(), 1u);
  EXPECT_EQ(b.next(9s), 1000ms);
}

TEST(Backoff, JitterStaysWithinItsBand) {
  Backoff b(BackoffConfig{.initial = 1000ms, .max = 1000ms, .healthy = 1h, .jitter = 0.2}, 42);
  bool varied = false;
  std::chrono::milliseconds first = b.next(0ms);
  for (int i = 0; i < 200; ++i) {
    auto d = b.next(0ms);
    EXPECT_GE(d, 800ms);
    EXPECT_LE(d, 1000ms);
    if (d != first) varied = true;
  }
  EXPECT_TRUE(varied);
}

TEST(Backoff, ManyFailuresDoNotOverflow) {
  Backoff b(BackoffConfig{.initial = 1ms, .max = 60000ms, .healthy = 1h, .jitter = 0});
  std::chrono::milliseconds d{};
  for (int i = 0; i < 200; ++i)
    d = b.next(0ms);
  EXPECT_EQ(d, 60000ms);
}

}  // namespace
}  // namespace firstmile::publish
