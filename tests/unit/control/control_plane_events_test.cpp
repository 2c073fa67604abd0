// ControlPlane: lifecycle notifications through media::StreamEvents, hot reload (apply) and
// its own metrics, against a real local HTTP receiver.
#include "app/modules.hpp"
#include "control/control_config.hpp"
#include "control_plane_fixture.hpp"

namespace firstmile::control {
namespace {

// Its own suite name: the fixture class lives in an anonymous namespace per file.
class ControlPlaneApplyTest : public ControlPlaneTest {};

// ---------------------------------------------------------------------------------------------
// apply() and reload counting

TEST_F(ControlPlaneApplyTest, ApplySwapsKeysAndABadKeysFileKeepsTheOldOnes) {
  cfg_.at<AuthConfig>().publish_keys = {{"live", {{"old_key", "old"}}}};
  auto cp = start(cfg_);
  EXPECT_TRUE(publish(*cp, request("rtmp", "old_key")).allowed);

  Config next = cfg_;
  next.at<AuthConfig>().publish_keys = {{"live", {{"new_key", "new"}}}};
  auto next_ptr = std::make_shared<const Config>(next);
  ASSERT_TRUE(cp->apply(next_ptr));
  EXPECT_EQ(cp->config(), next_ptr);
  auto a = publish(*cp, request("rtmp", "new_key"));
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(a.stream, "new");
  EXPECT_EQ(publish(*cp, request("rtmp", "old_key")).reason, "unknown stream key");

  Config bad = next;
  bad.at<AuthConfig>().publish_keys = {{"live", {{"bad_key", ""}}}};
  bad.at<AuthConfig>().keys_file =
      "/nonexistent/firstmile-keys-" + std::to_string(::getpid()) + ".yaml";
  auto st = cp->apply(std::make_shared<const Config>(bad));
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find(bad.get<AuthConfig>().keys_file), std::string::npos)
      << st.error().message;
  EXPECT_EQ(cp->config(), next_ptr);
  EXPECT_TRUE(publish(*cp, request("rtmp", "new_key")).allowed);
  EXPECT_FALSE(publish(*cp, request("rtmp", "bad_key")).allowed);

