#include "core/ring_queue.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace firstmile {
namespace {

std::vector<int> contents(const RingQueue<int>& q) {
  std::vector<int> out;
  for (int v : q)
    out.push_back(v);
  return out;
}

TEST(RingQueue, EmptyOwnsNoSlots) {
  RingQueue<int> q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.capacity(), 0u);
  EXPECT_EQ(q.begin(), q.end());
}

TEST(RingQueue, FifoOrderAcrossTheWrapAndGrowth) {
  RingQueue<int> q;
  q.push_back(1);
  q.push_back(2);
  q.push_back(3);
  EXPECT_EQ(q.capacity(), 4u);
  q.pop_front();
  q.pop_front();
  q.push_back(4);
  q.push_back(5);  // wraps: slots hold 5, -, 3, 4
  EXPECT_EQ(q.capacity(), 4u);
  EXPECT_EQ(contents(q), (std::vector<int>{3, 4, 5}));
  q.push_back(6);
  q.push_back(7);  // grows while wrapped: order kept
  EXPECT_EQ(q.capacity(), 8u);
  EXPECT_EQ(contents(q), (std::vector<int>{3, 4, 5, 6, 7}));
  EXPECT_EQ(q.front(), 3);
  EXPECT_EQ(q[4], 7);
  EXPECT_EQ(q.size(), 5u);
}

TEST(RingQueue, MatchesADequeUnderRandomOperations) {
  RingQueue<int> q;
  std::deque<int> ref;
  std::mt19937 rng(7);
  int next = 0;
  for (int step = 0; step < 20000; ++step) {
    if (ref.empty() || rng() % 3 != 0) {
      q.push_back(next);
      ref.push_back(next);
      ++next;
    } else {
      ASSERT_EQ(q.front(), ref.front());
      q.pop_front();
      ref.pop_front();
    }
    ASSERT_EQ(q.size(), ref.size());
    if (step % 97 == 0) {
      ASSERT_EQ(contents(q), std::vector<int>(ref.begin(), ref.end()));
    }
  }
}

TEST(RingQueue, PoppedSlotsReleaseWhatTheyHeld) {
  RingQueue<std::shared_ptr<int>> q;
  auto value = std::make_shared<int>(1);
  q.push_back(value);
  EXPECT_EQ(value.use_count(), 2);
  q.pop_front();
  EXPECT_EQ(value.use_count(), 1) << "the slot still holds a reference";
  q.push_back(value);
  q.clear();
  EXPECT_EQ(value.use_count(), 1);
  EXPECT_EQ(q.capacity(), 4u) << "clear() keeps the slots";
}

TEST(RingQueue, ShrinksOnlyWhenEmptyAndLarge) {
  RingQueue<std::string> q;
  for (int i = 0; i < 40; ++i)
    q.push_back(std::to_string(i));
  EXPECT_EQ(q.capacity(), 64u);
  q.shrink_if_empty(8);
  EXPECT_EQ(q.capacity(), 64u) << "not empty";
  for (int i = 0; i < 40; ++i)
    q.pop_front();
  q.shrink_if_empty(8);
  EXPECT_EQ(q.capacity(), 0u);
  q.push_back("a");
  q.pop_front();
  q.shrink_if_empty(8);
  EXPECT_EQ(q.capacity(), 4u) << "small enough to keep";
  q.push_back("b");
  EXPECT_EQ(q.front(), "b");
}

TEST(RingQueue, IteratesMutably) {
  RingQueue<int> q;
  for (int i = 0; i < 5; ++i)
    q.push_back(i);
  q.pop_front();
  for (int& v : q)
    v *= 10;
  EXPECT_EQ(contents(q), (std::vector<int>{10, 20, 30, 40}));
}

}  // namespace
}  // namespace firstmile
