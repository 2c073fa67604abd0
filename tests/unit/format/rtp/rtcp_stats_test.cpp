// RTCP times and statistics: NTP conversions, round trip times, ReceptionStats report blocks.
#include "format/rtp/rtcp_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "format/rtp/packet.hpp"

namespace firstmile::format::rtp {
namespace {

using namespace std::chrono_literals;

TEST(RtcpNtp, Conversions) {
  const std::chrono::system_clock::time_point unix_epoch{};
  EXPECT_EQ(to_ntp(unix_epoch), 0x83aa7e80'00000000u);
  EXPECT_EQ(to_ntp(unix_epoch + 1500ms), 0x83aa7e81'80000000u);
  EXPECT_EQ(from_ntp(0x83aa7e81'80000000u), unix_epoch + 1500ms);
  // 2024-01-01T00:00:00Z.
  EXPECT_EQ(to_ntp(unix_epoch + std::chrono::seconds(1704067200)), 0xe93c7f00'00000000u);
  // The 32-bit seconds wrap on 2036-02-07T06:28:16Z; from_ntp takes a clear top bit as after it.
  const auto wrap = unix_epoch + std::chrono::seconds(2085978496);
  EXPECT_EQ(to_ntp(wrap), 0u);
  EXPECT_EQ(from_ntp(0), wrap);
  EXPECT_EQ(from_ntp(0xffffffff'00000000u), wrap - 1s);
  EXPECT_EQ(to_ntp(wrap + 250ms), 0x00000000'40000000u);
  // Nanoseconds survive the round trip (the fraction's unit is about 0.23 ns).
  const auto precise = unix_epoch + std::chrono::nanoseconds(1'700'000'000'123'456'789);
  EXPECT_EQ(from_ntp(to_ntp(precise)), precise);
  const auto before_1970 = unix_epoch - std::chrono::nanoseconds(1'500'000'001);
  EXPECT_EQ(from_ntp(to_ntp(before_1970)), before_1970);

  EXPECT_EQ(ntp_to_seconds(0x00000001'80000000u), 1.5);
  EXPECT_EQ(seconds_to_ntp(1.5), 0x00000001'80000000u);
  EXPECT_EQ(seconds_to_ntp(ntp_to_seconds(0x83aa7e81'80000000u)), 0x83aa7e81'80000000u);
  EXPECT_EQ(seconds_to_ntp(-1), 0u);
  EXPECT_EQ(seconds_to_ntp(std::nan("")), 0u);
  EXPECT_EQ(seconds_to_ntp(4294967296.0), std::numeric_limits<uint64_t>::max());

  EXPECT_EQ(compact_ntp(0x01234567'89abcdefu), 0x456789abu);
  EXPECT_EQ(to_compact_ntp(1500ms), 0x00018000u);
  EXPECT_EQ(to_compact_ntp(-1s), 0u);
  EXPECT_EQ(to_compact_ntp(std::chrono::seconds(70000)), 0xffffffffu);
  EXPECT_EQ(from_compact_ntp(0x00018000), 1500ms);
  EXPECT_EQ(from_compact_ntp(1), std::chrono::nanoseconds(15259));  // 1/65536 s, rounded
}

TEST(RtcpNtp, RoundTripTime) {
  // RFC 3550 6.4.1's example: A 0xb710:8000 (46864.500 s), LSR 0xb705:2000 (46853.125 s), DLSR
  // 0x0005:4000 (5.250 s), so the round trip is 0x0006:2000 (6.125 s).
  ReportBlock block;
  block.last_sr = 0xb7052000;
  block.delay_since_last_sr = 0x00054000;
  EXPECT_EQ(round_trip_time(block, 0xb7108000), std::chrono::nanoseconds(6'125'000'000));
  EXPECT_EQ(round_trip_time(block, 0xb7052000), std::chrono::nanoseconds(0));  // below zero
  block.last_sr = 0;
  EXPECT_FALSE(round_trip_time(block, 0xb7108000));
}

// Feeds packets 1..n of a 90 kHz stream sent every 3000 ticks, with a constant transit time.
void feed(ReceptionStats& stats, SequenceUnwrapper& unwrapper, uint16_t sequence) {
  const uint32_t timestamp = sequence * 3000u;
  stats.on_packet(unwrapper.unwrap(sequence), timestamp, timestamp + 100);
}

TEST(RtcpReceptionStats, LossAndExtendedHighestSequence) {
  ReceptionStats stats(0xaabbccdd);
  SequenceUnwrapper u;
  const auto now = std::chrono::steady_clock::time_point{} + 10s;
  EXPECT_FALSE(stats.report(now));
  for (uint16_t s = 1; s <= 10; ++s)
    if (s != 4 && s != 5) feed(stats, u, s);
  auto block = stats.report(now);
  ASSERT_TRUE(block);
  EXPECT_EQ(block->ssrc, 0xaabbccddu);
  EXPECT_EQ(block->fraction_lost, 51);  // 2 of 10: 2 * 256 / 10
  EXPECT_EQ(block->cumulative_lost, 2);
  EXPECT_EQ(block->extended_highest_sequence, 10u);
  EXPECT_EQ(block->jitter, 0u);
  EXPECT_EQ(block->last_sr, 0u);
  EXPECT_EQ(block->delay_since_last_sr, 0u);

  for (uint16_t s = 11; s <= 20; ++s)
    feed(stats, u, s);
  block = stats.report(now);
  EXPECT_EQ(block->fraction_lost, 0);
  EXPECT_EQ(block->cumulative_lost, 2);
  EXPECT_EQ(block->extended_highest_sequence, 20u);

  feed(stats, u, 20);  // a duplicate
  feed(stats, u, 4);   // late
  EXPECT_EQ(stats.received(), 20u);
  block = stats.report(now);
  EXPECT_EQ(block->fraction_lost, 0);
  EXPECT_EQ(block->cumulative_lost, 0);
  // A packet from before the first one was expected too.
  feed(stats, u, 0);
  EXPECT_EQ(stats.cumulative_lost(), 0);
  for (uint16_t s = 22; s <= 25; ++s)
    feed(stats, u, s);  // 21 lost
  block = stats.report(now);
  EXPECT_EQ(block->fraction_lost, 42);  // 1 of 6: 0 and 21-25 expected, 21 lost
  EXPECT_EQ(block->cumulative_lost, 1);
}

TEST(RtcpReceptionStats, CyclesCountFromTheFirstPacket) {
  ReceptionStats stats(1);
  SequenceUnwrapper u;
  for (uint16_t s : {65534, 65535, 0, 1})
    feed(stats, u, s);
  const auto block = stats.report({});
  EXPECT_EQ(block->extended_highest_sequence, 0x00010001u);
  EXPECT_EQ(block->cumulative_lost, 0);
}

TEST(RtcpReceptionStats, JumpsNeedTwoPacketsInARow) {
  ReceptionStats stats(1);
  SequenceUnwrapper u;
  for (uint16_t s = 1; s <= 5; ++s)
    feed(stats, u, s);
  feed(stats, u, 9000);  // one stray packet far ahead: not counted
  feed(stats, u, 6);
  EXPECT_EQ(stats.received(), 6u);
  EXPECT_EQ(stats.cumulative_lost(), 0);
  EXPECT_EQ(stats.report({})->extended_highest_sequence, 6u);
  // The source restarts its numbering: the second packet after the jump confirms it.
  feed(stats, u, 40000);
  EXPECT_EQ(stats.received(), 6u);
  feed(stats, u, 40001);
  EXPECT_EQ(stats.received(), 1u);
  feed(stats, u, 40003);
  const auto block = stats.report({});
  EXPECT_EQ(block->cumulative_lost, 1);
  EXPECT_EQ(block->fraction_lost, 85);  // 1 of 3
  EXPECT_EQ(block->extended_highest_sequence & 0xffff, 40003u);
}

TEST(RtcpReceptionStats, Jitter) {
  // Transit times 100, 260, 420, 260 ticks: |D| = 160 three times. A.8 in integers (J scaled by
  // 16): 160, then 160 + 160 - 10 = 310, then 310 + 160 - 19 = 451; 451 / 16 = 28 (the
  // floating-point form gives 10, 19.375, 28.16).
  ReceptionStats stats(1);
  const uint32_t transit[] = {100, 260, 420, 260};
  for (uint32_t i = 0; i < 4; ++i)
    stats.on_packet(65536 + i, i * 3000, i * 3000 + transit[i]);
  EXPECT_EQ(stats.jitter(), 28u);
  EXPECT_EQ(stats.report({})->jitter, 28u);
  // Timestamps and arrival times that wrap modulo 2^32 give the same numbers.
  ReceptionStats wrapped(1);
  for (uint32_t i = 0; i < 4; ++i)
    wrapped.on_packet(65536 + i, 0xfffff000u + i * 3000, 0xffffff00u + i * 3000 + transit[i]);
  EXPECT_EQ(wrapped.jitter(), 28u);
}

TEST(RtcpReceptionStats, LastSenderReport) {
  ReceptionStats stats(1);
  SequenceUnwrapper u;
  feed(stats, u, 1);
  const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
  stats.on_sender_report(0x01234567'89abcdefu, t0);
  const auto block = stats.report(t0 + 1500ms);
  EXPECT_EQ(block->last_sr, 0x456789abu);
  EXPECT_EQ(block->delay_since_last_sr, 0x00018000u);
}

}  // namespace
}  // namespace firstmile::format::rtp
