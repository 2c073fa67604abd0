#include "control/webhook_dispatcher.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include "control/crypto.hpp"
#include "test_http_server.hpp"

namespace firstmile::control {
namespace {

using namespace std::chrono_literals;
using webhook_test::RecordedRequest;
using webhook_test::Reply;
using webhook_test::TestHttpServer;
using Clock = std::chrono::steady_clock;

class WebhookDispatcherTest : public ::testing::Test {
 protected:
  WebhookDispatcherTest() {
    log_ = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_));
    log_->set_level(spdlog::level::debug);
  }

  static WebhookSettings fast() {
    WebhookSettings s;
    s.timeout = Duration(2000);
    s.retry_backoff = Duration(10);
    s.retry_backoff_max = Duration(40);
    return s;
  }

  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = 4000ms) {
    return webhook_test::run_until(ioc_, pred, limit);
  }

  // Starts an ask() on the test's io_context; `out` is set when it completes.
  void start_ask(WebhookDispatcher& d, std::vector<std::string> urls,
                 std::optional<std::vector<HttpResult>>& out) {
    asio::co_spawn(ioc_, d.ask("on_publish", urls, R"({"event":"on_publish"})"),
                   [&out](std::exception_ptr e, std::vector<HttpResult> r) {
                     EXPECT_FALSE(e) << "ask threw";
                     out = std::move(r);
                   });
  }

  asio::io_context ioc_;
  std::ostringstream log_text_;
  Logger log_;
};

TEST(WebhookSignature, MatchesOpenSslCli) {
  // printf '%s' '1700000000.{"event":"on_publish","id":"x"}' | openssl dgst -sha256 -hmac
  // whsec_test
  EXPECT_EQ(webhook_signature("whsec_test", "1700000000", R"({"event":"on_publish","id":"x"})"),
            "sha256=c43ea63204a40c7b8910ca2d2b9cd58ae8436ca610591148e48fbb2f6669d6e4");
}

TEST(WebhookSignature, DeliveryIdsAreRandomHex) {
  auto a = make_delivery_id(), b = make_delivery_id();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, b);
}

TEST_F(WebhookDispatcherTest, NotifySendsSignedRequestWithAllHeaders) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200); });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  auto s = fast();
  s.secret = "topsecret";
  d.set_settings(s);
  std::vector<bool> calls;
  d.on_request = [&](const std::string& event, double seconds, bool ok) {
    EXPECT_EQ(event, "on_unpublish");
    EXPECT_GT(seconds, 0.0);
    calls.push_back(ok);
  };
  const std::string body = R"({"event":"on_unpublish","id":"abc","stream":"café"})";
  d.notify("on_unpublish", {server.url("/hook?token=q")}, body, "abc");
  EXPECT_EQ(d.queued(), 1u);
  ASSERT_TRUE(run_until([&] { return d.counters().delivered == 1; }));
  EXPECT_EQ(d.queued(), 0u);
  ASSERT_EQ(server.requests().size(), 1u);
  const RecordedRequest& req = server.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/hook?token=q");
  EXPECT_EQ(req.body, body);
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(req.header("user-agent").rfind("firstmile/", 0), 0u) << req.header("user-agent");
  EXPECT_GT(req.header("user-agent").size(), std::string("firstmile/").size());
  EXPECT_EQ(req.header("x-firstmile-event"), "on_unpublish");
  EXPECT_EQ(req.header("x-firstmile-delivery"), "abc");
  // The receiver's check: recompute over timestamp "." raw body, compare in constant time,
  // and refuse timestamps more than 5 minutes off.
  std::string ts = req.header("x-firstmile-timestamp");
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  EXPECT_LE(std::llabs(std::stoll(ts) - now), 300) << ts;
  std::string expected = "sha256=" + to_hex(hmac_sha256("topsecret", ts + "." + body));
  EXPECT_TRUE(constant_time_equal(req.header("x-firstmile-signature"), expected))
      << req.header("x-firstmile-signature");
  EXPECT_EQ(calls, std::vector<bool>{true});

  // Hot reload: an empty secret means later requests are not signed.
  s.secret.clear();
  d.set_settings(s);
  d.notify("on_unpublish", {server.url("/hook")}, body);
  ASSERT_TRUE(run_until([&] { return d.counters().delivered == 2; }));
  EXPECT_EQ(server.requests()[1].headers.count("x-firstmile-signature"), 0u);
  EXPECT_EQ(server.requests()[1].header("x-firstmile-delivery").size(), 32u);
}

