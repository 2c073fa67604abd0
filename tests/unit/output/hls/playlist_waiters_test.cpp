#include "output/hls/playlist_waiters.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <thread>

#include "output/hls/segmenter.hpp"

namespace firstmile::hls {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::shared_ptr<const HlsSnapshot> snapshot(uint64_t last, bool ended = false) {
  auto s = std::make_shared<HlsSnapshot>();
  s->last_sequence = last;
  s->listed_sequence = last;
  s->ended = ended;
  return s;
}

struct Counts {
  std::atomic<int> ready{0}, timed_out{0}, full{0};
};

asio::awaitable<void> wait_for_segment(PlaylistWaiters& w, uint64_t msn,
                                       std::chrono::milliseconds timeout, Counts& counts) {
  auto op = w.wait([msn](const HlsSnapshot& s) { return s.has_segment(msn); }, timeout);
  auto r = co_await std::move(op);
  if (r.outcome == PlaylistWaiters::Outcome::Ready) {
    EXPECT_TRUE(r.snapshot->has_segment(msn));
    ++counts.ready;
  } else if (r.outcome == PlaylistWaiters::Outcome::TimedOut) {
    ++counts.timed_out;
  } else {
    ++counts.full;
  }
}

// Two workers (io_contexts on their own threads), like the HTTP server's.
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

TEST(PlaylistWaiters, WakesWaitersOnEveryWorkerWhenTheirSegmentIsPublished) {
  PlaylistWaiters w(1000);
  w.notify(snapshot(4));
  Counts counts;
  {
    Workers workers;
    for (int i = 0; i < 200; ++i) {
      auto& ctx = i % 2 ? workers.a : workers.b;
      // Half wait for segment 5, half for 6.
      asio::co_spawn(ctx, wait_for_segment(w, 5 + i % 2, 10s, counts), asio::detached);
    }
    wait_until([&] { return w.size() == 200; });
    ASSERT_EQ(w.size(), 200u);
    w.notify(snapshot(5));  // wakes only the ones waiting for 5
    wait_until([&] { return counts.ready == 100; });
    EXPECT_EQ(counts.ready, 100);
    EXPECT_EQ(w.size(), 100u);
    w.notify(snapshot(5, true));  // the publisher left: everyone goes
    wait_until([&] { return counts.ready == 200; });
  }
  EXPECT_EQ(counts.ready, 200);
  EXPECT_EQ(counts.timed_out, 0);
  EXPECT_EQ(w.size(), 0u);
}

TEST(PlaylistWaiters, AlreadySatisfiedTimeoutAndCap) {
  PlaylistWaiters w(2);
  w.notify(snapshot(7));
  Counts counts;
  {
    Workers workers;
    asio::co_spawn(workers.a, wait_for_segment(w, 7, 10s, counts), asio::detached);
    wait_until([&] { return counts.ready == 1; });
    EXPECT_EQ(counts.ready, 1);  // answered at once
    for (int i = 0; i < 3; ++i)
      asio::co_spawn(workers.b, wait_for_segment(w, 9, 200ms, counts), asio::detached);
    wait_until([&] { return counts.timed_out + counts.full == 3; });
  }
  EXPECT_EQ(counts.full, 1);       // the third is over the cap of 2
  EXPECT_EQ(counts.timed_out, 2);  // nothing came within 200 ms
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace firstmile::hls
