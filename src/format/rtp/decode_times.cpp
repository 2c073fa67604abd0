#include "format/rtp/decode_times.hpp"

#include <algorithm>
#include <functional>

namespace firstmile::format::rtp {

void DecodeTimes::set_depth(int depth) {
  depth_ = std::clamp(depth, 0, kMaxDepth);
}

void DecodeTimes::reset() {
  started_ = false;
  held_.clear();
  pool_.clear();
  recent_.clear();
  last_dts_ = 0;
}

int64_t DecodeTimes::take_smallest() {
  std::pop_heap(pool_.begin(), pool_.end(), std::greater<>());
  const int64_t v = pool_.back();
  pool_.pop_back();
  return v;
}

void DecodeTimes::start(std::vector<Unit>& out) {
  // The held units are the first d + 1 (or fewer, at the end of a stream). The last of them
  // takes the smallest PTS; the ones before go one frame step apart below it.
  int64_t step = frame_step_;
  for (size_t a = 0; frame_step_ <= 0 && a < held_.size(); ++a) {
    for (size_t b = a + 1; b < held_.size(); ++b) {
      const int64_t d = std::abs(held_[a].first - held_[b].first);
      if (d > 0 && (step <= 0 || d < step)) step = d;
    }
  }
  if (step <= 0) step = 1;
  const int64_t first = take_smallest();
  const auto n = static_cast<int64_t>(held_.size());
  for (int64_t k = 0; k < n; ++k) {
    const auto& [pts, index] = held_[static_cast<size_t>(k)];
    const int64_t dts = first - (n - 1 - k) * step;
    out.push_back({dts, pts, index});
    last_dts_ = dts;
  }
  held_.clear();
  started_ = true;
}

void DecodeTimes::push(int64_t pts, size_t index, std::vector<Unit>& out) {
  // Units before this one that present after it: the depth this unit needs.
  int later = 0;
  for (int64_t p : recent_)
    later += p > pts ? 1 : 0;
  if (recent_.size() == kMaxDepth) recent_.erase(recent_.begin());
  recent_.push_back(pts);
  if (!started_) {
    held_.emplace_back(pts, index);
    pool_.push_back(pts);
    std::push_heap(pool_.begin(), pool_.end(), std::greater<>());
    if (pool_.size() > static_cast<size_t>(depth_)) start(out);
    return;
  }
  if (pts <= last_dts_) {
    // No decode time fits: those given are already at or above this PTS. The depth was too
    // small: from now on, as deep as this unit needs.
    depth_ = std::min(std::max(depth_, later), kMaxDepth);
    ++dropped_;
    return;
  }
  pool_.push_back(pts);
  std::push_heap(pool_.begin(), pool_.end(), std::greater<>());
  // After a raise the pool holds one PTS too few for a while: the unit then goes one tick
  // after the last, which its PTS (above the last decode time) allows.
  int64_t dts = pool_.size() > static_cast<size_t>(depth_) ? take_smallest() : last_dts_ + 1;
  dts = std::clamp(dts, last_dts_ + 1, pts);
  last_dts_ = dts;
  out.push_back({dts, pts, index});
}

void DecodeTimes::flush(std::vector<Unit>& out) {
  if (!started_ && !held_.empty()) start(out);
}

}  // namespace firstmile::format::rtp
