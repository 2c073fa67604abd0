#include "output/hls/segmenter.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "output/hls/cmaf_segmenter.hpp"
#include "output/hls/demuxed_renditions.hpp"
#include "output/hls/playlist_waiters.hpp"
#include "output/hls/snapshot_store.hpp"
#include "output/segment_names.hpp"

namespace firstmile::hls {

namespace {

using media::same_track;
using media::seconds_to_ticks;

HlsConfig sanitized(HlsConfig c) {
  // The playlist must list at least one segment, and every listed one must be in memory.
  c.window = std::max<size_t>(c.window, 1);
  return c;
}

}  // namespace

output::SegmentCutterConfig cutter_config(const HlsConfig& config, bool any_track_forces) {
  // A zero target would cut at every keyframe; 0.1 s keeps segments sane even then.
  const int64_t target = std::max<int64_t>(seconds_to_ticks(config.segment_duration), 9000);
  return {.target_ticks = target,
          .max_ticks = std::max(seconds_to_ticks(config.max_segment_duration), target),
          .max_bytes = config.max_segment_bytes,
          .any_track_forces = any_track_forces,
          .step_back_breaks = true};
}

const HlsSegment* HlsSnapshot::find(std::string_view name) const {
  for (const HlsSegment& s : segments) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const HlsInit* HlsSnapshot::find_init(std::string_view name) const {
  for (const HlsInit& i : inits) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

const HlsPart* HlsSnapshot::find_part(uint64_t sequence, uint32_t index) const {
  for (const HlsPart& p : parts) {
    if (p.sequence == sequence && p.index == index) return &p;
  }
  return nullptr;
}

std::optional<HlsPartId> HlsSnapshot::parse_part_name(std::string_view name) const {
  auto id = output::parse_part_name(name, name_prefix);
  if (!id) return std::nullopt;
  return HlsPartId{id->sequence, id->index};
}

std::optional<uint32_t> HlsSnapshot::part_count(uint64_t sequence) const {
  if (!last_sequence || sequence > *last_sequence) return std::nullopt;
  uint32_t n = 0;
  for (const HlsPart& p : parts)
    n += p.sequence == sequence ? 1 : 0;
  if (n == 0) return std::nullopt;
  return n;
}

const HlsPart* HlsSnapshot::resolve_part(HlsPartId id) const {
  if (const HlsPart* p = find_part(id.sequence, id.index)) return p;
  auto count = part_count(id.sequence);
  if (count && id.index == *count) return find_part(id.sequence + 1, 0);
  return nullptr;
}

uint64_t HlsSnapshot::advance_part_limit() const {
  if (part_target_ms <= 0 || part_target_ms >= 1000) return 3;
  return static_cast<uint64_t>(3000 / part_target_ms);
}

bool HlsSnapshot::part_pending(HlsPartId id) const {
  if (ended || variant != HlsVariant::LowLatency || resolve_part(id)) return false;
  if (id.sequence == open_sequence) {
    return id.index >= open_parts && id.index - open_parts < advance_part_limit();
  }
  // The hinted part of a segment that has just been closed by a keyframe.
  auto count = part_count(id.sequence);
  return count && id.index == *count && id.sequence + 1 == open_sequence && open_parts == 0;
}

bool HlsSnapshot::has_segment(uint64_t msn) const {
  return ended || (listed_sequence && *listed_sequence >= msn);
}

bool HlsSnapshot::has_part(uint64_t msn, uint64_t part) const {
  if (ended) return true;
  if (last_sequence && msn <= *last_sequence) {
    auto count = part_count(msn);
    if (!count || part < *count) return true;  // listed, or old enough to be gone
    // Past the end of a complete segment: the parts that follow are the next segment's.
    part -= *count;
    ++msn;
    if (msn <= *last_sequence) return true;
  }
  return open_sequence > msn || (open_sequence == msn && open_parts > part);
}

HlsSegmenter::HlsSegmenter(HlsConfig config)
    : config_(sanitized(config)),
      // Any frame past the maximum forces a cut, audio in a video stream too.
      cutter_(cutter_config(config, /*any_track_forces=*/true)),
      playlist_(config_.window, rounded_extinf(config.segment_duration)),
      snapshot_(std::make_shared<HlsSnapshot>()),
      waiters_(std::make_shared<PlaylistWaiters>(std::max<size_t>(config.max_waiters, 1))) {
  waiters_->notify(snapshot_);
  if (config_.variant != HlsVariant::Ts) {
    cmaf_ = std::make_unique<CmafSegmenter>(config_);
    cmaf_->on_publish = [this](std::shared_ptr<const HlsSnapshot> snap) {
      commit(std::move(snap));
    };
    cmaf_->on_segment = [this](const HlsSegment& seg) {
      if (on_segment) on_segment(seg);
    };
    // Only when asked for: the renditions mux every frame a second time.
    if (config_.audio_rendition) renditions_ = std::make_unique<DemuxedRenditions>(config_);
  }
}

HlsSegmenter::~HlsSegmenter() = default;

void HlsSegmenter::set_clock(std::function<int64_t()> now_ms) {
  if (renditions_) renditions_->set_clock(now_ms);
  if (cmaf_) cmaf_->set_clock(std::move(now_ms));
}

std::shared_ptr<const HlsSnapshot> HlsSegmenter::snapshot(HlsRendition rendition) const {
  if (rendition == HlsRendition::Muxed) return snapshot();
  return renditions_ ? renditions_->snapshot(rendition) : nullptr;
}

PlaylistWaiters& HlsSegmenter::waiters(HlsRendition rendition) const {
  if (rendition == HlsRendition::Muxed || !renditions_) return *waiters_;
  return renditions_->waiters(rendition);
}

HlsRendition HlsSegmenter::rendition_of(std::string_view file) const {
  return renditions_ ? renditions_->rendition_of(file) : HlsRendition::Muxed;
}

std::shared_ptr<const HlsSnapshot> HlsSegmenter::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

HlsSegmenterStats HlsSegmenter::stats() const {
  if (cmaf_) return cmaf_->stats();
  HlsSegmenterStats s;
  s.segments = stat_segments_.load(std::memory_order_relaxed);
  s.forced_cuts = cutter_.forced_cuts();
  s.size_cuts = cutter_.size_cuts();
  s.frames_dropped_waiting_keyframe = cutter_.dropped();
  s.frames_rejected = stat_rejected_.load(std::memory_order_relaxed);
  return s;
}

void HlsSegmenter::start(const media::Tracks& tracks) {
  if (cmaf_) {
    cmaf_->start(tracks);
    if (renditions_) renditions_->start(tracks);
    return;
  }
  if (running_ && same_track(tracks.video, tracks_.video) &&
      same_track(tracks.audio, tracks_.audio)) {
    tracks_ = tracks;  // descriptive fields (frame rate) may have been refined
    cutter_.set_tracks(tracks_, muxer_->has_video());
    return;
  }
  if (running_ && open_) close_segment_estimated();
  tracks_ = tracks;
  if (muxer_) {
    // Same muxer: continuity counters run on; the PCR starts a new time base.
    muxer_->set_tracks(tracks);
    muxer_->mark_discontinuity();
  } else {
    muxer_.emplace(tracks);
  }
  cutter_.set_tracks(tracks_, muxer_->has_video());
  // Timestamps of a new publish have nothing to do with the old ones (RFC 8216 4.3.2.3).
  pending_discontinuity_ = next_sequence_ > 0;
  running_ = true;
  if (playlist_.ended()) {
    playlist_.set_ended(false);
    publish();
  }
}

void HlsSegmenter::end() {
  if (cmaf_) {
    cmaf_->end();
    if (renditions_) renditions_->end();
    return;
  }
  if (!running_) return;
  running_ = false;
  playlist_.set_ended(true);
  if (open_) {
    close_segment_estimated();  // publishes
  } else {
    publish();
  }
}

void HlsSegmenter::push(const media::FramePtr& frame) {
  if (cmaf_) {
    cmaf_->push(frame);
    if (renditions_) renditions_->push(frame);
    return;
  }
  push(*frame);
}

void HlsSegmenter::push(const media::Frame& frame) {
  if (cmaf_) return push(std::make_shared<const media::Frame>(frame));
  if (!running_ || !muxer_) {
    stat_rejected_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const bool cut_track = cutter_.is_cut_track(frame);
  if (cutter_.breaks_timeline(frame)) {
    if (open_) close_segment_estimated();
    if (next_sequence_ > 0) pending_discontinuity_ = true;
    muxer_->mark_discontinuity();
  }

  const output::SegmentCutter::Decision decision = cutter_.on_frame(frame);
  if (decision.action == output::SegmentCutter::Action::Drop) return;
  if (decision.cuts()) close_segment(decision.duration);
  if (!open_) open_segment();

  const size_t before = open_->data.size();
  Status written = muxer_->write_frame(frame, open_->data);
  if (!written.ok()) {
    stat_rejected_.fetch_add(1, std::memory_order_relaxed);
    open_->data.resize(before);
    if (cutter_.frames() == 0 && cut_track) {
      // The frame that opened the segment is unusable: wait for the next one instead.
      pending_discontinuity_ = open_->discontinuity;
      open_.reset();
      cutter_.close();
    }
    return;
  }
  cutter_.add(frame);
}

void HlsSegmenter::open_segment() {
  OpenSegment s;
  s.discontinuity = pending_discontinuity_;
  pending_discontinuity_ = false;
  // Every segment starts with PAT and PMT so that a client can begin with any of them.
  muxer_->write_tables(s.data);
  open_ = std::move(s);
}

void HlsSegmenter::close_segment_estimated() {
  const int64_t duration = cutter_.estimated_duration();
  cutter_.close();
  close_segment(duration);
}

void HlsSegmenter::close_segment(int64_t duration_ticks) {
  HlsSegment seg;
  seg.sequence = next_sequence_++;
  seg.name = config_.name_prefix + std::to_string(seg.sequence) + ".ts";
  seg.duration = static_cast<double>(std::max<int64_t>(duration_ticks, 0)) / media::kTimeBase;
  seg.discontinuity = open_->discontinuity;
  seg.data = Buffer::adopt(std::move(open_->data));
  seg.made = std::chrono::system_clock::now();
  open_.reset();

  playlist_.add({seg.sequence, seg.name, seg.duration, seg.discontinuity});
  segments_.push_back(seg);
  while (segments_.size() > config_.window + config_.keep_extra)
    segments_.pop_front();
  stat_segments_.fetch_add(1, std::memory_order_relaxed);
  publish();
  if (on_segment) on_segment(seg);
}

void HlsSegmenter::publish() {
  auto snap = std::make_shared<HlsSnapshot>();
  if (!playlist_.empty()) snap->playlist = playlist_.render();
  snap->segments.assign(segments_.begin(), segments_.end());
  snap->media_sequence = playlist_.media_sequence();
  snap->ended = playlist_.ended();
  snap->tracks = tracks_;
  snap->published = std::chrono::system_clock::now();
  commit(std::move(snap));
}

void HlsSegmenter::commit(std::shared_ptr<const HlsSnapshot> published) {
  {
    std::lock_guard lock(snapshot_mutex_);
    snapshot_ = published;
  }
  waiters_->notify(published);
  if (on_snapshot) on_snapshot(published);
  for (const auto& store : stores_)
    store->submit(published);
}

void HlsSegmenter::add_store(std::shared_ptr<HlsStore> store) {
  stores_.push_back(std::move(store));
}

}  // namespace firstmile::hls