  EXPECT_EQ(cp->reloads(), 0u);
  cp->count_reload(true);
  cp->count_reload(false);
  cp->count_reload(true);
  EXPECT_EQ(cp->reloads(), 2u);
  auto text = metrics_text(*cp);
  EXPECT_TRUE(has_line(text, R"(firstmile_reloads_total{result="ok"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(firstmile_reloads_total{result="failed"} 1)")) << text;
}

TEST_F(ControlPlaneApplyTest, ApplyChangesWebhooksAndDropsCachedPlayDecisions) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200); });
  cfg_.at<AuthConfig>().play = PlayAuth::Webhook;
  cfg_.at<WebhooksConfig>().on_play = {server.url("/play")};
  auto cp = start(cfg_);
  EXPECT_TRUE(play(*cp, request("hls", "cam")).allowed);
  EXPECT_TRUE(play(*cp, request("hls", "cam")).allowed);
  EXPECT_EQ(server.requests().size(), 1u);

  Config next = cfg_;
  next.at<WebhooksConfig>().on_play = {server.url("/play-v2")};
  next.at<WebhooksConfig>().secret = "new-secret";
  ASSERT_TRUE(cp->apply(std::make_shared<const Config>(next)));
  EXPECT_TRUE(play(*cp, request("hls", "cam")).allowed);
  ASSERT_EQ(server.requests().size(), 2u);
  const auto& req = server.requests()[1];
  EXPECT_EQ(req.target, "/play-v2");
  EXPECT_EQ(req.header("x-firstmile-signature"),
            "sha256=" + to_hex(hmac_sha256("new-secret",
                                           req.header("x-firstmile-timestamp") + "." + req.body)));

  // Back to no play auth: no more decisions.
  Config off = next;
  off.at<AuthConfig>().play = PlayAuth::Off;
  off.at<WebhooksConfig>().on_play.clear();
  ASSERT_TRUE(cp->apply(std::make_shared<const Config>(off)));
  EXPECT_TRUE(play(*cp, request("flv", "cam")).allowed);
  EXPECT_EQ(server.requests().size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// Lifecycle notifications

class ControlPlaneEventsTest : public ControlPlaneTest {
 protected:
  ControlPlaneEventsTest()
      : stream_(std::make_shared<media::Stream>("live", "cam", ioc_.get_executor(), stream_cfg_,
                                                quiet_log(), nullptr)) {}

  static media::ClientInfo client(std::string protocol, uint64_t bytes,
                                  std::chrono::milliseconds age) {
    media::ClientInfo c;
    c.id = 7;
    c.protocol = std::move(protocol);
    c.peer = "10.0.0.9:4321";
    c.query = "a=1&b=two";
    c.started = std::chrono::system_clock::now() - age;
    c.bytes = bytes;
    return c;
  }

  Config stream_cfg_;
  std::shared_ptr<media::Stream> stream_;
};

TEST_F(ControlPlaneEventsTest, UnpublishPlayAndStopNotifications) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200); });
  cfg_.at<WebhooksConfig>().on_unpublish = {server.url("/unpublish")};
  cfg_.at<WebhooksConfig>().on_play = {server.url("/play")};
  cfg_.at<WebhooksConfig>().on_stop = {server.url("/stop")};
  cfg_.at<WebhooksConfig>().secret = "whsec_events";
  auto cp = start(cfg_);

  cp->publish_stopped(*stream_, client("rtmp", 123456789012, 2500ms), "publisher closed");
  ASSERT_TRUE(run_until([&] { return server.requests().size() == 1; }));
  {
    const auto& req = server.requests()[0];
    EXPECT_EQ(req.target, "/unpublish");
    EXPECT_EQ(req.header("x-firstmile-event"), "on_unpublish");
    EXPECT_EQ(req.header("x-firstmile-signature"),
              "sha256=" + to_hex(hmac_sha256("whsec_events", req.header("x-firstmile-timestamp") +
                                                                 "." + req.body)));
    auto body = body_of(req);
    EXPECT_EQ(keys_of(body), (std::set<std::string>{
                                 "event", "id", "time", "node_id", "app", "stream", "protocol",
                                 "client_ip", "client_port", "duration", "bytes_in", "reason"}));
    EXPECT_EQ(str(body, "event"), "on_unpublish");
    EXPECT_EQ(req.header("x-firstmile-delivery"), str(body, "id"));
    EXPECT_TRUE(iso_time(str(body, "time")));
    EXPECT_EQ(str(body, "node_id"), "node-a");
    EXPECT_EQ(str(body, "app"), "live");
    EXPECT_EQ(str(body, "stream"), "cam");
    EXPECT_EQ(str(body, "protocol"), "rtmp");
    EXPECT_EQ(str(body, "client_ip"), "10.0.0.9");
    EXPECT_EQ(num(body, "client_port"), 4321);
    EXPECT_GE(real(body, "duration"), 2.5);
    EXPECT_LT(real(body, "duration"), 3.5);
    ASSERT_TRUE(body.contains("bytes_in") && body["bytes_in"].is_number());
    EXPECT_EQ(body["bytes_in"].to_number<uint64_t>(), 123456789012u);
    EXPECT_EQ(str(body, "reason"), "publisher closed");
  }

  cp->play_started(*stream_, client("flv", 0, 0ms));
  ASSERT_TRUE(run_until([&] { return server.requests().size() == 2; }));
  {
    const auto& req = server.requests()[1];
    EXPECT_EQ(req.target, "/play");
    EXPECT_EQ(req.header("x-firstmile-event"), "on_play");
    auto body = body_of(req);
    EXPECT_EQ(keys_of(body),
              (std::set<std::string>{"event", "id", "time", "node_id", "app", "stream", "protocol",
                                     "query", "params", "client_ip", "client_port"}));
    EXPECT_EQ(str(body, "event"), "on_play");
    EXPECT_EQ(req.header("x-firstmile-delivery"), str(body, "id"));
    EXPECT_EQ(str(body, "stream"), "cam");
    EXPECT_EQ(str(body, "protocol"), "flv");
    EXPECT_EQ(str(body, "query"), "a=1&b=two");
    EXPECT_EQ(json::serialize(body["params"]), R"({"a":"1","b":"two"})");
    EXPECT_EQ(str(body, "client_ip"), "10.0.0.9");
    EXPECT_EQ(num(body, "client_port"), 4321);
  }

  cp->play_stopped(*stream_, client("flv", 4096, 1200ms), "client closed");
  ASSERT_TRUE(run_until([&] { return server.requests().size() == 3; }));
  {
    const auto& req = server.requests()[2];
    EXPECT_EQ(req.target, "/stop");
    EXPECT_EQ(req.header("x-firstmile-event"), "on_stop");
    auto body = body_of(req);
    EXPECT_EQ(keys_of(body), (std::set<std::string>{
                                 "event", "id", "time", "node_id", "app", "stream", "protocol",
                                 "client_ip", "client_port", "duration", "bytes_out", "reason"}));
    EXPECT_EQ(str(body, "event"), "on_stop");
    EXPECT_EQ(req.header("x-firstmile-delivery"), str(body, "id"));
    EXPECT_EQ(str(body, "protocol"), "flv");
    EXPECT_GE(real(body, "duration"), 1.2);
    EXPECT_LT(real(body, "duration"), 2.2);
    EXPECT_EQ(num(body, "bytes_out"), 4096);
    EXPECT_EQ(str(body, "reason"), "client closed");
  }

  // Delivered notifications are counted.
  ASSERT_TRUE(run_until([&] {
    return has_line(metrics_text(*cp),
                    R"(firstmile_webhook_notifications_total{result="delivered"} 3)");
  }));
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(ControlPlaneEventsTest, HlsClientAndSegmentNotifications) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200); });
  cfg_.at<WebhooksConfig>().on_play = {server.url("/play")};
  cfg_.at<WebhooksConfig>().on_hls_segment = {server.url("/segment")};
  auto cp = start(cfg_);

  cp->http_client_started(*stream_, "10.1.2.3", "t=9", "hls");
  ASSERT_TRUE(run_until([&] { return server.requests().size() == 1; }));
  auto play_body = body_of(server.requests()[0]);
  EXPECT_EQ(str(play_body, "event"), "on_play");
  EXPECT_EQ(str(play_body, "protocol"), "hls");
  EXPECT_EQ(str(play_body, "client_ip"), "10.1.2.3");
  EXPECT_EQ(num(play_body, "client_port"), 0);
  EXPECT_EQ(str(play_body, "query"), "t=9");

  control::SegmentNotice seg;
  seg.app = "live";
  seg.stream = "cam";
  seg.uri = "cam-17.ts";
  seg.sequence = 17;
  seg.duration = 2.0021;
  cp->segment_finished(seg);
  ASSERT_TRUE(run_until([&] { return server.requests().size() == 2; }));
  const auto& req = server.requests()[1];
  EXPECT_EQ(req.target, "/segment");
  EXPECT_EQ(req.header("x-firstmile-event"), "on_hls_segment");
  auto body = body_of(req);
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"event", "id", "time", "node_id", "app", "stream",
                                                  "uri", "duration", "sequence"}));
  EXPECT_EQ(str(body, "event"), "on_hls_segment");
  EXPECT_EQ(req.header("x-firstmile-delivery"), str(body, "id"));
  EXPECT_EQ(str(body, "node_id"), "node-a");
  EXPECT_EQ(str(body, "app"), "live");
  EXPECT_EQ(str(body, "stream"), "cam");
  EXPECT_EQ(str(body, "uri"), "cam-17.ts");
  EXPECT_DOUBLE_EQ(real(body, "duration"), 2.002);
  EXPECT_EQ(num(body, "sequence"), 17);
}

