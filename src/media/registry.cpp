#include "media/registry.hpp"

#include <boost/asio/post.hpp>

#include "core/stream_name.hpp"

namespace firstmile::media {

StreamRegistry::StreamRegistry(const Config& config, Logger log, Setup setup, StreamEvents* events)
    : config_(config),
      log_(std::move(log)),
      setup_(std::move(setup)),
      max_streams_(config.stream.max_streams),
      events_(events) {}

StreamRegistry::~StreamRegistry() {
  std::lock_guard lock(mutex_);
  for (auto& [_, s] : streams_)
    s->forget_idle_callback();
}

StreamTotals StreamRegistry::removed_totals() const {
  std::lock_guard lock(mutex_);
  return removed_totals_;
}

std::shared_ptr<Stream> StreamRegistry::find(const std::string& app,
                                             const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(app + "/" + name);
  return it == streams_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<Stream>> StreamRegistry::acquire(const std::string& app,
                                                        const std::string& name,
                                                        const asio::any_io_executor& executor,
                                                        Claim claim) {
  if (!valid_name(app, config_.stream.max_name_length)) return fail("invalid app name");
  if (!valid_name(name, config_.stream.max_name_length)) return fail("invalid stream name");
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard lock(mutex_);
    auto path = app + "/" + name;
    auto it = streams_.find(path);
    const auto max = max_streams_.load(std::memory_order_relaxed);
    const bool publish = claim == Claim::Publish;
    if (it != streams_.end()) {
      if (!publish || it->second->claimed()) return it->second;
      // A publisher for a name players wait on: it needs a publisher's room.
      if (claimed_ >= max) return fail("too many streams (stream.max_streams = ", max, ")");
      it->second->claim();
      ++claimed_;
      return it->second;
    }
    if (publish && claimed_ >= max) {
      return fail("too many streams (stream.max_streams = ", max, ")");
    }
    if (!publish && streams_.size() - claimed_ >= config_.stream.max_waiting) {
      return fail("too many streams waiting for a publisher (stream.max_waiting = ",
                  config_.stream.max_waiting, ")");
    }
    stream = std::make_shared<Stream>(
        app, name, executor, config_, log_, [this](Stream& s) { remove(s); },
        StreamHooks{events_, &client_ids_});
    if (publish) {
      stream->claim();
      ++claimed_;
    }
    if (setup_) setup_(*stream);
    streams_.emplace(path, stream);
  }
  asio::post(stream->executor(), [stream] { stream->arm_linger(); });
  return stream;
}

void StreamRegistry::remove(Stream& stream) {
  // On the stream's executor, so its totals are final: nobody publishes or watches it now.
  auto totals = stream.info().totals;
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream.path());
  if (it != streams_.end() && it->second.get() == &stream) {
    if (stream.claimed()) --claimed_;
    streams_.erase(it);
    removed_totals_.bytes_in += totals.bytes_in;
    for (const auto& [protocol, n] : totals.bytes_out)
      removed_totals_.bytes_out[protocol] += n;
    removed_totals_.dropped += totals.dropped;
    removed_totals_.skips += totals.skips;
    removed_totals_.slow_disconnects += totals.slow_disconnects;
    for (const auto& [role, t] : totals.links)
      removed_totals_.links[role].add(t);
  }
}

std::vector<std::shared_ptr<Stream>> StreamRegistry::list() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Stream>> out;
  out.reserve(streams_.size());
  for (auto& [_, s] : streams_)
    out.push_back(s);
  return out;
}

size_t StreamRegistry::size() const {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

size_t StreamRegistry::waiting() const {
  std::lock_guard lock(mutex_);
  return streams_.size() - claimed_;
}

}  // namespace firstmile::media
