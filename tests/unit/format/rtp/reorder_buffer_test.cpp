#include "format/rtp/reorder_buffer.hpp"

#include <gtest/gtest.h>

namespace firstmile::format::rtp {
namespace {

// A datagram that names its sequence number, so the output order can be read back.
Bytes tagged(uint16_t seq) {
  return Bytes{static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq)};
}
std::vector<int> order(const std::vector<Bytes>& out) {
  std::vector<int> seqs;
  for (const auto& b : out)
    seqs.push_back(b[0] << 8 | b[1]);
  return seqs;
}

struct Arrivals {
  explicit Arrivals(ReorderBuffer::Limits limits = ReorderBuffer::Limits{}) : buffer(limits) {}
  void push(uint16_t seq, int64_t now = 0) { buffer.push(seq, tagged(seq), now, out); }
  ReorderBuffer buffer;
  std::vector<Bytes> out;
};

TEST(ReorderBuffer, InOrderPassesStraightThrough) {
  Arrivals r;
  for (uint16_t s = 65533; s != 3; ++s)
    r.push(s);
  EXPECT_EQ(order(r.out), (std::vector<int>{65533, 65534, 65535, 0, 1, 2}));
  EXPECT_EQ(r.buffer.waiting(), 0u);
  EXPECT_FALSE(r.buffer.next_deadline());
}

TEST(ReorderBuffer, PutsASwapBackInOrder) {
  Arrivals r;
  r.push(1);
  r.push(3);
  r.push(4);
  EXPECT_EQ(order(r.out), (std::vector<int>{1}));
  EXPECT_EQ(r.buffer.waiting(), 2u);
  r.push(2);
  EXPECT_EQ(order(r.out), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(r.buffer.counters().reordered, 1u);
  EXPECT_EQ(r.buffer.counters().lost, 0u);
}

TEST(ReorderBuffer, GivesAGapUpAfterTheDelay) {
  Arrivals r({.max_packets = 256, .max_delay_ms = 60});
  r.push(10, 1000);
  r.push(12, 1010);
  r.push(13, 1020);
  EXPECT_EQ(r.buffer.next_deadline(), 1070);
  r.buffer.poll(1069, r.out);
  EXPECT_EQ(order(r.out), (std::vector<int>{10}));
  r.buffer.poll(1070, r.out);
  EXPECT_EQ(order(r.out), (std::vector<int>{10, 12, 13}));
  EXPECT_EQ(r.buffer.counters().lost, 1u);
  // 11 arrives after all: too late, dropped.
  r.push(11, 1080);
  EXPECT_EQ(r.out.size(), 3u);
  EXPECT_EQ(r.buffer.counters().late, 1u);
  r.push(14, 1090);
  EXPECT_EQ(order(r.out).back(), 14);
}

TEST(ReorderBuffer, GivesAGapUpWhenFull) {
  Arrivals r({.max_packets = 4, .max_delay_ms = 1000});
  r.push(0);
  r.push(2);
  r.push(3);
  EXPECT_EQ(order(r.out), (std::vector<int>{0}));
  r.push(4);  // 1..4 would need four slots: 1 is given up
  EXPECT_EQ(order(r.out), (std::vector<int>{0, 2, 3, 4}));
  EXPECT_EQ(r.buffer.counters().lost, 1u);
}

TEST(ReorderBuffer, DuplicatesAndJumps) {
  Arrivals r({.max_packets = 8, .max_delay_ms = 1000});
  r.push(5);
  r.push(7);
  r.push(7);
  EXPECT_EQ(r.buffer.counters().duplicates, 1u);
  r.push(5);  // already released
  EXPECT_EQ(r.buffer.counters().late, 1u);
  // A jump far ahead (a sender restart): what waits goes out, the gap is given up.
  r.push(1000);
  EXPECT_EQ(order(r.out), (std::vector<int>{5, 7, 1000}));
  EXPECT_EQ(r.buffer.counters().lost, 1u + (1000 - 8));
  r.push(1001);
  EXPECT_EQ(order(r.out).back(), 1001);
  EXPECT_EQ(r.buffer.waiting(), 0u);
}

}  // namespace
}  // namespace firstmile::format::rtp
