#include "protocol/srt/srt_link_stats.hpp"

#include <gtest/gtest.h>

namespace firstmile::srt {
namespace {

// Counters as libsrt fills them for a connection that both sent and received (the two sides
// differ so that a test catches a side mixed up).
SRT_TRACEBSTATS perf() {
  SRT_TRACEBSTATS p{};
  p.msRTT = 12.5;
  p.mbpsBandwidth = 940.25;
  p.mbpsSendRate = 4.5;
  p.mbpsRecvRate = 3.25;
  p.pktSndLossTotal = 7;
  p.pktRetransTotal = 9;
  p.pktSndDropTotal = 2;
  p.pktRcvLossTotal = 11;
  p.pktRcvRetrans = 13;
  p.pktRcvDropTotal = 5;
  return p;
}

TEST(SrtLinkStats, PublisherCountsTheReceiveSide) {
  auto s = to_link_stats(perf(), SrtRole::Publisher);
  EXPECT_DOUBLE_EQ(s.rtt_ms, 12.5);
  EXPECT_DOUBLE_EQ(s.bandwidth_mbps, 940.25);
  EXPECT_DOUBLE_EQ(s.send_rate_mbps, 4.5);
  EXPECT_DOUBLE_EQ(s.receive_rate_mbps, 3.25);
  EXPECT_EQ(s.packets_lost, 11u);
  EXPECT_EQ(s.packets_retransmitted, 13u);
  EXPECT_EQ(s.packets_dropped, 5u);
}

TEST(SrtLinkStats, PlayerCountsTheSendSide) {
  auto s = to_link_stats(perf(), SrtRole::Player);
  EXPECT_EQ(s.packets_lost, 7u);
  EXPECT_EQ(s.packets_retransmitted, 9u);
  EXPECT_EQ(s.packets_dropped, 2u);
}

TEST(SrtLinkStats, NegativeValuesBecomeZero) {
  SRT_TRACEBSTATS p{};
  p.msRTT = -1;
  p.mbpsBandwidth = -3;
  p.pktRcvLossTotal = -4;
  auto s = to_link_stats(p, SrtRole::Publisher);
  EXPECT_EQ(s.rtt_ms, 0);
  EXPECT_EQ(s.bandwidth_mbps, 0);
  EXPECT_EQ(s.packets_lost, 0u);
}

TEST(SrtLinkStats, TotalsAddUpByField) {
  media::LinkTotals t;
  t.add(to_link_stats(perf(), SrtRole::Player));
  t.add(to_link_stats(perf(), SrtRole::Player));
  media::LinkTotals u;
  u.add(t);
  u.add(to_link_stats(perf(), SrtRole::Publisher));
  EXPECT_EQ(u.lost, 7u + 7u + 11u);
  EXPECT_EQ(u.retransmitted, 9u + 9u + 13u);
  EXPECT_EQ(u.dropped, 2u + 2u + 5u);
}

TEST(SrtLinkStats, SamplingAnUnknownSocketKeepsNothing) {
  SharedLinkStats shared;
  EXPECT_FALSE(shared.get().has_value());
  EXPECT_FALSE(shared.sample(SRT_INVALID_SOCK, SrtRole::Player));
  EXPECT_FALSE(shared.get().has_value());
}

}  // namespace
}  // namespace firstmile::srt
