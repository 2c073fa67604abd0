#pragma once
// What peers can make the decision webhooks do. Every publish and every play (HLS and DASH
// past the decision cache) of a server with on_publish/on_play asks the operator's backend, so
// a flood of connections would be a flood of requests to it: decisions in flight are capped
// (webhooks.max_decisions_in_flight) and each address may start only so many a second
// (webhooks.decisions_per_ip, a token bucket with twice that as burst; 127.0.0.1 and ::1, a
// proxy on the host, are not limited). Past either, the decision is refused at once, without
// a request. Any thread.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace firstmile::control {

class DecisionLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Verdict { Go, Busy, TooFast };

  // Applies to decisions started afterwards (hot reload). `per_ip` 0: no per-address limit.
  void configure(uint32_t max_in_flight, uint32_t per_ip);
  // Go takes a slot in flight: give it back with release() when the decision is done.
  Verdict acquire(const std::string& address, Clock::time_point now = Clock::now());
  void release();
  uint32_t in_flight() const;

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last{};
  };
  // Addresses remembered at most; past it, full buckets (idle long enough) are forgotten first.
  static constexpr size_t kMaxAddresses = 65536;

  mutable std::mutex mutex_;
  uint32_t max_in_flight_ = 256;
  uint32_t per_ip_ = 10;
  uint32_t in_flight_ = 0;
  std::unordered_map<std::string, Bucket> buckets_;
};

// The query a decision depends on: the request's, without the LL-HLS delivery directives
// (_HLS_msn, _HLS_part, _HLS_skip, ...; RFC 8216bis 6.2.5 reserves the "_HLS_" prefix for
// them) that change with every blocking playlist request. The play-decision cache is keyed
// by it and the webhook is sent it, so what the backend decided is what the cache keeps.
std::string decision_query(const std::string& query);

}  // namespace firstmile::control
