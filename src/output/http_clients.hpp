#pragma once
// Who watches a stream over plain HTTP requests (HLS, DASH), for the API, the metrics and the
// on_play notification. HTTP is stateless: a viewer is an address that fetched a media segment
// recently (what a CDN log would count too), and the bytes are those of the segments sent. One
// table per output and stream. Any thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace firstmile::output {

class HttpClients {
 public:
  using Clock = std::chrono::steady_clock;

  // An address counts as a viewer for `window` after its last segment request.
  explicit HttpClients(Clock::duration window) : window_(window) {}

  // A segment request from `address`; true when the address is new or came back after the
  // window (a new viewer).
  bool note(const std::string& address, Clock::time_point now = Clock::now());
  size_t viewers(Clock::time_point now = Clock::now()) const;

  void add_bytes(uint64_t n) { bytes_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

  // Bounds: old entries are pruned once the table is this large (then each time it doubles);
  // past the cap new addresses are not recorded (not counted, and not announced).
  static constexpr size_t kPruneAt = 4096;
  static constexpr size_t kMaxClients = 100000;

  // The window for an output whose players fetch a segment every `segment_duration` seconds:
  // three missed fetches, and at least 6 s.
  static Clock::duration window_for(double segment_duration);

 private:
  const Clock::duration window_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Clock::time_point> last_seen_;
  size_t prune_at_ = kPruneAt;
  Clock::time_point next_full_sweep_{};
  std::atomic<uint64_t> bytes_{0};
};

}  // namespace firstmile::output
