// ControlPlane against a real local HTTP receiver: publish and play decisions (static keys,
// signed URLs, decision webhooks and the HLS decision cache), lifecycle notifications, hot
// reload and metrics. The receiver runs on the test's io_context; the control plane on its own
// thread, as in the server.
#include "control/control_config.hpp"
#include "control_plane_fixture.hpp"

namespace firstmile::control {
namespace {

// ---------------------------------------------------------------------------------------------
// authorize_publish

TEST_F(ControlPlaneTest, PublishWithoutKeysOrWebhooksIsAllowedUnderItsName) {
  auto cp = start(cfg_);
  auto d = publish(*cp, request("rtmp", "anything"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.stream, "anything");
  EXPECT_EQ(d.reason, "");
}

TEST_F(ControlPlaneTest, StaticKeysRenameOrDeny) {
  cfg_.at<AuthConfig>().publish_keys = {{"live", {{"sk_1", "channel-1"}, {"plain", ""}}}};
  auto cp = start(cfg_);
  auto a = publish(*cp, request("rtmp", "sk_1"));
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(a.stream, "channel-1");
  auto b = publish(*cp, request("rtmp", "plain"));
  EXPECT_TRUE(b.allowed);
  EXPECT_EQ(b.stream, "plain");
  auto c = publish(*cp, request("rtmp", "sk_2"));
  EXPECT_FALSE(c.allowed);
  EXPECT_EQ(c.reason, "unknown stream key");
  EXPECT_EQ(c.http_status, 403);
  // Apps without keys are not decided by the keys.
  AccessRequest other = request("rtmp", "sk_2");
  other.app = "other";
  auto o = publish(*cp, other);
  EXPECT_TRUE(o.allowed);
  EXPECT_EQ(o.stream, "sk_2");
}

TEST_F(ControlPlaneTest, PublishWebhookGetsTheContractBodyAndSignedHeaders) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200); });
  cfg_.at<AuthConfig>().publish_keys = {{"live", {{"sk_1", "channel-1"}}}};
  cfg_.at<WebhooksConfig>().on_publish = {server.url("/auth/publish?t=1")};
  cfg_.at<WebhooksConfig>().secret = "whsec_unit";
  auto cp = start(cfg_);
  auto d = publish(*cp, request("rtmp", "sk_1", "a=1&b=two"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.stream, "channel-1");

  ASSERT_EQ(server.requests().size(), 1u);
  const RecordedRequest& req = server.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/auth/publish?t=1");
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(req.header("user-agent"), "firstmile/" FIRSTMILE_VERSION);
  EXPECT_EQ(req.header("x-firstmile-event"), "on_publish");
  auto body = body_of(req);
  EXPECT_EQ(keys_of(body),
            (std::set<std::string>{"event", "id", "time", "node_id", "app", "stream", "key",
                                   "query", "params", "protocol", "client_ip", "client_port"}));
  EXPECT_EQ(str(body, "event"), "on_publish");
  EXPECT_EQ(str(body, "id").size(), 32u);
  EXPECT_EQ(req.header("x-firstmile-delivery"), str(body, "id"));
  EXPECT_TRUE(iso_time(str(body, "time"))) << str(body, "time");
  EXPECT_EQ(str(body, "node_id"), "node-a");
  EXPECT_EQ(str(body, "app"), "live");
  EXPECT_EQ(str(body, "stream"), "channel-1");  // after static-key renaming
  EXPECT_EQ(str(body, "key"), "sk_1");          // as the encoder published
  EXPECT_EQ(str(body, "query"), "a=1&b=two");
  EXPECT_EQ(json::serialize(body["params"]), R"({"a":"1","b":"two"})");
  EXPECT_EQ(str(body, "protocol"), "rtmp");
  EXPECT_EQ(str(body, "client_ip"), "127.0.0.1");
  EXPECT_EQ(num(body, "client_port"), 5555);

  std::string ts = req.header("x-firstmile-timestamp");
  ASSERT_FALSE(ts.empty());
  EXPECT_LE(std::llabs(std::stoll(ts) - unix_now()), 300) << ts;
  std::string expected = "sha256=" + to_hex(hmac_sha256("whsec_unit", ts + "." + req.body));
  EXPECT_TRUE(constant_time_equal(req.header("x-firstmile-signature"), expected))
      << req.header("x-firstmile-signature");
}

