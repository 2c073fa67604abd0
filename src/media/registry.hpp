#pragma once
// The registry of live streams, by "app/name". The only state shared between workers: a mutex
// guards the map (control plane: taken when a session attaches, never per frame).
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "media/stream.hpp"
#include "media/stream_directory.hpp"

namespace firstmile::media {

class StreamRegistry final : public StreamDirectory {
 public:
  // Runs for each new stream before anyone else sees it (attaches HLS, later recorders).
  using Setup = std::function<void(Stream&)>;

  StreamRegistry(const Config& config, Logger log, Setup setup, StreamEvents* events = nullptr);
  // After the workers stopped: streams that outlive the registry (held by sessions whose
  // handlers the io_contexts destroy last) no longer call back into it.
  ~StreamRegistry() override;

  std::shared_ptr<Stream> find(const std::string& app, const std::string& name) const override;
  // Finds the stream or creates it on `executor` (the caller's worker). Refuses invalid names,
  // more than stream.max_streams published (or publishing) streams and more than
  // stream.max_waiting streams that only players wait on. A publisher's claim turns a waiting
  // stream into a published one.
  Result<std::shared_ptr<Stream>> acquire(const std::string& app, const std::string& name,
                                          const asio::any_io_executor& executor,
                                          Claim claim) override;
  std::vector<std::shared_ptr<Stream>> list() const override;
  size_t size() const;
  size_t waiting() const;  // streams nobody has claimed to publish
  // Hot reload of stream.max_streams (existing streams stay).
  void set_max_streams(uint32_t max) { max_streams_.store(max, std::memory_order_relaxed); }
  // Totals of streams already removed, so that counters in the metrics never go down.
  StreamTotals removed_totals() const;

 private:
  void remove(Stream& stream);

  const Config& config_;
  Logger log_;
  Setup setup_;
  std::atomic<uint32_t> max_streams_;
  size_t claimed_ = 0;  // streams a publisher claimed (under mutex_)
  std::atomic<uint64_t> client_ids_{0};
  StreamEvents* events_;
  StreamTotals removed_totals_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Stream>> streams_;
};

}  // namespace firstmile::media
