#pragma once
// Decode times for video that carries only presentation times (RTP: RFC 6184 5.1, the
// timestamp "is set to the sampling timestamp of the content", the PTS). Access units arrive in
// decode order; with B-frames their PTS go back and forth. With a reorder depth of d frames, the
// decode time of the i-th unit can be the (i - d)-th smallest PTS: the smallest PTS not yet
// used, taken when the unit arrives, so nothing waits (only the first d units, until the frame
// step is known, to be placed before the first PTS). d comes from the SPS when it says (H.264
// VUI max_num_reorder_frames, H.265 sps_max_num_reorder_pics). An SPS that does not say, or says
// too little, is corrected from what arrives: a unit whose PTS is not above the last decode
// time given raises d by one and is dropped (counted), as no decode time fits it.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace firstmile::format::rtp {

class DecodeTimes {
 public:
  static constexpr int kMaxDepth = 16;

  struct Unit {
    int64_t dts = 0;
    int64_t pts = 0;
    size_t index = 0;  // the caller's handle, as given to push()
  };

  DecodeTimes() = default;

  // The reorder depth the SPS gives (the starting point; what arrives may raise it).
  void set_depth(int depth);
  // The frame duration in PTS units when the SPS gives a frame rate: the first units' decode
  // times go this far apart below the first PTS. Without it, the smallest distance between the
  // first units' PTS is used.
  void set_frame_step(int64_t step) { frame_step_ = step; }

  // A unit's PTS (64-bit, in decode order); appends the units whose decode time is now known,
  // in decode order (nothing for a unit dropped, or one held at the start).
  void push(int64_t pts, size_t index, std::vector<Unit>& out);
  // The units still held (end of stream).
  void flush(std::vector<Unit>& out);
  // Starts again, keeping the depth (after a loss or a new timeline).
  void reset();

  int depth() const { return depth_; }
  uint64_t dropped() const { return dropped_; }

 private:
  void start(std::vector<Unit>& out);
  int64_t take_smallest();

  int depth_ = 0;
  bool started_ = false;
  std::vector<std::pair<int64_t, size_t>> held_;  // (pts, index): the first units
  std::vector<int64_t> pool_;                     // a min-heap of PTS not yet used
  std::vector<int64_t> recent_;                   // the last PTS, for learning the depth
  int64_t frame_step_ = 0;
  int64_t last_dts_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace firstmile::format::rtp