TEST_F(ControlPlaneTest, UnsignedWithoutSecretAndIpv6PeerSplit) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(204); });
  cfg_.at<WebhooksConfig>().on_publish = {server.url("/p")};
  auto cp = start(cfg_);
  auto d = publish(*cp, request("rtmp", "cam", "", "[::1]:40000"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.stream, "cam");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].headers.count("x-firstmile-signature"), 0u);
  auto body = body_of(server.requests()[0]);
  EXPECT_EQ(str(body, "client_ip"), "::1");
  EXPECT_EQ(num(body, "client_port"), 40000);
  EXPECT_EQ(str(body, "stream"), "cam");
  EXPECT_EQ(str(body, "key"), "cam");
  EXPECT_EQ(json::serialize(body["params"]), "{}");
}

TEST_F(ControlPlaneTest, PublishWebhookAnswers) {
  Reply next = Reply::respond(200);
  TestHttpServer server(ioc_, [&](const auto&) { return next; });
  cfg_.at<WebhooksConfig>().on_publish = {server.url("/p")};
  cfg_.at<WebhooksConfig>().max_response_bytes = 1024;
  auto cp = start(cfg_);
  struct Case {
    Reply reply;
    bool allowed;
    std::string stream_or_reason;  // the new name if allowed, else a part of the reason
  };
  const std::string big = R"({"stream":"ok","pad":")" + std::string(2000, 'x') + R"("})";
  const std::vector<Case> cases = {
      {Reply::respond(200), true, "cam"},
      {Reply::respond(200, "  \r\n"), true, "cam"},
      {Reply::respond(200, "{}"), true, "cam"},
      {Reply::respond(200, R"({"stream":"channel-42"})"), true, "channel-42"},
      {Reply::respond(201, R"({"stream":"b.c~d_e-F9"})"), true, "b.c~d_e-F9"},
      {Reply::respond(200, R"({"stream":null})"), true, "cam"},
      {Reply::respond(403, R"({"reason":"banned"})"), false,
       "refused by the authorization service: banned"},
      {Reply::respond(403, "nope"), false, "refused by the authorization service"},
      {Reply::respond(500), false, "refused by the authorization service"},
      {Reply::respond(302), false, "refused by the authorization service"},
      {Reply::respond(200, "allow"), false, "not a JSON object"},
      {Reply::respond(200, "[1]"), false, "not a JSON object"},
      {Reply::respond(200, R"({"stream":"../x"})"), false, "invalid stream"},
      {Reply::respond(200, R"({"stream":5})"), false, "invalid stream"},
      {Reply::respond(200, R"({"stream":""})"), false, "invalid stream"},
      // Stream names never hold '/' (they are URL path segments and file names).
      {Reply::respond(200, R"({"stream":"a/b"})"), false, "invalid stream"},
      {Reply::respond(200, R"({"stream":")" + std::string(257, 'a') + R"("})"), false,
       "invalid stream"},
      {Reply::respond(200, big), false, "authorization answer refused"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ": " + std::to_string(cases[i].reply.status) + " " +
                 cases[i].reply.body.substr(0, 40));
    next = cases[i].reply;
    auto d = publish(*cp, request("rtmp", "cam"));
    EXPECT_EQ(d.allowed, cases[i].allowed) << d.reason;
    if (cases[i].allowed) {
      EXPECT_EQ(d.stream, cases[i].stream_or_reason);
      EXPECT_EQ(d.reason, "");
    } else {
      EXPECT_NE(d.reason.find(cases[i].stream_or_reason), std::string::npos) << d.reason;
      EXPECT_EQ(d.http_status, 403);
    }
  }
  // One request per decision: decisions are never retried.
  EXPECT_EQ(server.requests().size(), cases.size());
}

