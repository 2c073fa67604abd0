#include "output/dash/dash_segmenter.hpp"
#include "core/clock.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace firstmile::dash {

namespace {

using media::same_track;
using media::seconds_to_ticks;

Buffer concat(const std::vector<Buffer>& chunks) {
  size_t n = 0;
  for (const auto& c : chunks)
    n += c.size();
  Bytes out;
  out.reserve(n);
  for (const auto& c : chunks)
    out.insert(out.end(), c.data(), c.data() + c.size());
  return Buffer::adopt(std::move(out));
}

}  // namespace

DashSegmenter::DashSegmenter(DashConfig config)
    : config_(std::move(config)),
      target_ticks_(seconds_to_ticks(config_.segment_duration)),
      chunk_ticks_(std::max<int64_t>(1, seconds_to_ticks(config_.chunk_duration))),
      cutter_({.target_ticks = target_ticks_,
               .max_ticks = seconds_to_ticks(
                   std::max(config_.max_segment_duration, config_.segment_duration)),
               .max_bytes = config_.max_segment_bytes,
               .any_track_forces = false,
               .step_back_breaks = false}),
      waiters_(std::make_shared<DashWaiters>(config_.max_waiters)),
      clients_(std::make_unique<output::HttpClients>(
          output::HttpClients::window_for(config_.segment_duration))) {}

DashSegmenter::~DashSegmenter() = default;

void DashSegmenter::report(media::OutputReport& out) const {
  out.viewers["dash"] = clients_->viewers();
  if (auto bytes = clients_->bytes()) out.bytes_out["dash"] += bytes;
}

int64_t DashSegmenter::now_ms() const {
  if (clock_) return clock_();
  return unix_ms();
}

std::shared_ptr<const DashSnapshot> DashSegmenter::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

DashStats DashSegmenter::stats() const {
  std::lock_guard lock(snapshot_mutex_);
  return published_stats_;
}

void DashSegmenter::on_tracks(const media::Tracks& tracks) {
  if (running_ && same_track(tracks.video, tracks_.video) &&
      same_track(tracks.audio, tracks_.audio)) {
    return;  // a repeated sequence header
  }
  // New codec parameters need new init segments: a new Period (IOP 4.5.3).
  if (running_) close_period();
  tracks_ = tracks;
  running_ = true;
  ended_ = false;
  new_period_ = true;
  publish();
}

void DashSegmenter::on_end() {
  if (!running_) return;
  close_period();
  running_ = false;
  ended_ = true;
  publish();
}

DashSegmenter::TrackState DashSegmenter::make_track(const media::TrackInfo& info,
                                                    const char* id) const {
  TrackState t;
  t.id = id;
  media::Tracks only;
  if (info.kind == media::MediaKind::Video)
    only.video = info;
  else
    only.audio = info;
  t.muxer = std::make_unique<format::Fmp4Muxer>(only);
  if (t.muxer->tracks().empty()) return TrackState{};  // a codec fMP4 does not carry
  t.timescale = t.muxer->tracks()[0].timescale;
  t.info = t.muxer->tracks()[0].info;  // completed from the config record
  t.init = Buffer::adopt(t.muxer->init_segment());
  return t;
}

void DashSegmenter::open_period(const media::Frame& first) {
  const int64_t now = now_ms();
  if (!availability_start_ms_) availability_start_ms_ = now;
  Period p;
  p.index = next_period_++;
  p.start_ms = now - *availability_start_ms_;
  if (!periods_.empty()) {
    // Periods follow each other: never start before the previous one ends (a publisher may
    // send faster than real time for a moment).
    const auto& prev = periods_.back();
    const int64_t prev_end_ms = prev.start_ms + media::ticks_to_ms(prev.end_dts - prev.origin_dts);
    p.start_ms = std::max(p.start_ms, prev_end_ms);
  }
  p.origin_dts = first.dts;
  const std::string prefix = config_.name_prefix + "p" + std::to_string(p.index) + "-";
  if (tracks_.video) {
    auto t = make_track(*tracks_.video, "v");
    if (t.muxer) {
      t.init_name = prefix + "v-init.mp4";
      p.video = std::move(t);
    }
  }
  if (tracks_.audio) {
    auto t = make_track(*tracks_.audio, "a");
    if (t.muxer) {
      t.init_name = prefix + "a-init.mp4";
      p.audio = std::move(t);
    }
  }
  audio_cuts_.clear();
  cutter_.set_tracks(tracks_, p.video.has_value());
  periods_.push_back(std::move(p));
}

