#include "output/http_clients.hpp"

#include <algorithm>

namespace firstmile::output {

HttpClients::Clock::duration HttpClients::window_for(double segment_duration) {
  return std::max<Clock::duration>(std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(3 * segment_duration)),
                                   std::chrono::seconds(6));
}

bool HttpClients::note(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  // Sweep when the table has doubled since the last sweep (amortized O(1) per request even when
  // most entries are recent: a sweep per request would be quadratic in the viewers), and when it
  // is full, at most once a second.
  const bool full = last_seen_.size() >= kMaxClients;
  if (last_seen_.size() >= prune_at_ || (full && now >= next_full_sweep_)) {
    std::erase_if(last_seen_, [&](const auto& e) { return now - e.second > window_; });
    prune_at_ = std::max(kPruneAt, 2 * last_seen_.size());
    if (full) next_full_sweep_ = now + std::chrono::seconds(1);
  }
  auto it = last_seen_.find(address);
  if (it == last_seen_.end() && last_seen_.size() >= kMaxClients) return false;
  const bool fresh = it == last_seen_.end() || now - it->second > window_;
  last_seen_[address] = now;
  return fresh;
}

size_t HttpClients::viewers(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return static_cast<size_t>(
      std::count_if(last_seen_.begin(), last_seen_.end(),
                    [&](const auto& e) { return now - e.second <= window_; }));
}

}  // namespace firstmile::output