TEST_F(ControlPlaneTest, RefusalReasonIsSanitisedAndBounded) {
  TestHttpServer server(ioc_, [](const auto&) {
    return Reply::respond(403, R"({"reason":"a\"b\nc)" + std::string(500, 'z') + R"("})");
  });
  cfg_.at<WebhooksConfig>().on_publish = {server.url("/p")};
  auto cp = start(cfg_);
  auto d = publish(*cp, request("rtmp", "cam"));
  EXPECT_FALSE(d.allowed);
  const std::string prefix = "refused by the authorization service: a b c";
  EXPECT_EQ(d.reason.rfind(prefix, 0), 0u) << d.reason;
  EXPECT_EQ(d.reason.size(), prefix.size() - 5 + 200);  // the reason is cut at 200 bytes
}

TEST_F(ControlPlaneTest, HangingReceiverRefusesAfterTheTimeout) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::hang(); });
  cfg_.at<WebhooksConfig>().on_publish = {server.url("/slow")};
  cfg_.at<WebhooksConfig>().timeout = 200ms;
  auto cp = start(cfg_);
  auto t0 = Clock::now();
  auto d = publish(*cp, request("rtmp", "cam"));
  auto took = Clock::now() - t0;
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "authorization service unavailable");
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 1000ms);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(ControlPlaneTest, UnreachableReceiverRefusesUnlessFailOpen) {
  cfg_.at<WebhooksConfig>().on_publish = {"http://127.0.0.1:" + std::to_string(closed_port()) +
                                          "/p"};
  {
    auto cp = start(cfg_);
    auto d = publish(*cp, request("rtmp", "cam"));
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, "authorization service unavailable");
  }
  cfg_.at<AuthConfig>().webhook_fail_open = true;
  cfg_.at<AuthConfig>().publish_keys = {{"live", {{"sk", "renamed"}}}};
  auto cp = start(cfg_);
  auto d = publish(*cp, request("rtmp", "sk"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.stream, "renamed");
  // Fail-open covers an unreachable backend only, never a wrong key.
  EXPECT_FALSE(publish(*cp, request("rtmp", "bad")).allowed);
}

