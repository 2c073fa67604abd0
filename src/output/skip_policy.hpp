#pragma once
// The one slow-viewer rule of every viewer, whatever carries its bytes (a TCP viewer's queue,
// libsrt's send buffer, later an RTP sender): a viewer that falls behind skips to the next
// keyframe; more than fanout.max_skips skips within fanout.skip_window disconnects it. Stream
// executor only. A vector, not a deque: nothing is allocated until the first skip, and most
// viewers never skip.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "output/fanout_config.hpp"

namespace firstmile::output {

class SkipPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  // The viewer fell behind once more: true when it must now be disconnected (then `reason`
  // says why); false when it skips to the next keyframe.
  bool fell_behind(const FanoutConfig& config, std::string& reason,
                   Clock::time_point now = Clock::now()) {
    std::erase_if(recent_, [&](auto t) { return now - t > config.skip_window; });
    recent_.push_back(now);
    ++skips_;
    if (recent_.size() <= config.max_skips) return false;
    slow_ = true;
    reason = "slow viewer: fell behind " + std::to_string(recent_.size()) + " times";
    return true;
  }

  uint32_t skips() const { return skips_; }
  // Disconnected for staying too slow (counted by the stream as a slow disconnect).
  bool slow() const { return slow_; }

 private:
  std::vector<Clock::time_point> recent_;
  uint32_t skips_ = 0;
  bool slow_ = false;
};

}  // namespace firstmile::output
