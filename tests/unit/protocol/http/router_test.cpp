#include "protocol/http/router.hpp"
#include "protocol/http/http_config.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace firstmile::http {
namespace {

namespace asio = boost::asio;
using bhttp::verb;
using Segs = std::vector<std::string>;
using Kind = Resolution::Kind;

// An answer handler that says which route ran and what it captured.
AnswerHandler says(std::string what) {
  return [what](RouteRequest& r) -> asio::awaitable<Reply> {
    HttpConfig cfg;
    std::string body = what;
    for (const auto& [k, v] : r.captures.named)
      body += " " + k + "=" + v;
    for (const auto& s : r.captures.rest)
      body += " +" + s;
    co_return make_response(r.req, bhttp::status::ok, "text/plain", body, cfg);
  };
}

// Runs Router::dispatch on a real (unconnected) stream, as the session does.
class RouterTest : public ::testing::Test {
 protected:
  Outcome run(verb method, std::string target, const Segs& segments) {
    Request req{method, target, 11};
    boost::beast::tcp_stream stream(io_);
    boost::beast::flat_buffer buffer;
    ConnectionLimiter::Slot slot;
    std::string peer = "192.0.2.1:5000", client = "192.0.2.1";
    RouteRequest r{req, {}, peer, client, stream, buffer, slot};
    auto fut = asio::co_spawn(io_, router_.dispatch(r, segments), asio::use_future);
    io_.restart();
    io_.run();
    return fut.get();
  }
  Response answer(verb method, const Segs& segments) {
    auto out = run(method, "/", segments);
    EXPECT_TRUE(std::holds_alternative<Response>(out));
    return std::get<Response>(std::move(out));
  }