void DashSegmenter::close_period() {
  if (periods_.empty() || periods_.back().closed) {
    new_period_ = true;
    return;
  }
  auto& p = periods_.back();
  int64_t end = p.origin_dts;
  for (auto* t : {p.video ? &*p.video : nullptr, p.audio ? &*p.audio : nullptr}) {
    if (!t) continue;
    close_segment(*t, std::nullopt);
    if (!t->segments.empty()) {
      const auto& s = t->segments.back();
      end = std::max(end, (s.start + s.duration) * media::kTimeBase / t->timescale);
    }
  }
  p.closed = true;
  p.end_dts = end;
  cutter_.close();
  audio_cuts_.clear();
  new_period_ = true;
}

void DashSegmenter::on_frame(const media::FramePtr& frame) {
  if (!running_ || !frame) return;
  if (cutter_.breaks_timeline(*frame) && !new_period_) {
    // A jump: the SegmentTimeline cannot have a hole or overlap, so the rest goes into a new
    // Period with its own presentationTimeOffset.
    close_period();
  }
  const bool video = frame->kind == media::MediaKind::Video;
  if (new_period_) {
    // A Period starts with a video keyframe when there is video (startWithSAP), else with any
    // audio frame.
    if (!output::SegmentCutter::may_open(*frame, tracks_.video.has_value())) {
      ++stats_.frames_dropped;
      return;
    }
    open_period(*frame);
    new_period_ = false;
  }
  auto& p = periods_.back();
  if (frame->dts < p.origin_dts) {
    ++stats_.frames_dropped;
    return;
  }
  const size_t chunks_before = stats_.chunks, segments_before = stats_.segments;
  if (video)
    push_video(frame);
  else
    push_audio(frame);
  if (stats_.chunks != chunks_before || stats_.segments != segments_before) publish();
}

void DashSegmenter::push_video(const media::FramePtr& frame) {
  auto& p = periods_.back();
  if (!p.video) {
    ++stats_.frames_dropped;
    return;
  }
  auto& t = *p.video;
  // Cut at the first keyframe past the target; past the maximum, cut anyway (the segment then
  // does not start with a SAP, like a forced HLS cut: a broken encoder, not the normal case).
  const output::SegmentCutter::Decision decision = cutter_.on_frame(*frame);
  if (decision.action == output::SegmentCutter::Action::Drop) {
    ++stats_.frames_dropped;  // not reached: a Period starts with a keyframe
    return;
  }
  if (decision.cuts()) close_segment(t, frame->dts);
  if (decision.action != output::SegmentCutter::Action::Continue) {
    open_segment(t, *frame, next_video_number_++);
    audio_cuts_.push_back(frame->dts);
  }
  add_frame(t, frame);
}

void DashSegmenter::push_audio(const media::FramePtr& frame) {
  auto& p = periods_.back();
  if (!p.audio) {
    ++stats_.frames_dropped;
    return;
  }
  auto& t = *p.audio;
  if (p.video) {
    // Follow video's cuts: the first audio frame at or past a cut time starts a segment.
    bool cut = false;
    while (!audio_cuts_.empty() && audio_cuts_.front() <= frame->dts) {
      audio_cuts_.pop_front();
      cut = true;
    }
    if (!t.open && !cut) {
      ++stats_.frames_dropped;  // before video's first segment
      return;
    }
    if (cut) {
      if (t.open) close_segment(t, frame->dts);
      open_segment(t, *frame, next_audio_number_++);
    }
  } else {
    // Audio cuts (no video in the Period): every audio frame may end a segment.
    const output::SegmentCutter::Decision decision = cutter_.on_frame(*frame);
    if (decision.action == output::SegmentCutter::Action::Drop) {
      ++stats_.frames_dropped;  // not reached: any audio frame opens a segment
      return;
    }
    if (decision.cuts()) close_segment(t, frame->dts);
    if (decision.action != output::SegmentCutter::Action::Continue) {
      open_segment(t, *frame, next_audio_number_++);
    }
  }
  add_frame(t, frame);
}

