// SourceSupervisor: attempts again after a back-off, and stop() ends the attempt or the wait.
#include "protocol/publish/source_supervisor.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <vector>

namespace firstmile::publish {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Each attempt "connects" for `run_for`, then fails (or, once cancelled, returns at once).
class FakeSource : public PulledSource {
 public:
  FakeSource(asio::io_context& ioc, Clock::duration run_for) : ioc_(ioc), run_for_(run_for) {}
  std::string label() const override { return "live/cam <- fake"; }
  asio::awaitable<Status> run_once() override {
    starts.push_back(Clock::now());
    asio::steady_timer t(ioc_, run_for_);
    auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      ++cancelled;
      co_return fail("cancelled");
    }
    co_return fail("connection refused");
  }
  std::vector<Clock::time_point> starts;
  int cancelled = 0;

 private:
  asio::io_context& ioc_;
  Clock::duration run_for_;
};

TEST(SourceSupervisor, RetriesWithDoublingDelays) {
  asio::io_context ioc;
  auto source = std::make_shared<FakeSource>(ioc, 0ms);
  auto sup = std::make_shared<SourceSupervisor>(
      ioc.get_executor(), source,
      BackoffConfig{.initial = 40ms, .max = 160ms, .healthy = 10s, .jitter = 0},
      make_logger(LogConfig{"off", "text"}));
  sup->start();
  ioc.run_for(500ms);
  sup->stop();
  ioc.run_for(100ms);
  // 40 + 80 + 160 + 160 ms of waits fit in 500 ms: at least 4 attempts, at most 5.
  ASSERT_GE(source->starts.size(), 4u);
  ASSERT_LE(source->starts.size(), 5u);
  auto gap = [&](size_t i) { return source->starts[i + 1] - source->starts[i]; };
  EXPECT_GE(gap(0), 40ms);
  EXPECT_GE(gap(1), 80ms);
  EXPECT_GE(gap(2), 160ms);
  EXPECT_LT(gap(0), gap(2));
  EXPECT_FALSE(sup->running());
  EXPECT_EQ(sup->attempts(), source->starts.size());
}

TEST(SourceSupervisor, StopCancelsTheAttemptInProgress) {
  asio::io_context ioc;
  auto source = std::make_shared<FakeSource>(ioc, 1h);
  auto sup = std::make_shared<SourceSupervisor>(ioc.get_executor(), source, BackoffConfig{},
                                                make_logger(LogConfig{"off", "text"}));
  sup->start();
  ioc.run_for(50ms);
  ASSERT_EQ(source->starts.size(), 1u);
  EXPECT_TRUE(sup->running());
  sup->stop();
  ioc.run_for(200ms);
  EXPECT_EQ(source->cancelled, 1);
  EXPECT_EQ(source->starts.size(), 1u);  // no attempt after stop()
  EXPECT_FALSE(sup->running());
}

TEST(SourceSupervisor, StopCancelsTheWait) {
  asio::io_context ioc;
  auto source = std::make_shared<FakeSource>(ioc, 0ms);
  auto sup = std::make_shared<SourceSupervisor>(ioc.get_executor(), source,
                                                BackoffConfig{.initial = 1h, .jitter = 0},
                                                make_logger(LogConfig{"off", "text"}));
  sup->start();
  ioc.run_for(50ms);
  ASSERT_EQ(source->starts.size(), 1u);
  EXPECT_TRUE(sup->running());  // waiting an hour
  sup->stop();
  ioc.run_for(100ms);
  EXPECT_FALSE(sup->running());
  EXPECT_EQ(source->starts.size(), 1u);
}

}  // namespace
}  // namespace firstmile::publish
