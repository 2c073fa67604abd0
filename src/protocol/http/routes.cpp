#include "protocol/http/routes.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json.hpp>

#include "control/control_config.hpp"
#include "control/control_plane.hpp"
#include "core/stream_name.hpp"
#include "format/query_string.hpp"
#include "protocol/http/handlers.hpp"
#include "protocol/http/http_config.hpp"
#include "protocol/http/static_files.hpp"
#include "protocol/pull/demand.hpp"

namespace firstmile::http {

namespace json = boost::json;

namespace {

using bhttp::verb;

std::string query_of(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
}

// What a playlist passes on to its segment URIs: the signed-URL parameters, so a player that
// got a signed playlist URL can fetch the segments it lists.
std::string forwarded_query(const std::string& query) {
  auto params = format::parse_query(query);
  if (!params) return {};
  auto expires = format::query_value(*params, "expires");
  auto token = format::query_value(*params, "token");
  if (!expires || !token) return {};
  return "expires=" + format::query_escape(*expires) + "&token=" + format::query_escape(*token);
}

// Play auth of an HLS or DASH request (`protocol` "hls" or "dash", as webhooks see it): the
// refusal to send, or nullopt when allowed.
asio::awaitable<std::optional<Response>> authorize_http_play(HttpContext& ctx, const Request& req,
                                                             std::string app, std::string name,
                                                             std::string query, std::string peer,
                                                             std::string protocol) {
  // HLS or DASH: one per-address decision cache per protocol covers every playlist (or MPD),
  // segment and chunk request. Invalid names are left to the handlers' 404.
  auto max = ctx.config.stream.max_name_length;
  if (!valid_name(app, max) || !valid_name(name, max)) co_return std::nullopt;
  control::AccessRequest request{std::move(protocol), std::move(app), std::move(name),
                                 std::move(query), std::move(peer)};
  auto task = ctx.admission.authorize_play(std::move(request));
  auto decision = co_await std::move(task);
  if (decision.allowed) co_return std::nullopt;
  Response refused = make_error(req, static_cast<bhttp::status>(decision.http_status),
                                decision.reason, ctx.config.get<HttpConfig>());
  co_return refused;
}

// GET /{app}/{stream}.flv: after play auth, the connection moves to the stream's worker and
// becomes one of its viewers; it never touches this worker again.
asio::awaitable<std::variant<Response, TakenOver>> http_flv(HttpContext& ctx, RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  const auto& req = r.req;
  const auto& peer = r.peer;
  const auto& app = r.captures["app"];
  const auto& name = r.captures["stream"];
  std::shared_ptr<media::Stream> s;
  std::optional<control::AccessDecision> decision;
  if (valid_name(app, ctx.config.stream.max_name_length) &&
      valid_name(name, ctx.config.stream.max_name_length)) {
    auto task = ctx.admission.authorize_play(
        control::AccessRequest{"flv", app, name, query_of(req.target()), peer});
    decision = co_await std::move(task);
    if (decision->allowed) {
      // A stream an on-demand pull publishes starts now; the player waits for it.
      std::function<bool()> live = [&] {
        auto found = ctx.streams.find(app, name);
        return found && found->live();
      };
      auto waiting = pull::wait_for_demand(ctx, app, name, std::move(live));
      co_await std::move(waiting);
      s = ctx.streams.find(app, name);
    }
  }
  if (decision && !decision->allowed) {
    ctx.log->info("http-flv play refused stream={}/{} peer={} reason=\"{}\"", app, redact(name),
                  peer, decision->reason);
    co_return make_error(req, static_cast<bhttp::status>(decision->http_status), decision->reason,
                         cfg);
  }
  if (!s) co_return make_error(req, bhttp::status::not_found, "stream not found", cfg);
  r.buffer.clear();
  auto raw = r.stream.release_socket();
  auto moved = move_socket(raw, s->executor());
  if (!moved) {
    ctx.log->warn("http-flv peer={} error=\"{}\"", peer, moved.error().message);
    co_return TakenOver{};
  }
  auto ex = s->executor();
  asio::co_spawn(
      ex, serve_http_flv(ctx, std::move(s), std::move(*moved), std::move(r.req), std::move(r.slot)),
      LogExceptions{ctx.log, "http-flv session"});
  co_return TakenOver{};
}

// Play auth for a connectionless player (HLS, DASH), and what its answers pass on: with signed
// URLs, the token for the URIs they list; with any play auth, private caching.
struct PlayGrant {
  std::string query, forward_query;
  bool private_cache = false;
};

asio::awaitable<std::variant<Response, PlayGrant>> grant_http_play(HttpContext& ctx,
                                                                   RouteRequest& r,
                                                                   const char* protocol) {
  auto query = query_of(r.req.target());
  // A per-address decision cache: players fetch every playlist reload, segment and chunk.
  auto auth = authorize_http_play(ctx, r.req, r.captures["app"], r.captures["stream"], query,
                                  r.peer, protocol);
  auto refused = co_await std::move(auth);
  if (refused) co_return std::move(*refused);
  const auto play = ctx.admission.config()->get<AuthConfig>().play;
  PlayGrant g;
  g.forward_query = play == PlayAuth::Token ? forwarded_query(query) : std::string();
  g.private_cache = play != PlayAuth::Off;
  g.query = std::move(query);
  co_return g;
}

// MPEG-DASH: the MPD beside the HLS playlist, its segments under dash/.
asio::awaitable<std::variant<Response, Streamed>> dash(HttpContext& ctx, RouteRequest& r,
                                                       std::string file) {
  const auto& req = r.req;
  auto grant = grant_http_play(ctx, r, "dash");
  auto granted = co_await std::move(grant);
  if (auto* refused = std::get_if<Response>(&granted)) co_return std::move(*refused);
  auto& g = std::get<PlayGrant>(granted);
  DashRequest dr{r.captures["app"],          r.captures["stream"], std::move(file),   r.client,
                 std::move(g.forward_query), g.private_cache,      std::move(g.query)};
  auto task = serve_dash(ctx, r.stream, req, dr);
  bool keep = co_await std::move(task);
  co_return Streamed{keep};
}

// HLS: playlists and segments from memory, after play auth.
asio::awaitable<Reply> hls(HttpContext& ctx, RouteRequest& r) {
  const auto& req = r.req;
  auto grant = grant_http_play(ctx, r, "hls");
  auto granted = co_await std::move(grant);
  if (auto* refused = std::get_if<Response>(&granted)) co_return std::move(*refused);
  auto& g = std::get<PlayGrant>(granted);
  HlsRequest hr{r.captures["app"],  r.captures["stream"],       r.captures["file"], r.client,
                std::move(g.query), std::move(g.forward_query), g.private_cache};
  auto task = handle_hls(ctx, req, hr);
  auto result = co_await std::move(task);
  if (auto* res = std::get_if<Response>(&result)) co_return std::move(*res);
  co_return std::move(std::get<BufferResponse>(result));
}

asio::awaitable<Reply> healthz(HttpContext& ctx, RouteRequest& r) {
  // The process serves; the object store may not: "degraded" with the store's trouble (a load
  // balancer keeps sending streams, an operator sees why segments are spooling).
  json::object body{{"status", "ok"}};
  if (ctx.uploader) {
    auto s = ctx.uploader->stats();
    const bool trouble = s.failing || !s.check_error.empty();
    if (trouble) body["status"] = "degraded";
    body["s3"] = json::object{{"ok", !trouble},
                              {"error", s.failing ? s.last_error : s.check_error},
                              {"queued", s.queued},
                              {"spool_bytes", s.spool_bytes}};
  }
  auto res = make_response(r.req, bhttp::status::ok, "application/json",
                           json::serialize(body) + "\n", ctx.config.get<HttpConfig>());
  res.set(bhttp::field::cache_control, "no-cache");
  co_return res;
}

asio::awaitable<Reply> server_time(HttpContext& ctx, RouteRequest& r) {
  co_return dash_time_response(r.req, ctx.config.get<HttpConfig>());
}

asio::awaitable<Reply> metrics(HttpContext& ctx, RouteRequest& r) {
  auto task = handle_metrics(ctx, r.req);
  co_return co_await std::move(task);
}

asio::awaitable<Reply> api_not_found(HttpContext& ctx, RouteRequest& r) {
  co_return make_error(r.req, bhttp::status::not_found, "no such API resource",
                       ctx.config.get<HttpConfig>());
}

asio::awaitable<std::variant<Response, Streamed>> dash_mpd(HttpContext& ctx, RouteRequest& r) {
  return dash(ctx, r, "index.mpd");
}

asio::awaitable<std::variant<Response, Streamed>> dash_file(HttpContext& ctx, RouteRequest& r) {
  return dash(ctx, r, r.captures["file"]);
}

// The console's files under http.static_prefix. "/console" (no slash) is sent to
// "/console/" so the page's relative URLs resolve under the prefix.
Reply console(const StaticFiles& files, const std::string& prefix, const HttpConfig& cfg,
              const RouteRequest& r) {
  auto path = r.req.target().substr(0, r.req.target().find('?'));
  if (r.captures.rest.empty() && (path.empty() || path.back() != '/')) {
    auto res = make_response(r.req, bhttp::status::moved_permanently, "text/plain", "", cfg);
    res.set(bhttp::field::location, prefix + "/");
    return res;
  }
  return files.serve(r.req, r.captures.rest, cfg);
}

// A handler of the table from a function of (HttpContext&, RouteRequest&).
template <class Fn>
auto with(HttpContext& ctx, Fn fn) {
  return [&ctx, fn](RouteRequest& r) { return fn(ctx, r); };
}

// An API endpoint (returning a Response) as an answer handler.
AnswerHandler endpoint(HttpContext& ctx,
                       asio::awaitable<Response> (*fn)(HttpContext&, const RouteRequest&)) {
  return [&ctx, fn](RouteRequest& r) -> asio::awaitable<Reply> {
    auto task = fn(ctx, r);
    co_return co_await std::move(task);
  };
}

}  // namespace

Router make_routes(HttpContext& ctx) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  Router router(cfg);

