#include "protocol/publish/source_supervisor.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace firstmile::publish {

namespace asio = boost::asio;

SourceSupervisor::SourceSupervisor(asio::any_io_executor executor,
                                   std::shared_ptr<PulledSource> source, BackoffConfig backoff,
                                   Logger log, uint32_t seed)
    : executor_(std::move(executor)),
      source_(std::move(source)),
      backoff_(backoff, seed),
      log_(std::move(log)) {}

void SourceSupervisor::start() {
  running_ = true;
  asio::co_spawn(executor_, loop(shared_from_this()),
                 asio::bind_cancellation_slot(cancel_.slot(), asio::detached));
}

void SourceSupervisor::stop() {
  if (stopped_.exchange(true)) return;
  asio::post(executor_, [self = shared_from_this()] {
    self->cancel_.emit(asio::cancellation_type::terminal);
  });
}

asio::awaitable<void> SourceSupervisor::loop(std::shared_ptr<SourceSupervisor> self) {
  // A cancelled coroutine would otherwise throw at its next await: the loop checks stopped_.
  co_await asio::this_coro::throw_if_cancelled(false);
  asio::steady_timer timer(executor_);
  while (!stopped_) {
    ++attempts_;
    const auto started = std::chrono::steady_clock::now();
    Status st;
    try {
      st = co_await source_->run_once();
    } catch (const std::exception& e) {
      // A source must not throw; if one does, it counts as a failed attempt, not a dead server.
      st = fail("unexpected error: ", e.what());
    }
    if (stopped_) break;
    auto delay = backoff_.next(std::chrono::steady_clock::now() - started);
    log_->info("pull ended source={} reason=\"{}\" retry_in_ms={} failures={}", source_->label(),
               st ? std::string("ended") : st.error().message, delay.count(), backoff_.failures());
    timer.expires_after(delay);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) break;  // stop() cancelled the wait
  }
  running_ = false;
}

}  // namespace firstmile::publish
