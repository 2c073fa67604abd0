#pragma once
// Where a segment ends: the one rule the TS and CMAF (HLS, LL-HLS) segmenters and the DASH
// segmenter share. It knows frames and timestamps only, nothing of TS, fMP4 or playlists.
//
// One track cuts: video when the stream has video the output carries, else audio. A segment
// opens at a random access point of that track (a video keyframe; any audio frame), so each one
// decodes on its own; frames before it are dropped. It is cut at the first such point at or past
// the target duration, or, without one, at the first frame at or past the maximum duration or
// that would pass the maximum size (a forced cut, counted: the next segment then does not start
// with a keyframe). A frame flagged as a
// discontinuity (or, optionally, a step back past the maximum) ends the timeline: the caller
// closes the open segment with estimated_duration() and then close()s the cutter.
//
// The caller reports every frame it placed in the open segment with add(): the cutting track's
// frames give the average frame interval that estimated_duration() adds after the last one.
// Runs on the stream's thread; the counters may be read from any thread.
#include <atomic>
#include <cstdint>

#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::output {

struct SegmentCutterConfig {
  int64_t target_ticks = 0;  // cut at the first random access point at or past this
  int64_t max_ticks = 0;     // cut anyway at the first frame at or past this (>= target)
  // Cut anyway before a frame that would take the segment's payload past this many bytes (the
  // frames reported with add()): with the hub keeping time advancing, this bounds a segment,
  // and each part within it, whatever a publisher sends. 0: no limit.
  uint64_t max_bytes = 0;
  // Whether a frame of the other track (audio in a video stream) may force a cut past the
  // maximum (the TS segmenter), or only a frame of the cutting track (CMAF, DASH).
  bool any_track_forces = false;
  // Whether a step back to before (first frame of the open segment - maximum) breaks the
  // timeline like a flagged discontinuity (HLS), or only the flag does (DASH).
  bool step_back_breaks = true;
};

class SegmentCutter {
 public:
  enum class Action {
    Drop,       // no segment is open and this frame may not open one
    Open,       // this frame opens the first segment (of a timeline)
    Continue,   // this frame goes into the open segment
    Cut,        // the open segment ends before this frame, which opens the next one
    ForcedCut,  // the same, past the maximum without a random access point
  };
  struct Decision {
    Action action = Action::Continue;
    // Cut and ForcedCut: ticks from the closing segment's first frame to this frame.
    int64_t duration = 0;
    bool cuts() const { return action == Action::Cut || action == Action::ForcedCut; }
  };

  explicit SegmentCutter(SegmentCutterConfig config);
  SegmentCutter(const SegmentCutter&) = delete;
  SegmentCutter& operator=(const SegmentCutter&) = delete;

  // Which track cuts, and the tracks whose frame rate and sample rate give the frame interval
  // while a segment has fewer than two frames of it. Leaves the open segment open.
  void set_tracks(const media::Tracks& tracks, bool cuts_on_video);
  bool cuts_on_video() const { return cuts_on_video_; }
  bool is_cut_track(const media::Frame& frame) const;
  // A segment of a stream that cuts on video (or not) may start with this frame.
  static bool may_open(const media::Frame& frame, bool cuts_on_video);

  // The frame starts a new timeline: the open segment must be closed before it.
  bool breaks_timeline(const media::Frame& frame) const;
  // What this frame does to the segments. Open and the cuts start the new segment's state.
  Decision on_frame(const media::Frame& frame);
  // The frame was placed in the open segment (frames of the other track are ignored).
  void add(const media::Frame& frame);
  // The open segment ended without a cut (end, reconnect, jump, an unusable first frame): the
  // next segment opens at a random access point again.
  void close();

  bool is_open() const { return open_; }
  int64_t first_dts() const { return first_dts_; }
  uint64_t frames() const { return frames_; }  // of the cutting track, added
  // The average interval of the cutting track's frames in the open segment; with fewer than
  // two, the nominal one (1/frame rate; one audio frame). 0 when unknown.
  int64_t frame_interval() const;
  // The open segment's length when it ends without a next frame: from its first frame to its
  // last frame of the cutting track, plus one frame interval.
  int64_t estimated_duration() const;

  // One audio frame (1024 AAC samples, 960 Opus) in ticks; 0 without audio or sample rate.
  static int64_t audio_frame_ticks(const media::Tracks& tracks);

  uint64_t forced_cuts() const { return forced_cuts_.load(std::memory_order_relaxed); }
  // Of those, the cuts at max_bytes.
  uint64_t size_cuts() const { return size_cuts_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void start_segment(const media::Frame& frame);

  SegmentCutterConfig config_;
  media::Tracks tracks_;
  bool cuts_on_video_ = false;
  bool open_ = false;
  int64_t first_dts_ = 0;  // the segment's first frame, of any track
  // Frames of the cutting track added to the open segment.
  int64_t cut_first_dts_ = 0;
  int64_t cut_last_dts_ = 0;
  uint64_t frames_ = 0;
  uint64_t bytes_ = 0;  // payload added to the open segment, all tracks
  std::atomic<uint64_t> forced_cuts_{0};
  std::atomic<uint64_t> size_cuts_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace firstmile::output
