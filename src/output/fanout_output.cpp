#include "output/fanout_output.hpp"

#include <algorithm>

namespace firstmile::output {

FanoutOutput::FanoutOutput(std::string format, std::unique_ptr<Packager> packager,
                           const FanoutConfig& config, boost::asio::any_io_executor executor,
                           uint64_t max_gop_cache_bytes)
    : format_(std::move(format)),
      packager_(std::move(packager)),
      config_(config),
      max_gop_cache_bytes_(max_gop_cache_bytes) {
  if (executor && config_.coalesce.count() > 0) {
    tick_ = std::make_shared<FlushTick>(std::move(executor));
  }
}

FanoutOutput::~FanoutOutput() {
  if (tick_) {
    tick_->owner = nullptr;
    tick_->timer.cancel();
  }
}

void FanoutOutput::arm_flush() {
  if (!tick_ || tick_->armed) return;
  tick_->owner = this;  // (set here rather than in the constructor: the output may have moved)
  tick_->armed = true;
  tick_->timer.expires_after(config_.coalesce);
  tick_->timer.async_wait([tick = tick_](const boost::system::error_code&) {
    tick->armed = false;
    if (tick->owner == nullptr) return;
    // A copy: a flush may close a viewer whose session then removes it from viewers_.
    auto viewers = tick->owner->viewers_;
    for (auto& v : viewers)
      v->flush();
  });
}

void FanoutOutput::seed(const media::Tracks& tracks, const std::vector<media::FramePtr>& gop) {
  headers_ = packager_->headers(tracks);
  gop_.clear();
  gop_bytes_ = 0;
  gop_has_keyframe_ = false;
  for (const auto& f : gop) {
    if (auto p = packager_->package(*f)) cache(*p);
  }
}

void FanoutOutput::on_tracks(const media::Tracks& tracks) {
  headers_ = packager_->headers(tracks);
  gop_.clear();
  gop_bytes_ = 0;
  gop_has_keyframe_ = false;
  for (auto& v : viewers_) {
    for (const auto& h : headers_)
      v->push(h);
  }
  // Only viewers hold packets back: with none, a tick would flush nothing (and would fire early
  // for the first frame a viewer then holds).
  if (!viewers_.empty()) arm_flush();
}

void FanoutOutput::cache(const Packet& packet) {
  if (packet.keyframe) {
    gop_.clear();
    gop_bytes_ = 0;
    gop_has_keyframe_ = true;
  }
  // Without a keyframe in the cache (audio-only, or before the first keyframe) keep only a short
  // tail; with one, keep the whole GOP up to the byte cap.
  if (!gop_has_keyframe_ && gop_.size() >= 8) {
    gop_bytes_ -= gop_.front().data.size();
    gop_.erase(gop_.begin());
  }
  if (gop_bytes_ + packet.data.size() > max_gop_cache_bytes_) {
    // A GOP larger than the cap: stop caching until the next keyframe rather than hold a
    // partial GOP that cannot be decoded from its start.
    gop_.clear();
    gop_bytes_ = 0;
    gop_has_keyframe_ = false;
    return;
  }
  gop_bytes_ += packet.data.size();
  gop_.push_back(packet);
}

void FanoutOutput::on_frame(const media::FramePtr& frame) {
  auto packet = packager_->package(*frame);
  if (!packet) return;
  cache(*packet);
  for (auto& v : viewers_)
    v->push(*packet);
  if (!viewers_.empty()) arm_flush();
}

void FanoutOutput::on_end() {
  // end_of_stream() finishes a viewer (its writer sends what is held) or, for RTMP players that
  // stay, queues end-of-stream messages: flush those too.
  for (auto& v : viewers_)
    v->end_of_stream();
  gop_.clear();
  gop_bytes_ = 0;
  gop_has_keyframe_ = false;
  if (!viewers_.empty()) arm_flush();
}

void FanoutOutput::add(const std::shared_ptr<Subscriber>& viewer) {
  for (const auto& h : headers_)
    viewer->push(h);
  if (!gop_has_keyframe_) viewer->wait_for_keyframe();
  for (const auto& p : gop_)
    viewer->push(p);
  viewers_.push_back(viewer);
}

void FanoutOutput::remove(const Subscriber* viewer) {
  std::erase_if(viewers_, [&](const auto& v) { return v.get() == viewer; });
}

}  // namespace firstmile::output

namespace firstmile::output {

void FanoutOutput::close_viewers(const std::string& reason) {
  // A copy: a closing viewer's session may remove it from viewers_.
  auto viewers = viewers_;
  for (auto& v : viewers)
    v->close(reason);
}

std::shared_ptr<FanoutOutput> fanout(media::Stream& stream, const std::string& format,
                                     const std::function<std::unique_ptr<Packager>()>& make) {
  auto sink = stream.demand_sink(format, [&]() -> std::shared_ptr<media::Sink> {
    const Config& config = stream.config();
    return std::make_shared<FanoutOutput>(format, make(), config.get<FanoutConfig>(),
                                          stream.executor(), config.stream.max_gop_cache_bytes);
  });
  // The key belongs to the fan-outs: nothing else registers "rtmp", "flv" or "ts".
  return std::dynamic_pointer_cast<FanoutOutput>(sink);
}

}  // namespace firstmile::output