  asio::io_context io_;
  HttpConfig cfg_;
  Router router_{cfg_};
};

TEST_F(RouterTest, MostSpecificWinsWhateverTheRegistrationOrder) {
  router_.answer({verb::get}, "/{app}/{stream}/{file}", says("any"));
  router_.answer({verb::get}, "/{app}/{stream}/{file:.m3u8,.ts}", says("hls"));
  router_.answer({verb::get}, "/api/v1/{*rest}", says("api"));
  router_.answer({verb::get}, "/{app}/{stream}/index.mpd", says("mpd"));
  EXPECT_EQ(answer(verb::get, {"live", "cam", "index.m3u8"}).body(),
            "hls app=live stream=cam file=index.m3u8");
  EXPECT_EQ(answer(verb::get, {"live", "cam", "index.mpd"}).body(), "mpd app=live stream=cam");
  EXPECT_EQ(answer(verb::get, {"live", "cam", "x.js"}).body(), "any app=live stream=cam file=x.js");
  EXPECT_EQ(answer(verb::get, {"api", "v1", "x.m3u8"}).body(), "api +x.m3u8");
  // Equally specific patterns that both match: the first registered.
  router_.answer({verb::get}, "/{a}.flv", says("first"));
  router_.answer({verb::get}, "/{b:.flv}", says("second"));
  EXPECT_EQ(answer(verb::get, {"x.flv"}).body(), "first a=x");
}

TEST_F(RouterTest, UnknownPathIs404UnknownMethodIs405WithAllow) {
  router_.answer({verb::get}, "/api/v1/streams/{app}/{stream}", says("get"));
  router_.answer({verb::delete_}, "/api/v1/streams/{app}/{stream}", says("delete"));
  router_.answer({verb::post}, "/api/v1/reload", says("reload"));
  auto r = router_.resolve(verb::put, {"api", "v1", "streams", "a", "b"});
  EXPECT_EQ(r.kind, Kind::MethodNotAllowed);
  EXPECT_EQ(r.allow, "GET, HEAD, DELETE");
  auto res = answer(verb::put, {"api", "v1", "streams", "a", "b"});
  EXPECT_EQ(res.result(), bhttp::status::method_not_allowed);
  EXPECT_EQ(res[bhttp::field::allow], "GET, HEAD, DELETE");
  EXPECT_EQ(res.body(), "{\"error\":\"method not allowed\"}\n");
  EXPECT_EQ(answer(verb::get, {"api", "v1", "reload"})[bhttp::field::allow], "POST");
  EXPECT_EQ(answer(verb::delete_, {"api", "v1", "streams", "a", "b"}).body(),
            "delete app=a stream=b");
  auto missing = answer(verb::get, {"api", "v1", "nothing"});
  EXPECT_EQ(missing.result(), bhttp::status::not_found);
  EXPECT_EQ(missing.body(), "{\"error\":\"no such resource\"}\n");
  EXPECT_EQ(router_.resolve(verb::post, {"elsewhere"}).kind, Kind::NotFound);
}

TEST_F(RouterTest, ALessSpecificPatternIsNotTriedForAMissingMethod) {
  router_.answer({verb::get}, "/api/v1/streams", says("list"));
  router_.answer(Methods::any(), "/api/v1/{*rest}", says("fallback"));
  EXPECT_EQ(router_.resolve(verb::post, {"api", "v1", "streams"}).kind, Kind::MethodNotAllowed);
  EXPECT_EQ(answer(verb::post, {"api", "v1", "other"}).body(), "fallback +other");
  EXPECT_EQ(answer(verb::patch, {"api", "v1"}).body(), "fallback");
}

TEST_F(RouterTest, HeadIsServedWhereverGetIs) {
  router_.answer({verb::get}, "/healthz", says("health"));
  router_.answer({verb::post}, "/only-post", says("post"));
  EXPECT_EQ(answer(verb::head, {"healthz"}).body(), "health");
  EXPECT_EQ(router_.resolve(verb::head, {"only-post"}).kind, Kind::MethodNotAllowed);
  Methods get{verb::get};
  EXPECT_TRUE(get.allows(verb::head));
  EXPECT_FALSE(get.allows(verb::post));
  EXPECT_FALSE(Methods{verb::post}.allows(verb::head));
  EXPECT_EQ((Methods{verb::options, verb::delete_, verb::get}).allow_header(),
            "GET, HEAD, DELETE, OPTIONS");
}

TEST_F(RouterTest, OptionsIsAPreflightPerRoute) {
  cfg_.cors_origin = "*";
  RouteOptions whip;
  whip.cors.allow_methods = "POST, PATCH, DELETE, OPTIONS";
  whip.cors.allow_headers = "Content-Type, If-Match";
  router_.answer({verb::get, verb::options}, "/media", says("media"));
  router_.answer({verb::post}, "/whip", says("whip"), whip);
  RouteOptions own;  // no preflight: OPTIONS goes to the handler if the route declares it
  own.cors.preflight = false;
  router_.answer({verb::options}, "/own", says("own options"), own);
  RouteOptions none;
  none.cors.preflight = false;
  router_.answer({verb::get}, "/none", says("none"), none);

  auto pre = answer(verb::options, {"media"});
  EXPECT_EQ(pre.result(), bhttp::status::no_content);
  EXPECT_EQ(pre[bhttp::field::access_control_allow_origin], "*");
  EXPECT_EQ(pre[bhttp::field::access_control_allow_methods], "GET, HEAD, OPTIONS");
  EXPECT_EQ(pre[bhttp::field::access_control_allow_headers], "Range, Content-Type, Authorization");
  auto w = answer(verb::options, {"whip"});
  EXPECT_EQ(w.result(), bhttp::status::no_content);
  EXPECT_EQ(w[bhttp::field::access_control_allow_methods], "POST, PATCH, DELETE, OPTIONS");
  EXPECT_EQ(w[bhttp::field::access_control_allow_headers], "Content-Type, If-Match");
  EXPECT_EQ(answer(verb::options, {"own"}).body(), "own options");
  auto n = answer(verb::options, {"none"});
  EXPECT_EQ(n.result(), bhttp::status::method_not_allowed);
  EXPECT_EQ(n[bhttp::field::allow], "GET, HEAD");
  // Declared OPTIONS shows in Allow; a preflight-only route does not list it.
  EXPECT_EQ(answer(verb::post, {"media"})[bhttp::field::allow], "GET, HEAD, OPTIONS");
  EXPECT_EQ(answer(verb::get, {"whip"})[bhttp::field::allow], "POST");
  EXPECT_EQ(answer(verb::options, {"unknown"}).result(), bhttp::status::not_found);
}

TEST_F(RouterTest, AllowOriginOffStripsTheCorsHeaders) {
  cfg_.cors_origin = "*";
  RouteOptions closed;
  closed.cors.allow_origin = false;
  router_.answer({verb::get}, "/open", says("open"));
  router_.answer({verb::get}, "/closed", says("closed"), closed);
  EXPECT_EQ(answer(verb::get, {"open"})[bhttp::field::access_control_allow_origin], "*");
  auto c = answer(verb::get, {"closed"});
  EXPECT_EQ(c.body(), "closed");
  EXPECT_EQ(c.count(bhttp::field::access_control_allow_origin), 0u);
  EXPECT_EQ(c.count(bhttp::field::access_control_allow_methods), 0u);
  EXPECT_EQ(answer(verb::options, {"closed"}).count(bhttp::field::access_control_allow_origin), 0u);
  EXPECT_EQ(answer(verb::post, {"closed"}).count(bhttp::field::access_control_allow_origin), 0u);
}

TEST_F(RouterTest, GuardRunsBeforeTheMethodCheckAndNotOnPreflight) {
  int guarded = 0;
  RouteOptions api;
  api.guard = [&](const RouteRequest& r) -> std::optional<Response> {
    ++guarded;
    if (r.req[bhttp::field::authorization] == "Bearer ok") return std::nullopt;
    return make_error(r.req, bhttp::status::forbidden, "no", cfg_);
  };
  router_.answer({verb::get}, "/api", says("api"), api);
  EXPECT_EQ(answer(verb::delete_, {"api"}).result(), bhttp::status::forbidden);
  EXPECT_EQ(answer(verb::get, {"api"}).result(), bhttp::status::forbidden);
  EXPECT_EQ(guarded, 2);
  EXPECT_EQ(answer(verb::options, {"api"}).result(), bhttp::status::no_content);
  EXPECT_EQ(guarded, 2);
}

TEST_F(RouterTest, StreamAndTakeOverHandlers) {
  router_.stream({verb::get}, "/s/{x}",
                 [](RouteRequest& r) -> asio::awaitable<std::variant<Response, Streamed>> {
                   if (r.captures["x"] == "refuse")
                     co_return make_error(r.req, bhttp::status::forbidden, "refused", HttpConfig{});
                   co_return Streamed{r.captures["x"] == "keep"};
                 });
  router_.take_over({verb::get}, "/t",
                    [](RouteRequest& r) -> asio::awaitable<std::variant<Response, TakenOver>> {
                      co_return TakenOver{};
                    });
  auto keep = run(verb::get, "/s/keep", {"s", "keep"});
  ASSERT_TRUE(std::holds_alternative<Streamed>(keep));
  EXPECT_TRUE(std::get<Streamed>(keep).keep_alive);
  EXPECT_FALSE(std::get<Streamed>(run(verb::get, "/s/close", {"s", "close"})).keep_alive);
  auto refused = run(verb::get, "/s/refuse", {"s", "refuse"});
  ASSERT_TRUE(std::holds_alternative<Response>(refused));
  EXPECT_EQ(std::get<Response>(refused).result(), bhttp::status::forbidden);
  EXPECT_TRUE(std::holds_alternative<TakenOver>(run(verb::get, "/t", {"t"})));
}

TEST_F(RouterTest, MalformedPatternIsRefusedAtRegistration) {
  EXPECT_THROW(router_.answer({verb::get}, "no-slash", says("x")), std::invalid_argument);
  EXPECT_TRUE(router_.routes().empty());
}

}  // namespace
}  // namespace firstmile::http
