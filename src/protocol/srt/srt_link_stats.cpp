#include "protocol/srt/srt_link_stats.hpp"

#include <algorithm>

namespace firstmile::srt {

namespace {
uint64_t count(int64_t n) {
  return static_cast<uint64_t>(std::max<int64_t>(n, 0));
}
double rate(double mbps) {
  return mbps > 0 ? mbps : 0;
}
}  // namespace

media::LinkStats to_link_stats(const SRT_TRACEBSTATS& perf, SrtRole role) {
  media::LinkStats s;
  s.rtt_ms = rate(perf.msRTT);
  s.bandwidth_mbps = rate(perf.mbpsBandwidth);
  s.send_rate_mbps = rate(perf.mbpsSendRate);
  s.receive_rate_mbps = rate(perf.mbpsRecvRate);
  if (role == SrtRole::Publisher) {
    s.packets_lost = count(perf.pktRcvLossTotal);
    // libsrt 1.5 has no total of retransmissions received; its interval counter is one as long
    // as nobody clears the statistics, and sample() never does.
    s.packets_retransmitted = count(perf.pktRcvRetrans);
    s.packets_dropped = count(perf.pktRcvDropTotal);
  } else {
    s.packets_lost = count(perf.pktSndLossTotal);
    s.packets_retransmitted = count(perf.pktRetransTotal);
    s.packets_dropped = count(perf.pktSndDropTotal);
  }
  return s;
}

bool SharedLinkStats::sample(SRTSOCKET sock, SrtRole role) {
  SRT_TRACEBSTATS perf{};
  // clear = 0: totals since the connection began (they must only grow); instantaneous = 1:
  // the current RTT, bandwidth and rates rather than averages over the last interval.
  if (srt_bistats(sock, &perf, 0, 1) == SRT_ERROR) return false;
  auto s = to_link_stats(perf, role);
  std::lock_guard lock(mutex_);
  if (value_) {
    // libsrt's totals are per connection and never go down; keep ours monotonic even if a
    // sample of a closing socket comes back zeroed.
    s.packets_lost = std::max(s.packets_lost, value_->packets_lost);
    s.packets_retransmitted = std::max(s.packets_retransmitted, value_->packets_retransmitted);
    s.packets_dropped = std::max(s.packets_dropped, value_->packets_dropped);
  }
  value_ = s;
  return true;
}

std::optional<media::LinkStats> SharedLinkStats::get() const {
  std::lock_guard lock(mutex_);
  return value_;
}

}  // namespace firstmile::srt