TEST_F(WebhookDispatcherTest, RetriesA500ThenSucceeds) {
  int n = 0;
  TestHttpServer server(ioc_, [&](const auto&) { return Reply::respond(++n <= 2 ? 500 : 200); });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  d.set_settings(fast());
  std::vector<bool> calls;
  d.on_request = [&](const std::string&, double, bool ok) { calls.push_back(ok); };
  d.notify("on_stop", {server.url("/stop")}, "{}");
  ASSERT_TRUE(run_until([&] { return d.counters().delivered == 1; }));
  EXPECT_EQ(d.counters().retried, 2u);
  EXPECT_EQ(d.counters().failed_requests, 2u);
  EXPECT_EQ(d.counters().dropped, 0u);
  EXPECT_EQ(d.queued(), 0u);
  ASSERT_EQ(server.requests().size(), 3u);
  // One delivery: the same id on every attempt, so the receiver can de-duplicate.
  EXPECT_EQ(server.requests()[0].header("x-firstmile-delivery"),
            server.requests()[2].header("x-firstmile-delivery"));
  EXPECT_EQ(calls, (std::vector<bool>{false, false, true}));
}

TEST_F(WebhookDispatcherTest, BackoffDoublesUpToTheCap) {
  std::vector<Clock::time_point> arrivals;
  TestHttpServer server(ioc_, [&](const auto&) {
    arrivals.push_back(Clock::now());
    return Reply::respond(503);
  });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  auto s = fast();
  s.max_retries = 4;
  s.retry_backoff = Duration(30);
  s.retry_backoff_max = Duration(60);
  d.set_settings(s);
  d.notify("on_stop", {server.url("/")}, "{}");
  ASSERT_TRUE(run_until([&] { return d.counters().dropped == 1; }));
  ASSERT_EQ(arrivals.size(), 5u);
  auto gap = [&](size_t i) { return arrivals[i + 1] - arrivals[i]; };
  EXPECT_GE(gap(0), 30ms);
  EXPECT_GE(gap(1), 60ms);
  EXPECT_GE(gap(2), 60ms);
  EXPECT_LT(gap(3), 200ms);  // capped at 60 ms; uncapped it would be 240 ms
  EXPECT_EQ(d.counters().retried, 4u);
}

TEST_F(WebhookDispatcherTest, DropsAfterMaxRetriesAndLogsWithoutSecrets) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(500, "nope"); });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  auto s = fast();
  s.max_retries = 2;
  d.set_settings(s);
  d.notify("on_play", {server.url("/play?token=URLSECRET")}, R"({"key":"BODYSECRET"})");
  ASSERT_TRUE(run_until([&] { return d.counters().dropped == 1; }));
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(d.counters().retried, 2u);
  EXPECT_EQ(d.counters().delivered, 0u);
  EXPECT_EQ(d.queued(), 0u);
  std::string text = log_text_.str();
  EXPECT_NE(text.find("webhook dropped event=on_play url=" + server.url("/play")),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("HTTP 500"), std::string::npos) << text;
  EXPECT_EQ(text.find("URLSECRET"), std::string::npos) << text;
  EXPECT_EQ(text.find("BODYSECRET"), std::string::npos) << text;
}

TEST_F(WebhookDispatcherTest, QueueOverflowDropsAndCounts) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200); });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  auto s = fast();
  s.queue_size = 3;
  d.set_settings(s);
  for (int i = 0; i < 5; ++i)
    d.notify("on_hls_segment", {server.url("/seg")}, "{\"n\":" + std::to_string(i) + "}");
  EXPECT_EQ(d.queued(), 3u);
  EXPECT_EQ(d.counters().dropped, 2u);
  ASSERT_TRUE(run_until([&] { return d.counters().delivered == 3; }));
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(server.requests()[0].body, "{\"n\":0}");
  // Logged once for both drops (at most one line per second).
  std::string text = log_text_.str();
  auto first = text.find("webhook queue full");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("webhook queue full", first + 1), std::string::npos) << text;
}