void DashSegmenter::open_segment(TrackState& t, const media::Frame& frame, uint64_t number) {
  t.open = true;
  t.number = number;
  t.first_dts = frame.dts;
  t.chunks.clear();
  t.pending.clear();
}

void DashSegmenter::add_frame(TrackState& t, const media::FramePtr& frame) {
  if (!t.pending.empty() && frame->dts - t.chunk_first_dts >= chunk_ticks_)
    flush_chunk(t, frame->dts);
  if (t.pending.empty()) t.chunk_first_dts = frame->dts;
  t.pending.push_back(frame);
  cutter_.add(*frame);
  if (t.has_last) t.prev_dts = t.last_dts;
  t.has_prev = t.has_last;
  t.last_dts = frame->dts;
  t.has_last = true;
}

bool DashSegmenter::flush_chunk(TrackState& t, std::optional<int64_t> next_dts) {
  if (t.pending.empty()) return false;
  const bool video = t.id == "v";
  auto bytes = t.muxer->fragment(t.pending, video ? next_dts : std::nullopt,
                                 video ? std::nullopt : next_dts);
  t.pending.clear();
  if (bytes.empty()) {
    ++stats_.frames_dropped;
    return false;
  }
  t.chunks.push_back(Buffer::adopt(std::move(bytes)));
  ++stats_.chunks;
  return true;
}

void DashSegmenter::close_segment(TrackState& t, std::optional<int64_t> end_dts) {
  if (!t.open) return;
  flush_chunk(t, end_dts);
  t.open = false;
  if (t.chunks.empty()) return;
  const int64_t start = format::rescale_from_90k(t.first_dts, t.timescale);
  int64_t end;
  if (end_dts) {
    end = format::rescale_from_90k(*end_dts, t.timescale);
  } else {
    // The muxer gave the last sample the previous sample's duration: so does the timeline.
    const int64_t last = format::rescale_from_90k(t.last_dts, t.timescale);
    int64_t step = t.has_prev ? last - format::rescale_from_90k(t.prev_dts, t.timescale) : 0;
    if (step <= 0) step = t.id == "v" ? t.timescale / 25 : 1024;
    end = last + step;
  }
  DashSegment s;
  s.number = t.number;
  s.start = start;
  s.duration = std::max<int64_t>(1, end - start);
  s.data = t.chunks.size() == 1 ? t.chunks.front() : concat(t.chunks);
  t.chunks.clear();
  t.segments.push_back(std::move(s));
  ++stats_.segments;
  evict();
}

void DashSegmenter::evict() {
  // Per representation kind, across Periods: the window plus a few for slow clients.
  const size_t keep = config_.window + config_.keep_extra;
  for (bool video : {true, false}) {
    size_t total = 0;
    for (auto& p : periods_) {
      auto& t = video ? p.video : p.audio;
      if (t) total += t->segments.size();
    }
    for (auto& p : periods_) {
      auto& t = video ? p.video : p.audio;
      while (t && total > keep && !t->segments.empty()) {
        t->segments.pop_front();
        --total;
      }
      if (total <= keep) break;
    }
  }
  while (periods_.size() > 1 && periods_.front().closed) {
    const auto& p = periods_.front();
    const bool empty =
        (!p.video || p.video->segments.empty()) && (!p.audio || p.audio->segments.empty());
    if (!empty) break;
    periods_.pop_front();
  }
}

