#pragma once
// Transport statistics of one client's link, for the protocols that measure theirs (SRT today;
// RTP/RTCP receiver reports and WebRTC's stats later carry the same quantities). The hub only
// stores and sums them; the protocol samples them about once a second on its own thread.
#include <cstdint>

namespace firstmile::media {

// Counters are the connection's totals; the receive side for a publisher, the send side for a
// player.
struct LinkStats {
  double rtt_ms = 0;
  double bandwidth_mbps = 0;  // the link capacity the protocol estimates
  double send_rate_mbps = 0;
  double receive_rate_mbps = 0;
  uint64_t packets_lost = 0;
  uint64_t packets_retransmitted = 0;
  uint64_t packets_dropped = 0;  // too late to be played (receiver) or sent (sender)
};
// Link counters that only grow, by role ("publisher", "player"), for the metrics.
struct LinkTotals {
  uint64_t lost = 0, retransmitted = 0, dropped = 0;
  void add(const LinkStats& s) {
    lost += s.packets_lost;
    retransmitted += s.packets_retransmitted;
    dropped += s.packets_dropped;
  }
  void add(const LinkTotals& t) {
    lost += t.lost;
    retransmitted += t.retransmitted;
    dropped += t.dropped;
  }
};

}  // namespace firstmile::media
