#include "output/segment_cutter.hpp"

#include <algorithm>
#include <cmath>

namespace firstmile::output {

SegmentCutter::SegmentCutter(SegmentCutterConfig config) : config_(config) {}

void SegmentCutter::set_tracks(const media::Tracks& tracks, bool cuts_on_video) {
  tracks_ = tracks;
  cuts_on_video_ = cuts_on_video;
}

bool SegmentCutter::is_cut_track(const media::Frame& frame) const {
  return (frame.kind == media::MediaKind::Video) == cuts_on_video_;
}

bool SegmentCutter::may_open(const media::Frame& frame, bool cuts_on_video) {
  const bool video = frame.kind == media::MediaKind::Video;
  return cuts_on_video ? video && frame.keyframe : !video;
}

bool SegmentCutter::breaks_timeline(const media::Frame& frame) const {
  // A timestamp jump: flagged by the hub, or a large step back that it missed. Durations are
  // never computed across it; the next segment starts a new timeline.
  if (frame.discontinuity) return true;
  return config_.step_back_breaks && open_ && frame.dts < first_dts_ - config_.max_ticks;
}

SegmentCutter::Decision SegmentCutter::on_frame(const media::Frame& frame) {
  if (!open_) {
    // Segments start at a random access point so that each one decodes on its own.
    if (!may_open(frame, cuts_on_video_)) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return {Action::Drop, 0};
    }
    start_segment(frame);
    return {Action::Open, 0};
  }
  const bool cut_track = is_cut_track(frame);
  if (!cut_track && !config_.any_track_forces) return {Action::Continue, 0};
  const int64_t elapsed = frame.dts - first_dts_;
  const bool at_boundary = cut_track && (!cuts_on_video_ || frame.keyframe);
  // A segment holds at least one frame, however large.
  const bool too_big = config_.max_bytes > 0 && bytes_ > 0 &&
                       bytes_ + frame.payload.size() > config_.max_bytes && elapsed > 0;
  Action action = Action::Continue;
  if (at_boundary && elapsed >= config_.target_ticks) {
    action = Action::Cut;
  } else if (elapsed >= config_.max_ticks || too_big) {
    // No keyframe for too long (or too many bytes): cut anyway so the playlist keeps moving and
    // memory bounded. The next segment does not start with a keyframe (which is why HLS never
    // claims EXT-X-INDEPENDENT-SEGMENTS).
    forced_cuts_.fetch_add(1, std::memory_order_relaxed);
    if (elapsed < config_.max_ticks) size_cuts_.fetch_add(1, std::memory_order_relaxed);
    action = Action::ForcedCut;
  } else {
    return {Action::Continue, 0};
  }
  start_segment(frame);
  return {action, elapsed};
}

void SegmentCutter::start_segment(const media::Frame& frame) {
  open_ = true;
  first_dts_ = frame.dts;
  cut_first_dts_ = cut_last_dts_ = frame.dts;
  frames_ = 0;
  bytes_ = 0;
}

void SegmentCutter::add(const media::Frame& frame) {
  if (!open_) return;
  bytes_ += frame.payload.size();
  if (!is_cut_track(frame)) return;
  if (frames_ == 0) cut_first_dts_ = frame.dts;
  cut_last_dts_ = std::max(cut_last_dts_, frame.dts);
  ++frames_;
}

void SegmentCutter::close() {
  open_ = false;
  frames_ = 0;
  bytes_ = 0;
}

int64_t SegmentCutter::frame_interval() const {
  if (frames_ >= 2) return (cut_last_dts_ - cut_first_dts_) / static_cast<int64_t>(frames_ - 1);
  if (cuts_on_video_) {
    const double fps = tracks_.video ? tracks_.video->frame_rate : 0;
    return fps > 0 ? std::llround(media::kTimeBase / fps) : 0;
  }
  return audio_frame_ticks(tracks_);
}

int64_t SegmentCutter::estimated_duration() const {
  return cut_last_dts_ - first_dts_ + frame_interval();
}

int64_t SegmentCutter::audio_frame_ticks(const media::Tracks& tracks) {
  const uint32_t rate = tracks.audio ? tracks.audio->sample_rate : 0;
  const int64_t samples = tracks.audio && tracks.audio->codec == media::Codec::Opus ? 960 : 1024;
  return rate > 0 ? samples * media::kTimeBase / rate : 0;
}

}  // namespace firstmile::output
