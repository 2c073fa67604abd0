#include "media/stream.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace firstmile::media {

namespace {
// Step added after the last timestamp when a new timeline starts (one 30 fps frame).
constexpr int64_t kRebaseStep = kTimeBase / 30;
// A step back of a track's time by more than this (not flagged by the protocol) is a new
// timeline (an encoder restarted its clock): rebased like a reconnect. A smaller one, or time
// that does not advance, drops the frame.
constexpr int64_t kStepBackIsNewTimeline = kTimeBase;
// Timestamp errors are logged at the first, then at most this often, with the count.
constexpr auto kTimestampLogEvery = std::chrono::seconds(10);
constexpr auto kStatsWindow = std::chrono::seconds(1);
// Without a video keyframe, keep only a short audio tail for new viewers.
constexpr size_t kAudioOnlyCacheFrames = 8;
}  // namespace

Stream::Stream(std::string app, std::string name, asio::any_io_executor executor,
               const Config& config, Logger log, IdleCallback on_idle, StreamHooks hooks)
    : app_(std::move(app)),
      name_(std::move(name)),
      path_(app_ + "/" + name_),
      executor_(std::move(executor)),
      config_(config),
      log_(std::move(log)),
      on_idle_(std::move(on_idle)),
      hooks_(hooks),
      linger_timer_(executor_) {}

uint64_t Stream::next_client_id() {
  if (hooks_.client_ids) return hooks_.client_ids->fetch_add(1, std::memory_order_relaxed) + 1;
  return ++local_client_ids_;
}

Stream::~Stream() = default;

std::string Stream::log_label() const {
  if (name_public_.load(std::memory_order_relaxed)) return path_;
  return app_ + "/" + redact(name_);
}

Result<uint64_t> Stream::attach_publisher(PublisherInfo info) {
  if (publisher_) {
    if (config_.stream.on_conflict == PublishConflict::Refuse) {
      // The operator learns who holds the name; the newcomer (told the reason) does not.
      log_->info("stream publish refused stream={} peer={} publisher={} {}", log_label(), info.peer,
                 publisher_->protocol, publisher_->peer);
      return fail("the stream is already being published");
    }
    log_->info("stream takeover stream={} old_peer={} new_peer={}", log_label(), publisher_->peer,
               info.peer);
    kick_publisher("taken over by " + info.peer);
  }
  rebase_pending_ = last_dts_ != INT64_MIN;
  published_ = true;
  publisher_ = std::move(info);
  publisher_id_ = next_client_id();
  publisher_->id = publisher_id_;
  publisher_bytes_at_start_ = bytes_in_;
  ++publishes_;
  tracks_ready_ = false;
  live_.store(false, std::memory_order_release);
  linger_timer_.cancel();
  linger_expired_ = false;
  return publisher_id_;
}

void Stream::kick_publisher(const std::string& reason) {
  if (!publisher_) return;
  auto kick = std::move(publisher_->kick);
  detach_publisher(publisher_id_, reason);
  if (kick) kick(reason);
}

void Stream::detach_publisher(uint64_t publisher_id, const std::string& reason) {
  if (!publisher_ || publisher_id != publisher_id_) return;
  auto duration = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now() - publisher_->started);
  log_->info("stream unpublish stream={} peer={} reason=\"{}\" duration={}s bytes_in={}",
             log_label(), publisher_->peer, reason, duration.count(), bytes_in_);
  auto client = publisher_client();
  if (client.link) totals_.links[link_key(client.protocol, "publisher")].add(*client.link);
  if (hooks_.events) hooks_.events->publish_stopped(*this, client, reason);
  publisher_.reset();
  if (tracks_ready_) {
    for (auto& s : sinks_)
      s->on_end();
    for (auto& [_, d] : demand_)
      d->on_end();
  }
  tracks_ready_ = false;
  live_.store(false, std::memory_order_release);
  gop_.clear();
  gop_bytes_ = 0;
  arm_linger();
}

ClientInfo Stream::publisher_client() const {
  ClientInfo c;
  if (!publisher_) return c;
  c.id = publisher_->id;
  c.publisher = true;
  c.protocol = publisher_->protocol;
  c.peer = publisher_->peer;
  c.query = publisher_->query;
  c.started = publisher_->started;
  c.bytes = bytes_in_ - publisher_bytes_at_start_;
  c.bitrate = video_stats_.bitrate + audio_stats_.bitrate;
  if (publisher_->link_stats) c.link = publisher_->link_stats();
  return c;
}

ClientInfo Stream::viewer_client(uint64_t id, const ViewerEntry& v,
                                 const ViewerCounters& counters) const {
  ClientInfo c;
  c.id = id;
  c.protocol = v.protocol;
  c.peer = v.peer;
  c.query = v.query;
  c.started = v.started;
  c.bytes = counters.bytes;
  double secs = std::chrono::duration<double>(std::chrono::system_clock::now() - v.started).count();
  c.bitrate = secs > 0.5 ? static_cast<double>(c.bytes) * 8 / secs : 0;
  c.link = counters.link;
  return c;
}