int64_t DashSegmenter::expected_duration(const TrackState& t) const {
  if (!t.open || !t.has_last || periods_.empty()) return 0;
  const auto& p = periods_.back();
  const bool video = t.id == "v";
  const int64_t start = format::rescale_from_90k(t.first_dts, t.timescale);
  const int64_t last = format::rescale_from_90k(t.last_dts, t.timescale);
  int64_t step = t.has_prev ? last - format::rescale_from_90k(t.prev_dts, t.timescale) : 0;
  if (step <= 0) step = video ? std::max<int64_t>(1, t.timescale / 25) : 1024;
  int64_t end;
  if (video) {
    // The next keyframe past the target: one GOP when the last segment was one GOP long.
    const int64_t nominal = t.segments.empty()
                                ? format::rescale_from_90k(target_ticks_, t.timescale)
                                : t.segments.back().duration;
    end = start + nominal;
  } else {
    // Audio ends at the first audio frame at or past its cut: the next video cut when video
    // has made it already, else where the open video segment is expected to end.
    std::optional<int64_t> cut90;
    if (p.video) {
      if (!audio_cuts_.empty()) {
        cut90 = audio_cuts_.front();
      } else if (p.video->open && p.video->number == t.number) {
        const int64_t vd = expected_duration(*p.video);
        if (vd > 0) cut90 = p.video->first_dts + vd * media::kTimeBase / p.video->timescale;
      }
      if (!cut90) return 0;
    } else {
      cut90 = t.first_dts + target_ticks_;
    }
    const int64_t cut = format::rescale_from_90k(*cut90, t.timescale);
    const int64_t frames = std::max<int64_t>(1, (cut - last + step - 1) / step);
    end = last + frames * step;
  }
  // Never shorter than what the segment already holds.
  end = std::max(end, last + step);
  return end - start;
}

void DashSegmenter::publish() {
  auto snap = std::make_shared<DashSnapshot>();
  snap->name_prefix = config_.name_prefix;
  snap->availability_start_ms = availability_start_ms_.value_or(0);
  snap->publish_ms = now_ms();
  snap->ended = ended_;
  snap->version = ++version_;
  snap->segment_duration = config_.segment_duration;
  snap->chunk_duration = config_.chunk_duration;
  snap->low_latency = config_.low_latency;
  snap->window = config_.window;
  for (const auto& p : periods_) {
    DashPeriod out;
    out.index = p.index;
    out.start_ms = p.start_ms;
    out.closed = p.closed;
    out.duration_ms = p.closed ? media::ticks_to_ms(p.end_dts - p.origin_dts) : 0;
    auto convert = [&](const TrackState& t) {
      DashRepresentation r;
      r.id = t.id;
      r.info = t.info;
      r.timescale = t.timescale;
      r.presentation_time_offset = format::rescale_from_90k(p.origin_dts, t.timescale);
      r.init_name = t.init_name;
      r.init = t.init;
      r.segments.assign(t.segments.begin(), t.segments.end());
      if (t.open) {
        r.open = DashOpenSegment{t.number, format::rescale_from_90k(t.first_dts, t.timescale),
                                 t.chunks, p.closed ? 0 : expected_duration(t)};
      }
      uint64_t bytes = 0;
      int64_t duration = 0;
      for (const auto& s : t.segments) {
        bytes += s.data.size();
        duration += s.duration;
      }
      if (duration > 0) r.bandwidth = bytes * 8 * t.timescale / static_cast<uint64_t>(duration);
      return r;
    };
    if (p.video) out.video = convert(*p.video);
    if (p.audio) out.audio = convert(*p.audio);
    snap->periods.push_back(std::move(out));
  }
  std::shared_ptr<const DashSnapshot> shared = std::move(snap);
  {
    std::lock_guard lock(snapshot_mutex_);
    snapshot_ = shared;
    published_stats_ = stats_;
  }
  waiters_->notify(shared);
}

}  // namespace firstmile::dash