TEST_F(ControlPlaneTest, EveryPublishWebhookIsAskedInOrderAndAllMustAllow) {
  std::vector<std::string> order;
  Reply second = Reply::respond(200, R"({"stream":"from-second"})");
  TestHttpServer server(ioc_, [&](const RecordedRequest& r) {
    order.push_back(r.target);
    return r.target == "/one" ? Reply::respond(200, R"({"stream":"from-first"})") : second;
  });
  cfg_.at<WebhooksConfig>().on_publish = {server.url("/one"), server.url("/two")};
  auto cp = start(cfg_);
  auto d = publish(*cp, request("rtmp", "cam"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.stream, "from-second");  // the last rename wins
  EXPECT_EQ(order, (std::vector<std::string>{"/one", "/two"}));
  // Both got the same delivery (one decision).
  EXPECT_EQ(server.requests()[0].header("x-firstmile-delivery"),
            server.requests()[1].header("x-firstmile-delivery"));

  second = Reply::respond(403);
  EXPECT_FALSE(publish(*cp, request("rtmp", "cam")).allowed);
  EXPECT_EQ(order.size(), 4u);
}

// Fails today (see the report): with auth.webhook_fail_open the dispatcher stops asking at the
// first unreachable URL and judge() then allows without asking the later URLs, so a backend
// that would refuse is never consulted. Enable once ask() continues past a connection failure
// (or judge() asks the remaining URLs).
TEST_F(ControlPlaneTest, FailOpenStillAsksTheRemainingWebhooks) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(403); });
  cfg_.at<AuthConfig>().webhook_fail_open = true;
  cfg_.at<WebhooksConfig>().on_publish = {
      "http://127.0.0.1:" + std::to_string(closed_port()) + "/p", server.url("/refuse")};
  auto cp = start(cfg_);
  auto d = publish(*cp, request("rtmp", "cam"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(server.requests().size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// authorize_play

TEST_F(ControlPlaneTest, PlayAuthOffAllowsEveryone) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(403); });
  cfg_.at<WebhooksConfig>().on_play = {
      server.url("/play")};  // a notification in this mode, not a decision
  auto cp = start(cfg_);
  for (const char* protocol : {"rtmp", "flv", "hls"}) {
    auto d = play(*cp, request(protocol, "cam"));
    EXPECT_TRUE(d.allowed) << protocol;
    EXPECT_EQ(d.stream, "cam");
  }
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST_F(ControlPlaneTest, PlayTokens) {
  cfg_.at<AuthConfig>().play = PlayAuth::Token;
  cfg_.at<AuthConfig>().play_secret = "0123456789abcdef-play";
  auto cp = start(cfg_);
  const std::string& secret = cfg_.get<AuthConfig>().play_secret;
  auto valid = sign_play_query(secret, "live", "cam", unix_now() + 600);
  for (const char* protocol : {"rtmp", "flv", "hls"}) {
    auto d = play(*cp, request(protocol, "cam", valid));
    EXPECT_TRUE(d.allowed) << protocol << " " << d.reason;
    EXPECT_EQ(d.stream, "cam");
  }
  auto missing = play(*cp, request("hls", "cam", "foo=bar"));
  EXPECT_FALSE(missing.allowed);
  EXPECT_EQ(missing.reason, "token required");
  EXPECT_EQ(missing.http_status, 401);
  EXPECT_EQ(play(*cp, request("flv", "cam")).http_status, 401);

  auto expired =
      play(*cp, request("hls", "cam", sign_play_query(secret, "live", "cam", unix_now() - 10)));
  EXPECT_FALSE(expired.allowed);
  EXPECT_EQ(expired.reason, "token expired");
  EXPECT_EQ(expired.http_status, 403);

  auto other_stream =
      play(*cp, request("rtmp", "cam", sign_play_query(secret, "live", "cam2", unix_now() + 600)));
  EXPECT_FALSE(other_stream.allowed);
  EXPECT_EQ(other_stream.reason, "invalid token");
  EXPECT_EQ(other_stream.http_status, 403);

  auto wrong_key =
      play(*cp, request("flv", "cam",
                        sign_play_query("another-secret-16b", "live", "cam", unix_now() + 600)));
  EXPECT_FALSE(wrong_key.allowed);
  EXPECT_EQ(wrong_key.reason, "invalid token");

  auto malformed = play(*cp, request("flv", "cam", "expires=1&token=%zz"));
  EXPECT_FALSE(malformed.allowed);
  EXPECT_EQ(malformed.http_status, 403);
}

TEST_F(ControlPlaneTest, CredentialsCarryTheKeyOrTheToken) {
  // RTSP's user name and password: the password is the key, the path names the stream.
  cfg_.at<AuthConfig>().publish_keys = {{"live", {{"sk_1", "channel-1"}}}};
  cfg_.at<AuthConfig>().play = PlayAuth::Token;
  cfg_.at<AuthConfig>().play_secret = "0123456789abcdef-play";
  auto cp = start(cfg_);
  EXPECT_TRUE(cp->checks_digest(true, "live"));
  EXPECT_FALSE(cp->checks_digest(true, "other"));
  EXPECT_TRUE(cp->checks_digest(false, "live"));
  auto with = [](AccessRequest r, std::string user, std::string password,
                 std::function<bool(std::string_view)> matches = {}) {
    r.credentials = Credentials{std::move(user), std::move(password), std::move(matches)};
    return r;
  };
  auto basic = publish(*cp, with(request("rtsp", "cam"), "enc", "sk_1"));
  EXPECT_TRUE(basic.allowed) << basic.reason;
  EXPECT_EQ(basic.stream, "channel-1");
  auto wrong = publish(*cp, with(request("rtsp", "sk_1"), "enc", "nope"));
  EXPECT_FALSE(wrong.allowed);  // the path is not the key when credentials are sent
  EXPECT_EQ(wrong.http_status, 401);
  auto digest = publish(
      *cp, with(request("rtsp", "cam"), "enc", "", [](std::string_view k) { return k == "sk_1"; }));
  EXPECT_TRUE(digest.allowed) << digest.reason;
  EXPECT_EQ(digest.stream, "channel-1");
  // An app without keys names the stream by its path; Digest cannot be checked there.
  AccessRequest other = with(request("rtsp", "cam"), "enc", "whatever");
  other.app = "other";
  auto o = publish(*cp, other);
  EXPECT_TRUE(o.allowed);
  EXPECT_EQ(o.stream, "cam");
  other.credentials->matches = [](std::string_view) { return true; };
  EXPECT_FALSE(publish(*cp, other).allowed);

  // Play: the expiry is the user name, the token the password.
  const std::string& secret = cfg_.get<AuthConfig>().play_secret;
  const std::string expires = std::to_string(unix_now() + 600);
  const std::string token = play_token(secret, "live", "cam", expires);
  EXPECT_TRUE(play(*cp, with(request("rtsp", "cam"), expires, token)).allowed);
  auto bad = play(*cp, with(request("rtsp", "cam"), expires, std::string(64, '0')));
  EXPECT_FALSE(bad.allowed);
  EXPECT_EQ(bad.http_status, 401);
  EXPECT_FALSE(play(*cp, with(request("rtsp", "cam2"), expires, token)).allowed);
  auto proves = [&](std::string_view candidate) { return candidate == token; };
  EXPECT_TRUE(play(*cp, with(request("rtsp", "cam"), expires, "", proves)).allowed);
  auto later = std::to_string(unix_now() + 601);
  EXPECT_FALSE(play(*cp, with(request("rtsp", "cam"), later, "", proves)).allowed);
  const std::string old_expiry = std::to_string(unix_now() - 5);
  const std::string old_token = play_token(secret, "live", "cam", old_expiry);
  auto expired = play(*cp, with(request("rtsp", "cam"), old_expiry, old_token));
  EXPECT_EQ(expired.reason, "token expired");
}

TEST_F(ControlPlaneTest, PlayWebhookAsksRtmpAndFlvEveryTime) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200); });
  cfg_.at<AuthConfig>().play = PlayAuth::Webhook;
  cfg_.at<WebhooksConfig>().on_play = {server.url("/play")};
  auto cp = start(cfg_);
  EXPECT_TRUE(play(*cp, request("rtmp", "cam", "a=1&b=two")).allowed);
  EXPECT_TRUE(play(*cp, request("rtmp", "cam", "a=1&b=two")).allowed);
  EXPECT_TRUE(play(*cp, request("flv", "cam", "a=1&b=two")).allowed);
  EXPECT_TRUE(play(*cp, request("flv", "cam", "a=1&b=two")).allowed);
  ASSERT_EQ(server.requests().size(), 4u);

  const auto& req = server.requests()[2];
  EXPECT_EQ(req.header("x-firstmile-event"), "on_play");
  auto body = body_of(req);
  EXPECT_EQ(keys_of(body),
            (std::set<std::string>{"event", "id", "time", "node_id", "app", "stream", "protocol",
                                   "query", "params", "client_ip", "client_port"}));
  EXPECT_EQ(str(body, "event"), "on_play");
  EXPECT_EQ(req.header("x-firstmile-delivery"), str(body, "id"));
  EXPECT_TRUE(iso_time(str(body, "time")));
  EXPECT_EQ(str(body, "node_id"), "node-a");
  EXPECT_EQ(str(body, "app"), "live");
  EXPECT_EQ(str(body, "stream"), "cam");
  EXPECT_EQ(str(body, "protocol"), "flv");
  EXPECT_EQ(str(body, "query"), "a=1&b=two");
  EXPECT_EQ(json::serialize(body["params"]), R"({"a":"1","b":"two"})");
  EXPECT_EQ(str(body, "client_ip"), "127.0.0.1");
  EXPECT_EQ(num(body, "client_port"), 5555);
  // Each decision is a new delivery.
  EXPECT_NE(server.requests()[0].header("x-firstmile-delivery"),
            req.header("x-firstmile-delivery"));
}