TEST_F(ControlPlaneEventsTest, NoUrlsNoRequestsAndNoOnPlayNotificationInWebhookMode) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200); });
  // on_play is the decision in webhook mode: play_started must not send it a second time.
  cfg_.at<AuthConfig>().play = PlayAuth::Webhook;
  cfg_.at<WebhooksConfig>().on_play = {server.url("/play")};
  cfg_.at<WebhooksConfig>().on_stop = {server.url("/stop")};
  auto cp = start(cfg_);

  cp->publish_stopped(*stream_, client("rtmp", 1, 10ms), "gone");  // no on_unpublish URL
  cp->play_started(*stream_, client("rtmp", 0, 0ms));
  cp->http_client_started(*stream_, "10.1.2.3", "", "hls");
  cp->segment_finished(control::SegmentNotice{"live", "cam", "", 0, 0});  // no on_hls_segment URL
  // Nothing was queued (the receiver cannot have answered yet: its io_context is not running).
  EXPECT_TRUE(has_line(metrics_text(*cp), "firstmile_webhook_queue 0")) << metrics_text(*cp);
  cp->play_stopped(*stream_, client("rtmp", 10, 10ms), "bye");
  EXPECT_TRUE(has_line(metrics_text(*cp), "firstmile_webhook_queue 1"));

  ASSERT_TRUE(run_until([&] {
    return has_line(metrics_text(*cp), "firstmile_webhook_queue 0") &&
           has_line(metrics_text(*cp),
                    R"(firstmile_webhook_notifications_total{result="delivered"} 1)");
  }));
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/stop");
}

