#pragma once
// Keeps a server-started publisher (PulledSource) running: an attempt, and when it ends, a
// back-off wait, then the next attempt, until stop(). One coroutine per source on one executor;
// stop() cancels the wait or the attempt in progress.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <atomic>
#include <memory>

#include "core/log.hpp"
#include "protocol/publish/backoff.hpp"
#include "protocol/publish/pulled_source.hpp"

namespace firstmile::publish {

class SourceSupervisor : public std::enable_shared_from_this<SourceSupervisor> {
 public:
  SourceSupervisor(boost::asio::any_io_executor executor, std::shared_ptr<PulledSource> source,
                   BackoffConfig backoff, Logger log, uint32_t seed = std::random_device{}());

  // Any thread; once.
  void start();
  // Any thread: cancels the attempt in progress (its publication ends) or the wait; no attempt
  // starts after it.
  void stop();

  uint64_t attempts() const { return attempts_.load(); }
  bool running() const { return running_.load(); }

 private:
  boost::asio::awaitable<void> loop(std::shared_ptr<SourceSupervisor> self);

  boost::asio::any_io_executor executor_;
  std::shared_ptr<PulledSource> source_;
  Backoff backoff_;
  Logger log_;
  boost::asio::cancellation_signal cancel_;  // executor only
  std::atomic<bool> stopped_{false};
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> attempts_{0};
};

}  // namespace firstmile::publish