TEST_F(ControlPlaneTest, PlayWebhookCannotRenameAPlayer) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200, R"({"stream":"x"})"); });
  cfg_.at<AuthConfig>().play = PlayAuth::Webhook;
  cfg_.at<WebhooksConfig>().on_play = {server.url("/play")};
  auto cp = start(cfg_);
  auto d = play(*cp, request("rtmp", "cam"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.stream, "cam");
}

TEST_F(ControlPlaneTest, HlsPlayDecisionsAreCachedPerClientStreamAndQuery) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200); });
  cfg_.at<AuthConfig>().play = PlayAuth::Webhook;
  cfg_.at<WebhooksConfig>().on_play = {server.url("/play")};
  auto cp = start(cfg_);
  EXPECT_TRUE(play(*cp, request("hls", "cam", "t=1")).allowed);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(str(body_of(server.requests()[0]), "protocol"), "hls");
  // Playlist reloads from the same client (a new connection: another port) hit the cache.
  auto cached = play(*cp, request("hls", "cam", "t=1", "127.0.0.1:6000"));
  EXPECT_TRUE(cached.allowed);
  EXPECT_EQ(cached.stream, "cam");
  EXPECT_EQ(play(*cp, request("hls", "cam", "t=1")).allowed, true);
  EXPECT_EQ(server.requests().size(), 1u);
  // Another query, client or stream is another decision.
  EXPECT_TRUE(play(*cp, request("hls", "cam", "t=2")).allowed);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_TRUE(play(*cp, request("hls", "cam", "t=1", "127.0.0.2:5555")).allowed);
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_TRUE(play(*cp, request("hls", "cam2", "t=1")).allowed);
  EXPECT_EQ(server.requests().size(), 4u);
  // RTMP is never cached, even for a client with a cached HLS decision.
  EXPECT_TRUE(play(*cp, request("rtmp", "cam", "t=1")).allowed);
  EXPECT_EQ(server.requests().size(), 5u);
}