uint64_t Stream::add_viewer(ViewerEntry entry) {
  uint64_t id = next_client_id();
  auto& v = viewers_.emplace(id, std::move(entry)).first->second;
  if (hooks_.events) hooks_.events->play_started(*this, viewer_client(id, v, {}));
  return id;
}

void Stream::remove_viewer(uint64_t id, const std::string& reason) {
  auto it = viewers_.find(id);
  if (it == viewers_.end()) return;
  ViewerCounters c = it->second.counters ? it->second.counters() : ViewerCounters{};
  totals_.bytes_out[it->second.protocol] += c.bytes;
  totals_.dropped += c.dropped;
  totals_.skips += c.skips;
  if (c.slow_disconnect) ++totals_.slow_disconnects;
  if (c.link) totals_.links[link_key(it->second.protocol, "player")].add(*c.link);
  auto client = viewer_client(id, it->second, c);
  viewers_.erase(it);
  if (hooks_.events) hooks_.events->play_stopped(*this, client, reason);
}

bool Stream::kick_client(uint64_t id, const std::string& reason) {
  if (publisher_ && publisher_->id == id) {
    kick_publisher(reason);
    return true;
  }
  auto it = viewers_.find(id);
  if (it == viewers_.end()) return false;
  auto kick = it->second.kick;
  if (kick) kick(reason);
  return true;
}

void Stream::set_tracks(Tracks tracks) {
  tracks_ = std::move(tracks);
  tracks_ready_ = true;
  live_.store(publisher_.has_value(), std::memory_order_release);
  gop_.clear();
  gop_bytes_ = 0;
  for (auto& s : sinks_)
    s->on_tracks(tracks_);
  for (auto& [_, d] : demand_)
    d->on_tracks(tracks_);
}

void Stream::update_stats(TrackStats& s, size_t bytes) {
  auto now = std::chrono::steady_clock::now();
  if (s.window_start == std::chrono::steady_clock::time_point{}) s.window_start = now;
  ++s.frames;
  s.bytes += bytes;
  ++s.window_frames;
  s.window_bytes += bytes;
  auto elapsed = now - s.window_start;
  if (elapsed >= kStatsWindow) {
    double secs = std::chrono::duration<double>(elapsed).count();
    s.bitrate = static_cast<double>(s.window_bytes) * 8 / secs;
    s.frame_rate = static_cast<double>(s.window_frames) / secs;
    s.window_bytes = 0;
    s.window_frames = 0;
    s.window_start = now;
  }
}

void Stream::push(Frame frame) {
  if (!tracks_ready_ || !publisher_) return;
  bool video = frame.kind == MediaKind::Video;
  auto& track_last = last_track_dts_[video ? 0 : 1];
  auto& track_stats = video ? video_stats_ : audio_stats_;

  // Each track's time advances: a frame at or before its track's previous one is dropped
  // (counted, logged), and a large step back starts a new timeline.
  if (!rebase_pending_ && !frame.discontinuity && track_last != INT64_MIN &&
      frame.dts + ts_offset_ <= track_last) {
    const int64_t back = track_last - (frame.dts + ts_offset_);
    if (back > kStepBackIsNewTimeline) {
      frame.discontinuity = true;
    } else {
      ++track_stats.timestamp_errors;
      const uint64_t errors = video_stats_.timestamp_errors + audio_stats_.timestamp_errors;
      const auto now = std::chrono::steady_clock::now();
      if (timestamp_errors_logged_ == 0 || now - timestamp_log_ >= kTimestampLogEvery) {
        log_->warn(
            "stream timestamp not advancing, frame dropped stream={} track={} step_ms={} "
            "timestamp_errors={}",
            log_label(), video ? "video" : "audio", -back * 1000 / kTimeBase, errors);
        timestamp_log_ = now;
        timestamp_errors_logged_ = errors;
      }
      return;
    }
  }

  // One timeline for the outputs: after a reconnect or a jump, continue just after the last
  // timestamp instead of going back or leaping ahead; the frame stays marked so that HLS
  // writes a discontinuity.
  if (rebase_pending_ || frame.discontinuity) {
    if (last_dts_ != INT64_MIN) {
      ts_offset_ = last_dts_ + kRebaseStep - frame.dts;
      frame.discontinuity = true;
    }
    rebase_pending_ = false;
  }
  frame.dts += ts_offset_;
  frame.pts += ts_offset_;
  if (frame.dts > last_dts_) last_dts_ = frame.dts;
  track_last = frame.dts;

  bytes_in_ += frame.payload.size();
  update_stats(track_stats, frame.payload.size());

  auto shared = std::make_shared<const Frame>(std::move(frame));
  const Frame& f = *shared;

  // Cache from the last keyframe (or a short audio tail for audio-only streams), bounded.
  if (video && f.keyframe) {
    gop_.clear();
    gop_bytes_ = 0;
  }
  if (!tracks_.video && gop_.size() >= kAudioOnlyCacheFrames) {
    gop_bytes_ -= gop_.front()->payload.size();
    gop_.erase(gop_.begin());
  }
  bool cacheable = !tracks_.video || !gop_.empty() || (video && f.keyframe);
  if (cacheable) {
    if (gop_bytes_ + f.payload.size() <= config_.stream.max_gop_cache_bytes) {
      gop_bytes_ += f.payload.size();
      gop_.push_back(shared);
    } else {
      // A GOP over the cap: drop it whole until the next keyframe, never leave a hole that a
      // late viewer would decode across.
      gop_.clear();
      gop_bytes_ = 0;
    }
  }

  for (auto& s : sinks_)
    s->on_frame(shared);
  for (auto& [_, d] : demand_)
    d->on_frame(shared);
}

