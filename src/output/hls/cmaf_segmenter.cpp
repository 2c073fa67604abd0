#include "output/hls/cmaf_segmenter.hpp"

#include "core/clock.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

namespace firstmile::hls {

namespace {

using media::same_track;
using media::seconds_to_ticks;

int64_t ticks_to_ms_rounded(int64_t ticks) {
  return ticks <= 0 ? 0 : (ticks + 45) / 90;
}

// A part may end up to half a millisecond past the target: it is written with millisecond
// precision.
constexpr int64_t kPartTolerance = 45;
// How far a frame's timestamp may stray from the average cadence: RTMP timestamps are whole
// milliseconds, so a 29.97 fps frame lands up to 1 ms off its ideal place.
constexpr int64_t kTimestampJitter = 90;
// Parts are listed for segments within this many target durations of the end of the playlist
// (RFC 8216bis 4.4.4.9: EXT-X-PART tags SHOULD be removed once older than three target
// durations), and kept in memory for this many segments more for requests already under way.
constexpr int64_t kPartTargetDurations = 3;
constexpr size_t kExtraPartSegments = 2;

}  // namespace

HlsConfig CmafSegmenter::effective(HlsConfig c) {
  c.window = std::max<size_t>(c.window, 1);
  if (c.variant == HlsVariant::LowLatency) {
    // A delta update (_HLS_skip) may only skip segments older than CAN-SKIP-UNTIL, six target
    // durations (4.4.3.8): a window that short would never skip anything. Keep six target
    // durations plus four segments.
    const double seg = std::max(c.segment_duration, 0.1);
    const double target = std::max(1.0, std::round(seg));
    const auto min_window = static_cast<size_t>(std::ceil(6 * target / seg)) + 4;
    c.window = std::max(c.window, min_window);
    c.part_duration = std::clamp(c.part_duration, 0.02, std::max(0.02, seg));
  }
  return c;
}

CmafSegmenter::CmafSegmenter(const HlsConfig& config, CmafContent content)
    : config_(effective(config)),
      content_(content),
      // Only a frame of the cutting track forces a cut: audio goes with the video part it
      // arrives with.
      cutter_(cutter_config(config_, /*any_track_forces=*/false)),
      part_ticks_(
          config_.variant == HlsVariant::LowLatency ? seconds_to_ticks(config_.part_duration) : 0),
      announced_part_ticks_(part_ticks_),
      clock_(unix_ms),
      target_duration_(std::max<uint32_t>(rounded_extinf(config_.segment_duration), 1)) {}

HlsSegmenterStats CmafSegmenter::stats() const {
  HlsSegmenterStats s;
  s.segments = stat_segments_.load(std::memory_order_relaxed);
  s.forced_cuts = cutter_.forced_cuts();
  s.size_cuts = cutter_.size_cuts();
  s.frames_dropped_waiting_keyframe = cutter_.dropped();
  s.frames_rejected = stat_rejected_.load(std::memory_order_relaxed);
  s.parts = stat_parts_.load(std::memory_order_relaxed);
  s.parts_over_target = stat_parts_over_.load(std::memory_order_relaxed);
  return s;
}

std::string CmafSegmenter::init_name(size_t generation) const {
  if (generation == 0) return config_.name_prefix + "init.mp4";
  return config_.name_prefix + "init-" + std::to_string(generation) + ".mp4";
}

void CmafSegmenter::start(const media::Tracks& tracks) {
  if (running_ && same_track(tracks.video, tracks_.video) &&
      same_track(tracks.audio, tracks_.audio)) {
    tracks_ = tracks;  // descriptive fields (frame rate) may have been refined
    cutter_.set_tracks(tracks_, cuts_on_video());
    return;
  }
  bool closed = false;
  if (running_ && open_) {
    close_open_estimated();
    closed = close_segment();
  }
  const bool first = !muxer_;
  tracks_ = tracks;
  media::Tracks muxed = tracks;
  if (content_ == CmafContent::VideoOnly) muxed.audio.reset();
  if (content_ == CmafContent::AudioOnly) muxed.video.reset();
  muxer_.emplace(muxed);
  has_video_ = has_audio_ = false;
  for (const auto& t : muxer_->tracks()) {
    (t.info.kind == media::MediaKind::Video ? has_video_ : has_audio_) = true;
  }
  // AudioOnly: the caller (DemuxedRenditions) makes one only for a video the muxer takes.
  cutter_.set_tracks(tracks_,
                     content_ == CmafContent::AudioOnly ? tracks.video.has_value() : has_video_);
  if (content_ == CmafContent::AudioOnly && cuts_on_video() && part_ticks_ > 0) {
    // Whole milliseconds, rounded up: the playlist writes it in ms and must not understate it.
    const int64_t ticks = (part_ticks_ + audio_frame_ticks() + 89) / 90 * 90;
    announced_part_ticks_ = std::max(announced_part_ticks_, ticks);
  }
  // New codecs or a new publish: a new init segment under a new name (names never change
  // meaning, so a CDN may cache them as immutable), announced after EXT-X-DISCONTINUITY.
  if (!first) ++init_generation_;
  inits_.push_back(Init{init_generation_, Buffer::adopt(muxer_->init_segment()),
                        std::chrono::system_clock::now()});
  pending_discontinuity_ = next_sequence_ > 0;
  clock_anchor_.reset();
  running_ = true;
  if (ended_ || closed) {
    ended_ = false;
    finish(closed);
  }
}

void CmafSegmenter::end() {
  if (!running_) return;
  running_ = false;
  ended_ = true;
  bool closed = false;
  if (open_) {
    close_open_estimated();
    closed = close_segment();
  }
  finish(closed);
}

void CmafSegmenter::push(const media::FramePtr& frame_ptr) {
  const media::Frame& frame = *frame_ptr;
  const bool video = frame.kind == media::MediaKind::Video;
  if (!running_ || !muxer_ || !(muxes(frame) || (video && cuts_on_video()))) {
    stat_rejected_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const bool video_cuts = cuts_on_video();
  const bool cut_track = cutter_.is_cut_track(frame);
  bool closed_part = false;
  bool closed_segment = false;

  if (cutter_.breaks_timeline(frame)) {
    if (open_) {
      close_open_estimated();
      closed_segment = close_segment();
      closed_part = true;
    }
    if (next_sequence_ > 0) pending_discontinuity_ = true;
    clock_anchor_.reset();
  }
  // Now the held frame's end is known: it stays in its part only if the part then fits.
  if (held_ && cut_track) closed_part |= release_held(frame.dts);

  const output::SegmentCutter::Decision decision = cutter_.on_frame(frame);
  const std::optional<int64_t> next_video =
      video ? std::optional<int64_t>(frame.dts) : std::nullopt;
  if (decision.action == output::SegmentCutter::Action::Drop) {
    if (closed_part) finish(closed_segment);
    return;
  }
  if (decision.action == output::SegmentCutter::Action::Open) {
    open_segment(frame);
    open_part(frame);
    add_to_part(frame_ptr);
  } else if (decision.cuts()) {
    close_part(frame.dts, next_video);
    closed_segment = close_segment();
    closed_part = true;
    open_segment(frame);
    open_part(frame);
    add_to_part(frame_ptr);
  } else if (!cut_track) {
    // Audio of a video stream goes with the video it arrives with.
    if (held_) {
      held_others_.push_back(frame_ptr);
    } else {
      add_to_part(frame_ptr);
    }
  } else {
    if (low_latency() && frame.dts > part_->first_dts) {
      // A part ends where the next one's first frame starts, so whether this frame fits
      // depends on when the one after it comes. Predicted from the average interval; when
      // the timestamps' jitter (RTMP: whole milliseconds) could go either way, the frame is
      // held until the next one tells. A part thus never exceeds the target.
      const int64_t part_end = frame.dts - part_->first_dts + frame_interval();
      if (video_cuts && frame.keyframe) {
        // A keyframe starts a part (INDEPENDENT=YES: a client may join there).
        close_part(frame.dts, next_video);
        closed_part = true;
        open_part(frame);
        add_to_part(frame_ptr);
      } else if (part_end - kTimestampJitter > part_ticks_) {
        close_part(frame.dts, next_video);
        closed_part = true;
        open_part(frame);
        add_to_part(frame_ptr);
      } else if (part_end + kTimestampJitter <= part_ticks_) {
        add_to_part(frame_ptr);
      } else {
        held_ = frame_ptr;
      }
    } else {
      add_to_part(frame_ptr);
    }
  }
  if (closed_segment || (closed_part && low_latency())) finish(closed_segment);
}

void CmafSegmenter::add_to_part(const media::FramePtr& frame_ptr) {
  const media::Frame& frame = *frame_ptr;
  if (muxes(frame)) {
    part_->frames.push_back(frame_ptr);
    if (part_->media_frames++ == 0) part_->media_first_dts = frame.dts;
    part_->media_last_dts = std::max(part_->media_last_dts, frame.dts);
  }
  if (cutter_.is_cut_track(frame)) {
    part_->cut_last_dts = std::max(part_->cut_last_dts, frame.dts);
    cutter_.add(frame);
  }
}

bool CmafSegmenter::release_held(int64_t next_dts) {
  media::FramePtr held = std::move(*held_);
  held_.reset();
  bool closed = false;
  if (next_dts - part_->first_dts > part_ticks_) {
    const bool video = held->kind == media::MediaKind::Video;
    close_part(held->dts, video ? std::optional<int64_t>(held->dts) : std::nullopt);
    open_part(*held);
    closed = true;
  }
  add_to_part(held);
  for (const auto& f : held_others_)
    add_to_part(f);
  held_others_.clear();
  return closed;
}

void CmafSegmenter::close_open_estimated() {
  if (held_) release_held(held_->get()->dts + frame_interval());
  close_part(std::nullopt, std::nullopt);
  cutter_.close();
}

void CmafSegmenter::open_segment(const media::Frame& frame) {
  Segment s;
  s.sequence = next_sequence_;
  s.first_dts = frame.dts;
  s.discontinuity = pending_discontinuity_;
  pending_discontinuity_ = false;
  s.init = init_generation_;
  if (!clock_anchor_) clock_anchor_.emplace(frame.dts, clock_ ? clock_() : unix_ms());
  s.program_date_time_ms =
      clock_anchor_->second + media::ticks_to_ms(frame.dts - clock_anchor_->first);
  open_ = std::move(s);
}

void CmafSegmenter::open_part(const media::Frame& frame) {
  OpenPart p;
  p.first_dts = frame.dts;
  p.cut_last_dts = frame.dts;
  // Audio frames are all sync samples: an audio-only part always decodes on its own.
  p.independent = has_video_ ? frame.keyframe : true;
  part_ = std::move(p);
}

void CmafSegmenter::close_part(std::optional<int64_t> end_dts,
                               std::optional<int64_t> next_video_dts) {
  if (!part_ || !open_) return;
  OpenPart open = std::move(*part_);
  part_.reset();
  // Stopping or jumping: the last frame lasts one average interval.
  int64_t end = end_dts ? *end_dts : open.cut_last_dts + frame_interval();
  int64_t first = open.first_dts;
  if (content_ == CmafContent::AudioOnly && cuts_on_video() && open.media_frames > 0) {
    // The audio frames that came with this video part: the part lasts as long as they do (the
    // next one starts where its last frame ends), which is within one audio frame of the
    // video part's length.
    first = open.media_first_dts;
    end = open.media_last_dts + audio_frame_ticks();
  }
  Bytes fragment = muxer_->fragment(open.frames, next_video_dts, std::nullopt);
  if (fragment.empty()) return;
  Part p;
  p.index = static_cast<uint32_t>(open_->parts.size());
  p.first_dts = first;
  p.duration = std::max<int64_t>(end - first, 0);
  p.independent = open.independent;
  p.data = Buffer::adopt(std::move(fragment));
  p.made = std::chrono::system_clock::now();
  if (low_latency()) {
    stat_parts_.fetch_add(1, std::memory_order_relaxed);
    if (p.duration > announced_part_ticks_ + kPartTolerance) {
      stat_parts_over_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (open_->parts.empty() && content_ == CmafContent::AudioOnly && clock_anchor_) {
    // AudioOnly: the segment's date is that of its first audio sample.
    open_->program_date_time_ms =
        clock_anchor_->second + media::ticks_to_ms(first - clock_anchor_->first);
  }
  open_->duration += p.duration;
  open_->parts.push_back(std::move(p));
}

bool CmafSegmenter::close_segment() {
  if (!open_) return false;
  Segment s = std::move(*open_);
  open_.reset();
  part_.reset();
  held_.reset();
  held_others_.clear();
  if (s.parts.empty()) {
    // Nothing was muxed; its sequence number was never listed and is used by the next one.
    // Except for an audio rendition that has listed nothing yet (the audio started after the
    // first keyframe): it skips the number, so its segments keep the video's numbers.
    if (content_ == CmafContent::AudioOnly && segments_.empty()) ++next_sequence_;
    pending_discontinuity_ = pending_discontinuity_ || s.discontinuity;
    return false;
  }
  // The segment is its parts back to back; the parts become views of it (no second copy).
  size_t total = 0;
  for (const Part& p : s.parts)
    total += p.data.size();
  Bytes bytes;
  bytes.reserve(total);
  for (const Part& p : s.parts)
    bytes.insert(bytes.end(), p.data.data(), p.data.data() + p.data.size());
  s.data = Buffer::adopt(std::move(bytes));
  s.made = std::chrono::system_clock::now();
  size_t offset = 0;
  for (Part& p : s.parts) {
    const size_t n = p.data.size();
    p.data = s.data.slice(offset, n);
    offset += n;
  }
  ++next_sequence_;
  // RFC 8216 4.3.3.1 / 6.2.1: EXT-X-TARGETDURATION only ever rises, when a segment needs it.
  target_duration_ = std::max(target_duration_,
                              rounded_extinf(static_cast<double>(s.duration) / media::kTimeBase));
  segments_.push_back(std::move(s));
  if (segments_.size() > config_.window) {
    // 6.2.2: a segment with EXT-X-DISCONTINUITY leaving the playlist increments
    // EXT-X-DISCONTINUITY-SEQUENCE.
    if (segments_[segments_.size() - 1 - config_.window].discontinuity) ++discontinuity_sequence_;
  }
  while (segments_.size() > config_.window + config_.keep_extra)
    segments_.pop_front();
  // Init segments nobody refers to any more.
  size_t oldest = open_ ? open_->init : init_generation_;
  if (!segments_.empty()) oldest = std::min(oldest, segments_.front().init);
  while (!inits_.empty() && inits_.front().generation < oldest)
    inits_.pop_front();
  stat_segments_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

CmafPlaylist CmafSegmenter::playlist_model(std::vector<HlsPart>* parts_out) const {
  CmafPlaylist p;
  p.target_duration = target_duration_;
  p.discontinuity_sequence = discontinuity_sequence_;
  p.ended = ended_;
  p.low_latency = low_latency();
  p.part_target_ms = low_latency() ? ticks_to_ms_rounded(announced_part_ticks_) : 0;

  auto part_name = [&](uint64_t seq, uint32_t index) {
    return config_.name_prefix + std::to_string(seq) + "." + std::to_string(index) + ".m4s";
  };
  auto describe = [&](const Segment& s, bool with_parts, bool keep_parts,
                      CmafPlaylistSegment& out) {
    out.sequence = s.sequence;
    out.duration_ms = ticks_to_ms_rounded(s.duration);
    out.discontinuity = s.discontinuity;
    out.map_uri = init_name(s.init);
    out.program_date_time_ms = s.program_date_time_ms;
    for (const Part& part : s.parts) {
      std::string name = part_name(s.sequence, part.index);
      const int64_t ms = ticks_to_ms_rounded(part.duration);
      if (with_parts) out.parts.push_back({name, ms, part.independent});
      if (keep_parts && parts_out) {
        parts_out->push_back(HlsPart{std::move(name), s.sequence, part.index, ms, part.independent,
                                     part.data, part.made});
      }
    }
  };

  // Which complete segments list their parts: those ending within three target durations of
  // the end of the playlist.
  const size_t listed = std::min(segments_.size(), config_.window);
  const size_t first_listed = segments_.size() - listed;
  size_t first_with_parts = segments_.size();
  if (low_latency()) {
    int64_t after = open_ ? open_->duration : 0;
    const int64_t limit = kPartTargetDurations * target_duration_ * media::kTimeBase;
    while (first_with_parts > first_listed && after < limit) {
      --first_with_parts;
      after += segments_[first_with_parts].duration;
    }
  }
  const size_t first_kept =
      first_with_parts >= kExtraPartSegments ? first_with_parts - kExtraPartSegments : 0;
  for (size_t i = low_latency() ? std::min(first_kept, first_listed) : first_listed;
       i < segments_.size(); ++i) {
    CmafPlaylistSegment s;
    describe(segments_[i], i >= first_with_parts, low_latency() && i >= first_kept, s);
    s.uri = config_.name_prefix + std::to_string(segments_[i].sequence) + ".m4s";
    if (i >= first_listed) p.segments.push_back(std::move(s));
  }
  if (low_latency() && open_) {
    p.has_open = true;
    describe(*open_, true, true, p.open);
  }
  if (!p.has_open) p.open.sequence = next_sequence_;
  // A keyframe has just closed the last segment: it stays shown as open until the next
  // segment's first part is made (one part later), so its last part is listed, as a part of an
  // open segment, before the segment is. See CmafPlaylist::hold_last.
  p.hold_last = low_latency() && running_ && !ended_ && open_ && open_->parts.empty();
  if (low_latency() && running_) {
    // The next part: of the open segment, or the first of the next one. Not across a
    // discontinuity: the client would need the new EXT-X-MAP first.
    const bool new_timeline = open_ ? (open_->discontinuity && open_->parts.empty())
                                    : pending_discontinuity_ || next_sequence_ == 0;
    if (!new_timeline) {
      p.preload_hint_uri =
          open_ ? part_name(open_->sequence, static_cast<uint32_t>(open_->parts.size()))
                : part_name(next_sequence_, 0);
    }
  }
  return p;
}

std::optional<HlsPartId> CmafSegmenter::last_part() const {
  if (open_ && !open_->parts.empty()) {
    return HlsPartId{open_->sequence, static_cast<uint32_t>(open_->parts.size() - 1)};
  }
  if (segments_.empty() || segments_.back().parts.empty()) return std::nullopt;
  return HlsPartId{segments_.back().sequence,
                   static_cast<uint32_t>(segments_.back().parts.size() - 1)};
}

void CmafSegmenter::flush() {
  if (!publish_due_) return;
  const bool closed = publish_due_closed_;
  publish_due_ = publish_due_closed_ = false;
  publish(closed);
}

void CmafSegmenter::finish(bool segment_closed) {
  if (deferred_) {
    publish_due_ = true;
    publish_due_closed_ = publish_due_closed_ || segment_closed;
    return;
  }
  publish(segment_closed);
}

void CmafSegmenter::publish(bool segment_closed) {
  auto snap = std::make_shared<HlsSnapshot>();
  snap->variant = config_.variant;
  snap->name_prefix = config_.name_prefix;
  snap->tracks = tracks_;
  CmafPlaylist model = playlist_model(&snap->parts);
  if (low_latency() && rendition_reports) model.rendition_reports = rendition_reports();
  const size_t complete = low_latency() ? complete_segments(model) : model.segments.size();
  // Until a segment shows complete there is no playlist: players that ignore parts need one.
  if (complete > 0) {
    snap->playlist = render_cmaf_playlist(model, CmafRender::Full);
    if (low_latency()) {
      if (skippable_segments(model) > 0) {
        snap->delta_playlist = render_cmaf_playlist(model, CmafRender::Delta);
      }
      snap->file_playlist = render_cmaf_playlist(model, CmafRender::PlainFmp4);
    }
  }
  snap->segments.reserve(segments_.size());
  for (const Segment& s : segments_) {
    HlsSegment out;
    out.sequence = s.sequence;
    out.name = config_.name_prefix + std::to_string(s.sequence) + ".m4s";
    out.duration = static_cast<double>(s.duration) / media::kTimeBase;
    out.discontinuity = s.discontinuity;
    out.data = s.data;
    out.made = s.made;
    snap->segments.push_back(std::move(out));
  }
  const size_t listed = std::min(segments_.size(), config_.window);
  snap->media_sequence =
      segments_.empty() ? next_sequence_ : segments_[segments_.size() - listed].sequence;
  snap->ended = ended_;
  for (const Init& i : inits_)
    snap->inits.push_back(HlsInit{init_name(i.generation), i.data, i.made});
  snap->target_duration = target_duration_;
  snap->part_target_ms = model.part_target_ms;
  if (!segments_.empty()) snap->last_sequence = segments_.back().sequence;
  if (complete > 0) snap->listed_sequence = model.segments[complete - 1].sequence;
  snap->open_sequence = open_ ? open_->sequence : next_sequence_;
  snap->open_parts = open_ ? static_cast<uint32_t>(open_->parts.size()) : 0;
  snap->published = std::chrono::system_clock::now();

  std::shared_ptr<const HlsSnapshot> published = std::move(snap);
  if (on_publish) on_publish(published);
  if (segment_closed && on_segment && !published->segments.empty()) {
    on_segment(published->segments.back());
  }
}

}  // namespace firstmile::hls