TEST_F(ControlPlaneEventsTest, NothingConfiguredNothingSent) {
  auto cp = start(cfg_);
  cp->publish_stopped(*stream_, client("rtmp", 1, 10ms), "gone");
  cp->play_started(*stream_, client("rtmp", 0, 0ms));
  cp->play_stopped(*stream_, client("rtmp", 10, 10ms), "bye");
  cp->http_client_started(*stream_, "10.1.2.3", "", "hls");
  cp->segment_finished(control::SegmentNotice{"live", "cam", "", 0, 0});
  auto text = metrics_text(*cp);
  EXPECT_TRUE(has_line(text, "firstmile_webhook_queue 0")) << text;
  EXPECT_TRUE(has_line(text, R"(firstmile_webhook_notifications_total{result="dropped"} 0)"));
  EXPECT_EQ(text.find("firstmile_webhook_requests_total{"), std::string::npos) << text;
}

// ---------------------------------------------------------------------------------------------
// Metrics

TEST_F(ControlPlaneApplyTest, MetricsCountDecisionsAndWebhookRequests) {
  int n = 0;
  TestHttpServer server(ioc_, [&](const auto&) { return Reply::respond(++n == 1 ? 200 : 403); });
  cfg_.at<AuthConfig>().publish_keys = {{"live", {{"sk", ""}}}};
  cfg_.at<AuthConfig>().play = PlayAuth::Token;
  cfg_.at<AuthConfig>().play_secret = "0123456789abcdef";
  cfg_.at<WebhooksConfig>().on_publish = {server.url("/p")};
  auto cp = start(cfg_);

  auto text = metrics_text(*cp);
  EXPECT_TRUE(has_line(text, R"(firstmile_auth_allowed_total{kind="publish"} 0)")) << text;
  EXPECT_TRUE(has_line(text, R"(firstmile_auth_allowed_total{kind="play"} 0)")) << text;
  EXPECT_EQ(text.find("firstmile_auth_refusals_total{"), std::string::npos) << text;

  EXPECT_FALSE(publish(*cp, request("rtmp", "wrong")).allowed);  // key: webhook not asked
  EXPECT_TRUE(publish(*cp, request("rtmp", "sk")).allowed);      // webhook 200
  EXPECT_FALSE(publish(*cp, request("rtmp", "sk")).allowed);     // webhook 403
  EXPECT_FALSE(play(*cp, request("hls", "cam")).allowed);        // token missing
  EXPECT_FALSE(play(*cp, request("hls", "cam", "expires=1&token=00")).allowed);  // invalid
  EXPECT_TRUE(play(*cp, request("hls", "cam",
                                sign_play_query(cfg_.get<AuthConfig>().play_secret, "live", "cam",
                                                unix_now() + 60)))
                  .allowed);
  EXPECT_EQ(server.requests().size(), 2u);

  text = metrics_text(*cp);
  for (const char* line : {
           R"(firstmile_auth_refusals_total{kind="publish",reason="key"} 1)",
           R"(firstmile_auth_refusals_total{kind="publish",reason="webhook"} 1)",
           R"(firstmile_auth_refusals_total{kind="play",reason="token"} 2)",
           R"(firstmile_auth_allowed_total{kind="publish"} 1)",
           R"(firstmile_auth_allowed_total{kind="play"} 1)",
           R"(firstmile_webhook_requests_total{event="on_publish",result="ok"} 1)",
           R"(firstmile_webhook_requests_total{event="on_publish",result="error"} 1)",
           R"(firstmile_webhook_duration_seconds_count{event="on_publish"} 2)",
           R"(firstmile_webhook_duration_seconds_bucket{event="on_publish",le="+Inf"} 2)",
           "# TYPE firstmile_webhook_duration_seconds histogram",
           "# TYPE firstmile_auth_refusals_total counter",
       }) {
    EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
  }
}

TEST_F(ControlPlaneApplyTest, ConfigHashCoversSecrets) {
  Config a = cfg_, b = cfg_;
  b.at<WebhooksConfig>().secret = "changed";
  auto ha = config_hash(a, config_schema());
  EXPECT_EQ(ha.size(), 64u);
  EXPECT_EQ(ha.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(ha, config_hash(a, config_schema()));
  EXPECT_NE(ha, config_hash(b, config_schema()));
}

TEST_F(ControlPlaneApplyTest, StopIsIdempotentAndPairsWithTheDestructor) {
  auto cp = start(cfg_);
  EXPECT_TRUE(publish(*cp, request("rtmp", "cam")).allowed);
  cp->stop();
  cp->stop();
  // Never started: stop() and the destructor are no-ops.
  ControlPlane idle(std::make_shared<const Config>(cfg_), quiet_log());
  idle.stop();
}

}  // namespace
}  // namespace firstmile::control