TEST_F(WebhookDispatcherTest, UnusableUrlIsDroppedWithoutRetry) {
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  d.set_settings(fast());
  d.notify("on_stop", {"ftp://example.com/x", "https://127.0.0.1:1/hook"}, "{}");
  ASSERT_TRUE(run_until([&] { return d.counters().dropped == 2; }));
  EXPECT_EQ(d.counters().retried, 0u);
  EXPECT_EQ(d.queued(), 0u);
}

TEST_F(WebhookDispatcherTest, HangingReceiverDoesNotDelayOthers) {
  TestHttpServer slow(ioc_, [](const auto&) { return Reply::hang(); });
  TestHttpServer fast_server(ioc_, [](const auto&) { return Reply::respond(204); });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  d.set_settings(fast());  // 2 s timeout
  for (int i = 0; i < 20; ++i)
    d.notify("on_hls_segment", {slow.url("/")}, "{}");
  d.notify("on_hls_segment", {fast_server.url("/")}, "{}");
  auto start = Clock::now();
  ASSERT_TRUE(run_until([&] { return d.counters().delivered == 1; }, 1000ms));
  EXPECT_LT(Clock::now() - start, 1000ms);
  ASSERT_TRUE(run_until([&] { return slow.requests().size() == 8; }, 1000ms));
  run_until([] { return false; }, 50ms);
  // The hanging receiver holds at most its share of the connections.
  EXPECT_EQ(slow.requests().size(), WebhookDispatcher::kMaxInFlightPerUrl);
  EXPECT_EQ(d.queued(), 20u);
  d.stop();
  ASSERT_TRUE(run_until([&] { return d.queued() == 0; }, 1000ms));
  EXPECT_EQ(d.counters().dropped, 20u);
}

TEST_F(WebhookDispatcherTest, NotifyFromManyThreads) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200); });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  d.set_settings(fast());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i)
        d.notify("on_hls_segment", {server.url("/t" + std::to_string(t))}, "{}");
    });
  bool ok = run_until([&] { return d.counters().delivered == 100; });
  for (auto& th : threads)
    th.join();
  ASSERT_TRUE(ok);
  EXPECT_EQ(server.requests().size(), 100u);
  EXPECT_EQ(d.counters().dropped, 0u);
}

TEST_F(WebhookDispatcherTest, AskStopsAtTheFirstRefusal) {
  TestHttpServer server(ioc_, [](const RecordedRequest& r) {
    return r.target == "/b" ? Reply::respond(403, R"({"reason":"banned"})") : Reply::respond(200);
  });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  d.set_settings(fast());
  std::optional<std::vector<HttpResult>> out;
  start_ask(d, {server.url("/a"), server.url("/b"), server.url("/c")}, out);
  ASSERT_TRUE(run_until([&] { return out.has_value(); }));
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].status, 200);
  EXPECT_EQ((*out)[1].status, 403);
  EXPECT_EQ((*out)[1].body, R"({"reason":"banned"})");
  ASSERT_EQ(server.requests().size(), 2u);  // no retry, and /c never asked
  EXPECT_EQ(server.requests()[0].target, "/a");
  EXPECT_EQ(server.requests()[1].target, "/b");
  EXPECT_EQ(server.requests()[1].header("x-firstmile-event"), "on_publish");
  EXPECT_EQ(d.counters().failed_requests, 1u);
}

TEST_F(WebhookDispatcherTest, AskAllAllowInOrderAndReportsTransportErrors) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200, "{}"); });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  d.set_settings(fast());
  std::optional<std::vector<HttpResult>> out;
  start_ask(d, {server.url("/1"), server.url("/2")}, out);
  ASSERT_TRUE(run_until([&] { return out.has_value(); }));
  ASSERT_EQ(out->size(), 2u);
  EXPECT_TRUE((*out)[0].ok() && (*out)[1].ok());
  EXPECT_EQ(server.requests()[1].target, "/2");

  out.reset();
  start_ask(d, {"http://127.0.0.1:1/"}, out);  // nobody listens on port 1
  ASSERT_TRUE(run_until([&] { return out.has_value(); }));
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].error, "connection refused");
}