  // Media, health and time: GET and HEAD, a CORS preflight on OPTIONS (listed in Allow).
  const Methods get{verb::get, verb::options};
  RouteOptions media;
  media.not_allowed_reason = "only GET and HEAD are served here";
  // The API and /metrics: the API's access rule before anything else, and no CORS: no page of
  // another origin may read them (check_api_access also refuses what browsers mark
  // cross-site, so a page cannot trigger a call it cannot read either).
  RouteOptions api;
  api.cors.allow_origin = false;
  api.guard = [&ctx](const RouteRequest& r) { return check_api_access(ctx, r.req, r.client); };

  router.answer(get, "/healthz", with(ctx, healthz), media);
  router.answer(get, "/time", with(ctx, server_time), media);
  router.answer({verb::get}, "/metrics", with(ctx, metrics), api);

  // The API: one entry per endpoint; anything else under /api/v1 is the API's 404.
  router.answer({verb::get}, "/api/v1/streams", endpoint(ctx, api_streams), api);
  router.answer({verb::get}, "/api/v1/streams/{app}/{stream}", endpoint(ctx, api_stream), api);
  router.answer({verb::delete_}, "/api/v1/streams/{app}/{stream}", endpoint(ctx, api_kick_stream),
                api);
  router.answer({verb::get}, "/api/v1/clients", endpoint(ctx, api_clients), api);
  router.answer({verb::get}, "/api/v1/clients/{id}", endpoint(ctx, api_client), api);
  router.answer({verb::delete_}, "/api/v1/clients/{id}", endpoint(ctx, api_kick_client), api);
  router.answer({verb::get}, "/api/v1/server", endpoint(ctx, api_server), api);
  router.answer({verb::post}, "/api/v1/reload", endpoint(ctx, api_reload), api);
  router.answer({verb::get}, "/api/v1/pulls", endpoint(ctx, api_pulls), api);
  router.answer({verb::post}, "/api/v1/pulls", endpoint(ctx, api_add_pull), api);
  router.answer({verb::delete_}, "/api/v1/pulls/{app}/{stream}", endpoint(ctx, api_remove_pull),
                api);
  router.answer(Methods::any(), "/api/v1/{*rest}", with(ctx, api_not_found), api);

  // Viewers. HLS takes only names that can be HLS resources: playlists, TS and fMP4
  // segments, LL-HLS parts, init segments.
  router.take_over(get, "/{app}/{stream}.flv", with(ctx, http_flv), media);
  router.stream(get, "/{app}/{stream}/index.mpd", with(ctx, dash_mpd), media);
  router.stream(get, "/{app}/{stream}/dash/{file}", with(ctx, dash_file), media);
  router.answer(get, "/{app}/{stream}/{file:.m3u8,.ts,.m4s,.mp4}", with(ctx, hls), media);

  // The web console's files, when http.static_dir is set.
  if (!cfg.static_dir.empty()) {
    auto files = std::make_shared<const StaticFiles>(cfg.static_dir);
    std::string prefix = cfg.static_prefix;
    router.answer(
        get, prefix + "/{*path}",
        [files, prefix, &cfg](RouteRequest& r) -> asio::awaitable<Reply> {
          co_return console(*files, prefix, cfg, r);
        },
        media);
  }
  return router;
}

}  // namespace firstmile::http
