#pragma once
// The delay between two attempts of a publisher the server starts itself (a camera pull, an
// edge pull): doubling from `initial` to `max` while attempts keep failing, back to `initial`
// once an attempt lasted `healthy` (it worked for a while; the next failure is a new incident).
// A jitter spreads many sources that failed together (an owner node restarted) over time.
#include <chrono>
#include <cstdint>
#include <random>

namespace firstmile::publish {

struct BackoffConfig {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds max{30000};
  std::chrono::milliseconds healthy{30000};
  double jitter = 0.2;  // each delay is scaled by a random factor in [1 - jitter, 1]
};

class Backoff {
 public:
  explicit Backoff(BackoffConfig config, uint32_t seed = std::random_device{}())
      : config_(config), random_(seed) {}

  // The attempt that just ended ran for `ran`: the delay before the next one.
  std::chrono::milliseconds next(std::chrono::steady_clock::duration ran) {
    if (ran >= config_.healthy) failures_ = 0;
    auto delay = config_.initial;
    for (uint32_t i = 0; i < failures_ && delay < config_.max; ++i)
      delay *= 2;
    delay = std::min(delay, config_.max);
    ++failures_;
    if (config_.jitter > 0) {
      std::uniform_real_distribution<double> scale(1.0 - config_.jitter, 1.0);
      delay = std::chrono::milliseconds(
          static_cast<int64_t>(static_cast<double>(delay.count()) * scale(random_)));
    }
    return delay;
  }
  // Attempts that failed in a row (the delay doubles with each).
  uint32_t failures() const { return failures_; }

 private:
  BackoffConfig config_;
  std::minstd_rand random_;
  uint32_t failures_ = 0;
};

}  // namespace firstmile::publish
