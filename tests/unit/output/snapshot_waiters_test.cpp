// SnapshotWaiters (LL-HLS blocking requests, DASH chunked delivery): woken on their own worker
// when the predicate holds, released by an ended stream, timed out, refused past the cap.
#include "output/snapshot_waiters.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <thread>

namespace firstmile::output {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct Snap {
  size_t chunks = 0;
  bool ended = false;
};
using Waiters = SnapshotWaiters<Snap>;

std::shared_ptr<const Snap> snap(size_t chunks, bool ended = false) {
  return std::make_shared<Snap>(Snap{chunks, ended});
}

struct Counts {
  std::atomic<int> ready{0}, timed_out{0}, full{0};
};

asio::awaitable<void> wait_chunks(Waiters& w, size_t more_than, std::chrono::milliseconds timeout,
                                  Counts& counts) {
  auto op = w.wait([more_than](const Snap& s) { return s.chunks > more_than; }, timeout);
  auto r = co_await std::move(op);
  if (r.outcome == Waiters::Outcome::Ready)
    ++counts.ready;
  else if (r.outcome == Waiters::Outcome::TimedOut)
    ++counts.timed_out;
  else
    ++counts.full;
}

struct Workers {
  asio::io_context a, b;
  asio::executor_work_guard<asio::io_context::executor_type> ga{a.get_executor()},
      gb{b.get_executor()};
  std::thread ta{[this] { a.run(); }}, tb{[this] { b.run(); }};
  ~Workers() {
    ga.reset();
    gb.reset();
    ta.join();
    tb.join();
  }
};

void wait_until(const std::function<bool()>& f) {
  for (int i = 0; i < 500 && !f(); ++i)
    std::this_thread::sleep_for(10ms);
}

TEST(SnapshotWaiters, WakesOnlyTheSatisfiedOnTheirOwnWorkers) {
  Waiters w(100);
  w.notify(snap(1));
  Counts counts;
  {
    Workers workers;
    for (int i = 0; i < 40; ++i) {
      auto& ctx = i % 2 ? workers.a : workers.b;
      asio::co_spawn(ctx, wait_chunks(w, 1 + i % 2, 10s, counts), asio::detached);
    }
    wait_until([&] { return w.size() == 40; });
    ASSERT_EQ(w.size(), 40u);
    w.notify(snap(2));  // more than 1 chunk: half of them
    wait_until([&] { return counts.ready == 20; });
    EXPECT_EQ(counts.ready, 20);
    EXPECT_EQ(w.size(), 20u);
    w.notify(snap(2, true));  // the stream ended: everyone goes
    wait_until([&] { return counts.ready == 40; });
  }
  EXPECT_EQ(counts.ready, 40);
  EXPECT_EQ(counts.timed_out, 0);
  EXPECT_EQ(w.size(), 0u);
}

TEST(SnapshotWaiters, AlreadySatisfiedTimeoutAndCap) {
  Waiters w(1);
  w.notify(snap(3));
  Counts counts;
  {
    Workers workers;
    asio::co_spawn(workers.a, wait_chunks(w, 2, 10s, counts), asio::detached);  // ready at once
    wait_until([&] { return counts.ready == 1; });
    asio::co_spawn(workers.a, wait_chunks(w, 5, 50ms, counts), asio::detached);
    wait_until([&] { return w.size() == 1; });
    asio::co_spawn(workers.b, wait_chunks(w, 5, 10s, counts), asio::detached);  // over the cap
    wait_until([&] { return counts.full == 1 && counts.timed_out == 1; });
  }
  EXPECT_EQ(counts.ready, 1);
  EXPECT_EQ(counts.full, 1);
  EXPECT_EQ(counts.timed_out, 1);
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace firstmile::output