TEST_F(ControlPlaneTest, HlsPlayCacheExpires) {
  TestHttpServer server(ioc_, [](const auto&) { return Reply::respond(200); });
  cfg_.at<AuthConfig>().play = PlayAuth::Webhook;
  cfg_.at<AuthConfig>().play_cache = 100ms;
  cfg_.at<WebhooksConfig>().on_play = {server.url("/play")};
  auto cp = start(cfg_);
  auto t0 = Clock::now();
  EXPECT_TRUE(play(*cp, request("hls", "cam")).allowed);
  ASSERT_EQ(server.requests().size(), 1u);
  auto deadline = Clock::now() + 2s;
  while (server.requests().size() == 1 && Clock::now() < deadline) {
    EXPECT_TRUE(play(*cp, request("hls", "cam")).allowed);
    if (server.requests().size() == 1) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_GE(Clock::now() - t0, 100ms);
}

TEST_F(ControlPlaneTest, HlsRefusalIsCachedToo) {
  TestHttpServer server(ioc_,
                        [](const auto&) { return Reply::respond(403, R"({"reason":"no"})"); });
  cfg_.at<AuthConfig>().play = PlayAuth::Webhook;
  cfg_.at<WebhooksConfig>().on_play = {server.url("/play")};
  auto cp = start(cfg_);
  auto first = play(*cp, request("hls", "cam", "t=1"));
  EXPECT_FALSE(first.allowed);
  EXPECT_EQ(first.reason, "refused by the authorization service: no");
  EXPECT_EQ(first.http_status, 403);
  auto second = play(*cp, request("hls", "cam", "t=1"));
  EXPECT_FALSE(second.allowed);
  EXPECT_EQ(second.reason.rfind("refused by the authorization service", 0), 0u) << second.reason;
  EXPECT_EQ(second.http_status, 403);
  EXPECT_EQ(server.requests().size(), 1u);
  // A refused FLV client is asked again.
  EXPECT_FALSE(play(*cp, request("flv", "cam", "t=1")).allowed);
  EXPECT_FALSE(play(*cp, request("flv", "cam", "t=1")).allowed);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(ControlPlaneTest, PlayWebhookUnavailable) {
  cfg_.at<AuthConfig>().play = PlayAuth::Webhook;
  cfg_.at<WebhooksConfig>().on_play = {"http://127.0.0.1:" + std::to_string(closed_port()) + "/p"};
  {
    auto cp = start(cfg_);
    auto d = play(*cp, request("flv", "cam"));
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, "authorization service unavailable");
  }
  cfg_.at<AuthConfig>().webhook_fail_open = true;
  auto cp = start(cfg_);
  EXPECT_TRUE(play(*cp, request("flv", "cam")).allowed);
}

}  // namespace
}  // namespace firstmile::control
