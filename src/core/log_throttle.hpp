#pragma once
// A bound on log lines a peer can cause. Refusals (connection limits, bad handshakes, bad
// requests) are logged per peer event, so a flood of them would flood the log and the disk
// under it: past `burst` lines in one `interval` the rest are only counted, and the next line
// let through says how many were held back (suppressed=N). Any thread.
#include <chrono>
#include <cstdint>
#include <mutex>

namespace firstmile {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(uint32_t burst = 20, Clock::duration interval = std::chrono::seconds(1))
      : burst_(burst), interval_(interval) {}

  // Whether to write this line. When it is written, `suppressed` is how many lines were held
  // back since the last one written (0 mostly).
  bool allow(uint64_t& suppressed, Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mutex_);
    if (now - window_start_ >= interval_) {
      window_start_ = now;
      in_window_ = 0;
    }
    if (in_window_ >= burst_) {
      ++held_;
      return false;
    }
    ++in_window_;
    suppressed = held_;
    held_ = 0;
    return true;
  }

 private:
  const uint32_t burst_;
  const Clock::duration interval_;
  std::mutex mutex_;
  Clock::time_point window_start_{};
  uint32_t in_window_ = 0;
  uint64_t held_ = 0;
};

}  // namespace firstmile
