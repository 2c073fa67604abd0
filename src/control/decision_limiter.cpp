#include "control/decision_limiter.hpp"

#include <algorithm>
#include <iterator>

namespace firstmile::control {

void DecisionLimiter::configure(uint32_t max_in_flight, uint32_t per_ip) {
  std::lock_guard lock(mutex_);
  max_in_flight_ = max_in_flight;
  per_ip_ = per_ip;
}

DecisionLimiter::Verdict DecisionLimiter::acquire(const std::string& address,
                                                  Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (in_flight_ >= max_in_flight_) return Verdict::Busy;
  // The host itself (a reverse proxy in front of the server) is not one peer among others.
  const bool host_itself =
      address == "127.0.0.1" || address == "::1" || address == "::ffff:127.0.0.1";
  if (per_ip_ > 0 && !address.empty() && !host_itself) {
    const double rate = per_ip_;
    const double burst = 2.0 * per_ip_;
    if (buckets_.size() >= kMaxAddresses && !buckets_.count(address)) {
      // A bucket idle for burst/rate seconds is full again: forgetting it changes nothing.
      const auto refill =
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(burst / rate));
      std::erase_if(buckets_, [&](const auto& b) { return now - b.second.last >= refill; });
      if (buckets_.size() >= kMaxAddresses) buckets_.erase(buckets_.begin());
    }
    auto [it, fresh] = buckets_.try_emplace(address, Bucket{burst, now});
    Bucket& b = it->second;
    if (!fresh) {
      const double elapsed = std::chrono::duration<double>(now - b.last).count();
      b.tokens = std::min(burst, b.tokens + std::max(0.0, elapsed) * rate);
      b.last = now;
    }
    if (b.tokens < 1) return Verdict::TooFast;
    b.tokens -= 1;
  }
  ++in_flight_;
  return Verdict::Go;
}

void DecisionLimiter::release() {
  std::lock_guard lock(mutex_);
  if (in_flight_ > 0) --in_flight_;
}

uint32_t DecisionLimiter::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

std::string decision_query(const std::string& query) {
  std::string out;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t end = query.find('&', pos);
    if (end == std::string::npos) end = query.size();
    std::string_view pair(query.data() + pos, end - pos);
    if (!pair.empty() && pair.rfind("_HLS_", 0) != 0) {
      if (!out.empty()) out += '&';
      out += pair;
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace firstmile::control
