#pragma once
// Turns a wrapping wire timestamp (RTMP: 32-bit ms; TS: 33-bit 90 kHz; RTP: 32-bit) into a
// 64-bit monotonic timeline and flags jumps, so that no output ever sees a negative or huge
// duration (DESIGN.md, "Timestamps").
#include <cstdint>
#include <optional>

namespace firstmile::media {

class TimestampUnwrapper {
 public:
  // `bits` is the wire width; `jump` is the largest step (either way) treated as continuous,
  // in wire units.
  TimestampUnwrapper(int bits, int64_t jump) : modulus_(int64_t{1} << bits), jump_(jump) {}

  struct Result {
    int64_t value;       // unwrapped, in wire units
    bool discontinuity;  // the step from the previous value exceeded `jump`
  };

  Result unwrap(uint64_t wire) {
    int64_t v = static_cast<int64_t>(wire % static_cast<uint64_t>(modulus_));
    if (!last_) {
      last_ = v;
      return {v, false};
    }
    int64_t base = *last_ - (*last_ % modulus_);
    int64_t candidate = base + v;
    // Pick the representative closest to the previous value (handles wrap both ways).
    if (candidate - *last_ > modulus_ / 2)
      candidate -= modulus_;
    else if (*last_ - candidate > modulus_ / 2)
      candidate += modulus_;
    bool jumped = candidate - *last_ > jump_ || *last_ - candidate > jump_;
    last_ = candidate;
    return {candidate, jumped};
  }

  void reset() { last_.reset(); }

 private:
  int64_t modulus_;
  int64_t jump_;
  std::optional<int64_t> last_;
};

}  // namespace firstmile::media
