#pragma once
// HTTP requests that wait for a future snapshot of an output: LL-HLS blocking playlist and part
// requests (hls::PlaylistWaiters), DASH chunked delivery waiting for the next chunk. Waiting
// costs memory, not threads: a waiter is a suspended coroutine and a timer on the worker serving
// its connection; the stream thread calls notify() with every snapshot and each satisfied waiter
// is woken on its own executor (a timer is not thread-safe, so the wake-up is posted there).
// `Snapshot` needs a `bool ended` member: an ended stream releases every waiter.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace firstmile::output {

template <class Snapshot>
class SnapshotWaiters {
 public:
  using Predicate = std::function<bool(const Snapshot&)>;
  enum class Outcome { Ready, TimedOut, Full };
  struct Result {
    Outcome outcome = Outcome::TimedOut;
    std::shared_ptr<const Snapshot> snapshot;  // the latest one, whatever the outcome
  };

  explicit SnapshotWaiters(size_t max_waiters) : max_(max_waiters) {}

  // Suspends until `ready` holds for a published snapshot, the stream ends, or `timeout`.
  // `ready` runs on the publisher's thread under a lock: quick, read-only.
  boost::asio::awaitable<Result> wait(Predicate ready, std::chrono::milliseconds timeout) {
    namespace asio = boost::asio;
    auto ex = co_await asio::this_coro::executor;
    auto waiter = std::make_shared<Waiter>(ex, std::move(ready));
    // No co_return and no co_await while the mutex is held: GCC 12 has destroyed coroutine
    // locals late, and a lock kept past co_return stalled the stream's thread in notify().
    std::optional<Result> early = register_waiter(waiter);
    if (early) co_return *early;
    waiter->timer.expires_after(timeout);
    auto wait_op = waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await std::move(wait_op);
    Result result = finish_wait(waiter);
    co_return result;
  }

  // From the publisher, with every snapshot, in order.
  void notify(const std::shared_ptr<const Snapshot>& snapshot) {
    std::vector<std::shared_ptr<Waiter>> wake;
    {
      std::lock_guard lock(mutex_);
      latest_ = snapshot;
      if (waiters_.empty()) return;
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (satisfied((*it)->ready, snapshot)) {
          (*it)->woken = true;
          wake.push_back(std::move(*it));
          it = waiters_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& w : wake) {
      // An expiry in the past wakes the coroutine whether or not its async_wait started yet.
      auto ex = w->timer.get_executor();
      boost::asio::post(ex, [w = std::move(w)] {
        w->timer.expires_at(boost::asio::steady_timer::time_point::min());
      });
    }
  }

  size_t max_waiters() const { return max_; }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return waiters_.size();
  }

 private:
  struct Waiter {
    Waiter(boost::asio::any_io_executor ex, Predicate p)
        : timer(std::move(ex)), ready(std::move(p)) {}
    boost::asio::steady_timer timer;
    Predicate ready;
    bool woken = false;                                              // guarded by the owner's mutex
    typename std::list<std::shared_ptr<Waiter>>::iterator position;  // in waiters_ unless woken
  };

  std::optional<Result> register_waiter(const std::shared_ptr<Waiter>& waiter) {
    // Checked and registered under the lock notify() takes: a snapshot published in between
    // cannot be missed.
    std::lock_guard lock(mutex_);
    if (satisfied(waiter->ready, latest_)) return Result{Outcome::Ready, latest_};
    if (waiters_.size() >= max_) return Result{Outcome::Full, latest_};
    waiter->position = waiters_.insert(waiters_.end(), waiter);
    return std::nullopt;
  }

  Result finish_wait(const std::shared_ptr<Waiter>& waiter) {
    std::lock_guard lock(mutex_);
    if (!waiter->woken) waiters_.erase(waiter->position);
    // Woken or not, the latest snapshot decides: a wake-up that raced with the deadline counts.
    const bool ok = satisfied(waiter->ready, latest_);
    return Result{ok ? Outcome::Ready : Outcome::TimedOut, latest_};
  }

  static bool satisfied(const Predicate& ready, const std::shared_ptr<const Snapshot>& snap) {
    return snap && (snap->ended || ready(*snap));
  }

  const size_t max_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> latest_;
  std::list<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace firstmile::output