TEST_F(WebhookDispatcherTest, DecisionsAndNotificationsShareKeptAliveConnections) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200, "{}"); });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  d.set_settings(fast());
  for (int i = 0; i < 4; ++i) {
    std::optional<std::vector<HttpResult>> out;
    start_ask(d, {server.url("/decide")}, out);
    ASSERT_TRUE(run_until([&] { return out.has_value(); }));
    ASSERT_TRUE(out->at(0).ok());
  }
  d.notify("on_unpublish", {server.url("/events")}, "{}");
  ASSERT_TRUE(run_until([&] { return d.counters().delivered == 1; }));
  EXPECT_EQ(server.requests().size(), 5u);
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_EQ(d.counters().connections_opened, 1u);
  EXPECT_EQ(d.counters().connections_reused, 4u);

  // keep_alive 0: a connection per request, each one closed after its answer.
  auto s = fast();
  s.keep_alive = Duration(0);
  d.set_settings(s);
  for (int i = 0; i < 2; ++i) {
    std::optional<std::vector<HttpResult>> out;
    start_ask(d, {server.url("/decide")}, out);
    ASSERT_TRUE(run_until([&] { return out.has_value(); }));
  }
  EXPECT_EQ(server.connections(), 3u);
  EXPECT_EQ(server.requests().back().header("connection"), "close");
  EXPECT_EQ(d.counters().connections_opened, 3u);
  ASSERT_TRUE(run_until([&] { return server.closed() == 3; }));  // the idle one closed too
}

TEST_F(WebhookDispatcherTest, AskFromAnotherThreadsExecutor) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200, "{}"); });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  d.set_settings(fast());
  asio::io_context caller;
  std::promise<std::pair<std::thread::id, size_t>> resumed_on;
  auto future = resumed_on.get_future();
  asio::co_spawn(
      caller,
      [&]() -> asio::awaitable<void> {
        // Named arguments: g++ 12 miscompiles string literals inside a co_await expression.
        const std::string event = "on_play", body = "{}";
        const std::vector<std::string> urls{server.url("/p")};
        auto results = co_await d.ask(event, urls, body);
        resumed_on.set_value({std::this_thread::get_id(), results.size()});
      },
      asio::detached);
  std::thread caller_thread([&] { caller.run_for(4s); });
  const auto caller_id = caller_thread.get_id();
  bool done = run_until([&] { return future.wait_for(0s) == std::future_status::ready; });
  caller_thread.join();
  ASSERT_TRUE(done);
  auto [thread_id, count] = future.get();
  EXPECT_EQ(thread_id, caller_id);  // resumed on the caller's executor
  EXPECT_EQ(count, 1u);
}

TEST_F(WebhookDispatcherTest, StopCancelsAPendingRetryPromptly) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(500); });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  auto s = fast();
  s.retry_backoff = Duration(60000);
  s.retry_backoff_max = Duration(60000);
  d.set_settings(s);
  d.notify("on_stop", {server.url("/")}, "{}");
  ASSERT_TRUE(run_until([&] { return d.counters().retried == 1; }));
  auto start = Clock::now();
  d.stop();
  ASSERT_TRUE(run_until([&] { return d.counters().dropped == 1; }, 1000ms));
  EXPECT_LT(Clock::now() - start, 500ms);
  EXPECT_EQ(d.queued(), 0u);
  EXPECT_EQ(server.requests().size(), 1u);

  d.notify("on_stop", {server.url("/")}, "{}");  // a no-op now
  EXPECT_EQ(d.queued(), 0u);
  std::optional<std::vector<HttpResult>> out;
  start_ask(d, {server.url("/")}, out);
  ASSERT_TRUE(run_until([&] { return out.has_value(); }));
  ASSERT_EQ(out->size(), 1u);
  EXPECT_FALSE((*out)[0].error.empty());
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(WebhookDispatcherTest, StopCancelsRequestsInFlight) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::hang(); });
  WebhookDispatcher d(ioc_.get_executor(), log_, nullptr);
  auto s = fast();
  s.timeout = Duration(10000);
  d.set_settings(s);
  d.notify("on_stop", {server.url("/n")}, "{}");
  std::optional<std::vector<HttpResult>> out;
  start_ask(d, {server.url("/a")}, out);
  ASSERT_TRUE(run_until([&] { return server.requests().size() == 2; }));
  auto start = Clock::now();
  d.stop();
  ASSERT_TRUE(run_until([&] { return out.has_value() && d.counters().dropped == 1; }, 1000ms));
  EXPECT_LT(Clock::now() - start, 500ms);
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].error, "cancelled");
  EXPECT_EQ(d.queued(), 0u);
  EXPECT_EQ(d.counters().retried, 0u);
}

}  // namespace
}  // namespace firstmile::control