void Stream::add_output(std::string key, std::shared_ptr<Sink> sink) {
  add_sink(sink);
  outputs_.insert_or_assign(std::move(key), std::move(sink));
}

std::shared_ptr<Sink> Stream::output(std::string_view key) const {
  auto it = outputs_.find(key);
  return it == outputs_.end() ? nullptr : it->second;
}

void Stream::add_sink(std::shared_ptr<Sink> sink) {
  if (tracks_ready_) sink->seed(tracks_, gop_);
  sinks_.push_back(std::move(sink));
}

void Stream::remove_sink(const Sink* sink) {
  std::erase_if(sinks_, [&](const auto& s) { return s.get() == sink; });
}

std::shared_ptr<Sink> Stream::demand_sink(std::string_view key,
                                          const std::function<std::shared_ptr<Sink>()>& make) {
  auto it = demand_.find(key);
  if (it != demand_.end()) return it->second;
  auto sink = make();
  if (tracks_ready_) sink->seed(tracks_, gop_);
  demand_.emplace(std::string(key), sink);
  return sink;
}

void Stream::release_sink(std::string_view key) {
  auto it = demand_.find(key);
  if (it != demand_.end() && !it->second->in_use()) demand_.erase(it);
  check_idle();
}

void Stream::arm_linger() {
  linger_expired_ = false;
  linger_timer_.expires_after(config_.stream.linger);
  linger_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->linger_expired_ = true;
    self->check_idle();
  });
}

void Stream::check_idle() {
  // A stream only players waited on keeps nothing worth lingering for.
  if (removed_ || publisher_ || (!linger_expired_ && (claimed() || published_))) return;
  for (auto& [_, d] : demand_) {
    if (d->in_use()) return;
  }
  for (auto& s : sinks_) {
    if (s->in_use()) return;
  }
  removed_ = true;
  log_->debug("stream removed stream={}", log_label());
  if (on_idle_) on_idle_(*this);
}

StreamInfo Stream::info() const {
  StreamInfo i;
  i.app = app_;
  i.name = name_;
  i.live = publisher_.has_value() && tracks_ready_;
  if (publisher_) {
    i.publisher = *publisher_;
    i.publisher->kick = nullptr;
    i.publisher->link_stats = nullptr;
  }
  i.tracks = tracks_;
  i.video_stats = video_stats_;
  i.audio_stats = audio_stats_;
  OutputReport outputs;
  for (const auto& [_, d] : demand_)
    d->report(outputs);
  for (const auto& s : sinks_)
    s->report(outputs);
  i.viewers = std::move(outputs.viewers);
  i.created = created_;
  i.bytes_in = bytes_in_;
  i.publishes = publishes_;
  i.totals = totals_;
  i.totals.bytes_in = bytes_in_;
  for (const auto& [format, bytes] : outputs.bytes_out)
    i.totals.bytes_out[format] += bytes;
  if (publisher_) {
    i.clients.push_back(publisher_client());
    if (i.clients.back().link)
      i.totals.links[link_key(i.clients.back().protocol, "publisher")].add(*i.clients.back().link);
  }
  for (const auto& [id, v] : viewers_) {
    ViewerCounters c = v.counters ? v.counters() : ViewerCounters{};
    i.clients.push_back(viewer_client(id, v, c));
    if (c.link) i.totals.links[link_key(v.protocol, "player")].add(*c.link);
    i.totals.bytes_out[v.protocol] += c.bytes;
    i.totals.dropped += c.dropped;
    i.totals.skips += c.skips;
  }
  return i;
}

void Stream::shutdown() {
  if (publisher_) kick_publisher("server shutting down");
  for (auto& [_, d] : demand_)
    d->close_viewers("server shutting down");
  for (auto& s : sinks_)
    s->close_viewers("server shutting down");
  linger_timer_.cancel();
}

}  // namespace firstmile::media
