#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <cctype>
#include <cmath>
#include <variant>

#include "control/control_plane.hpp"
#include "core/decimal.hpp"
#include "core/stream_name.hpp"
#include "protocol/http/handlers.hpp"
#include "protocol/http/http_config.hpp"
#include "protocol/http/wire/bearer.hpp"
#include "storage/s3_config.hpp"

namespace firstmile::http {

namespace json = boost::json;

namespace {

std::string iso_time(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t seconds_since(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - t)
      .count();
}

// Whole numbers as JSON integers ("30", not "3E1"), others rounded to 3 decimals.
json::value number(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 9e15)
    return static_cast<int64_t>(std::llround(v));
  return std::round(v * 1000) / 1000;
}

json::object track_json(const media::TrackInfo& t, const media::TrackStats& s) {
  json::object o;
  o["kind"] = t.kind == media::MediaKind::Video ? "video" : "audio";
  o["codec"] = media::codec_name(t.codec);
  if (!t.codec_string.empty()) o["codec_string"] = t.codec_string;
  if (t.kind == media::MediaKind::Video) {
    o["width"] = t.width;
    o["height"] = t.height;
    if (!t.profile.empty()) o["profile"] = t.profile;
    if (t.level > 0) o["level"] = number(t.level);
    o["frame_rate"] = number(t.frame_rate > 0 ? t.frame_rate : s.frame_rate);
  } else {
    o["sample_rate"] = t.sample_rate;
    o["channels"] = t.channels;
  }
  o["bitrate"] = static_cast<uint64_t>(s.bitrate);
  o["frames"] = s.frames;
  o["bytes"] = s.bytes;
  o["timestamp_errors"] = s.timestamp_errors;
  return o;
}

// A connection's link: an SRT one as libsrt measures it (docs/api.md, "srt"); an RTSP
// publisher's RTP losses (docs/api.md, "rtsp").
json::object link_json(const std::string& protocol, const media::LinkStats& l) {
  json::object o;
  if (protocol != "srt") {
    o["packets_lost"] = l.packets_lost;
    o["packets_dropped"] = l.packets_dropped;
    return o;
  }
  o["rtt_ms"] = number(l.rtt_ms);
  o["bandwidth_mbps"] = number(l.bandwidth_mbps);
  o["send_rate_mbps"] = number(l.send_rate_mbps);
  o["receive_rate_mbps"] = number(l.receive_rate_mbps);
  o["packets_lost"] = l.packets_lost;
  o["packets_retransmitted"] = l.packets_retransmitted;
  o["packets_dropped"] = l.packets_dropped;
  return o;
}

json::object client_json(const media::StreamInfo& s, const media::ClientInfo& c) {
  json::object o;
  o["id"] = c.id;
  o["kind"] = c.publisher ? "publisher" : "viewer";
  o["protocol"] = c.protocol;
  o["app"] = s.app;
  o["stream"] = s.name;
  o["address"] = c.peer;
  o["bytes"] = c.bytes;
  o["bitrate"] = static_cast<uint64_t>(c.bitrate);
  o["duration"] = seconds_since(c.started);
  o["connected_at"] = iso_time(c.started);
  if (c.link) o[c.protocol] = link_json(c.protocol, *c.link);
  return o;
}

json::object stream_json(const media::StreamInfo& i, const ProtocolCatalog& protocols,
                         const Config& config) {
  json::object o;
  o["app"] = i.app;
  o["name"] = i.name;
  o["path"] = i.app + "/" + i.name;
  o["live"] = i.live;
  if (i.publisher) {
    json::object p;
    p["protocol"] = i.publisher->protocol;
    p["address"] = i.publisher->peer;
    p["connected_at"] = iso_time(i.publisher->started);
    p["uptime"] = seconds_since(i.publisher->started);
    // info() lists the publisher first among the clients.
    if (!i.clients.empty() && i.clients.front().publisher && i.clients.front().link)
      p[i.publisher->protocol] = link_json(i.publisher->protocol, *i.clients.front().link);
    o["publisher"] = std::move(p);
    o["uptime"] = seconds_since(i.publisher->started);
  } else {
    o["publisher"] = nullptr;
    o["uptime"] = 0;
  }
  json::array tracks;
  if (i.tracks.video) tracks.push_back(track_json(*i.tracks.video, i.video_stats));
  if (i.tracks.audio) tracks.push_back(track_json(*i.tracks.audio, i.audio_stats));
  o["tracks"] = std::move(tracks);
  json::object viewers;
  size_t total = 0;
  for (const auto& [protocol, n] : protocols.viewer_counts(i.viewers)) {
    viewers[protocol] = n;
    total += n;
  }
  o["viewers"] = std::move(viewers);
  o["viewer_count"] = total;
  o["bytes_in"] = i.bytes_in;
  o["publishes"] = i.publishes;
  o["created_at"] = iso_time(i.created);
  // Where the stream's HLS is in the bucket, and its playback URL behind s3.public_url.
  if (const auto& s3 = config.get<S3Settings>(); s3.enabled && s3.hls) {
    if (auto prefix = storage::expand_prefix(s3.prefix, i.app, i.name)) {
      json::object x;
      x["key"] = *prefix + "index.m3u8";
      if (!s3.public_url.empty()) {
        std::string base = s3.public_url;
        while (!base.empty() && base.back() == '/')
          base.pop_back();
        x["url"] = base + "/" + *prefix + "index.m3u8";
      }
      o["s3"] = std::move(x);
    }
  }
  return o;
}

json::object stream_detail_json(const media::StreamInfo& i, const ProtocolCatalog& protocols,
                                const Config& config) {
  auto o = stream_json(i, protocols, config);
  json::array clients;
  for (const auto& c : i.clients)
    clients.push_back(client_json(i, c));
  o["clients"] = std::move(clients);
  return o;
}

bool kick_on_stream(std::shared_ptr<media::Stream> s, uint64_t id) {
  return s->kick_client(id, "kicked through the API");
}

int kick_publisher_of(std::shared_ptr<media::Stream> s) {
  if (!s->has_publisher()) return 0;
  s->kick_publisher("kicked through the API");
  return 1;
}

// Runs f(stream) on the stream's executor and returns its result. The task is a named local
// (GCC 12 and temporaries in co_await, as above).
template <class F>
auto on_stream(std::shared_ptr<media::Stream> s, F f)
    -> asio::awaitable<decltype(f(std::shared_ptr<media::Stream>()))> {
  auto executor = s->executor();
  auto task = [](std::shared_ptr<media::Stream> s,
                 F f) -> asio::awaitable<decltype(f(std::shared_ptr<media::Stream>()))> {
    co_return f(s);
  }(std::move(s), std::move(f));
  co_return co_await asio::co_spawn(executor, std::move(task), asio::use_awaitable);
}

asio::awaitable<media::StreamInfo> read_info(std::shared_ptr<media::Stream> s) {
  co_return s->info();
}

// The stream's state belongs to its worker: read it there. No temporary with a destructor may
// appear inside a co_await expression here: GCC 12 destroys such temporaries twice (a lambda
// capturing the shared_ptr freed the stream under everyone's feet), so the task is a local.
asio::awaitable<media::StreamInfo> info_of(std::shared_ptr<media::Stream> s) {
  auto executor = s->executor();
  auto task = read_info(std::move(s));
  co_return co_await asio::co_spawn(executor, std::move(task), asio::use_awaitable);
}

Response json_response(const Request& req, const HttpConfig& cfg, const json::value& v) {
  auto res =
      make_response(req, bhttp::status::ok, "application/json", json::serialize(v) + "\n", cfg);
  res.set(bhttp::field::cache_control, "no-cache");
  return res;
}

}  // namespace

namespace {

// Why the browser that sent `req` says it comes from another origin; nullptr if it does not.
const char* cross_site(const Request& req) {
  // Fetch Metadata (all current browsers): "none" is a typed URL or a bookmark.
  std::string_view site = req["Sec-Fetch-Site"];
  if (site == "cross-site" || site == "same-site") return "Sec-Fetch-Site";
  auto origin = req.find(bhttp::field::origin);
  if (origin == req.end()) return nullptr;
  // Origin is "scheme://host[:port]" (or "null"); the same origin names the Host we serve.
  std::string_view value = origin->value();
  auto scheme_end = value.find("://");
  if (scheme_end == std::string_view::npos) return "Origin";
  auto authority = value.substr(scheme_end + 3);
  std::string_view host = req[bhttp::field::host];
  if (host.empty() || authority.size() != host.size()) return "Origin";
  for (size_t i = 0; i < host.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(host[i])) !=
        std::tolower(static_cast<unsigned char>(authority[i]))) {
      return "Origin";
    }
  }
  return nullptr;
}

}  // namespace

std::optional<Response> check_api_access(HttpContext& ctx, const Request& req,
                                         const std::string& client) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  // A page in a browser can send a "simple" request (a POST without a body, a GET) to any
  // origin and have it carried out even though it cannot read the answer. Such requests carry
  // the page's origin: the API answers only its own origin, or requests with none (curl, a
  // backend, a typed URL).
  if (auto why = cross_site(req)) {
    return make_error(req, bhttp::status::forbidden,
                      std::string("cross-site requests to the API are refused (") + why + ")", cfg);
  }
  auto token = ctx.control.config()->get<ApiConfig>().token;
  if (token.empty()) {
    if (is_loopback_address(client)) return std::nullopt;
    return make_error(req, bhttp::status::forbidden,
                      "the API answers loopback clients only until api.token is set", cfg);
  }
  std::string_view auth = req[bhttp::field::authorization];
  if (bearer_matches(auth, token)) return std::nullopt;
  auto res = make_error(req, bhttp::status::unauthorized,
                        auth.empty() ? "bearer token required" : "invalid bearer token", cfg);
  res.set(bhttp::field::www_authenticate, "Bearer realm=\"firstmile\"");
  return res;
}

asio::awaitable<std::vector<media::StreamInfo>> all_stream_info(HttpContext& ctx) {
  std::vector<media::StreamInfo> out;
  for (auto& s : ctx.registry.list()) {
    // (Kept as a statement of its own: GCC 12 mishandles temporaries around co_await.)
    auto info = co_await info_of(s);
    out.push_back(std::move(info));
  }
  co_return out;
}

// The API's endpoints, one per route (routes.cpp); the route's guard applied
// check_api_access and the route table the method, before any of them runs.

asio::awaitable<Response> api_streams(HttpContext& ctx, const RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  const auto& req = r.req;
  json::array list;
  auto infos = co_await all_stream_info(ctx);
  for (const auto& info : infos)
    list.push_back(stream_json(info, ctx.protocols, ctx.config));
  json::object o;
  o["streams"] = std::move(list);
  co_return json_response(req, cfg, o);
}

namespace {

// The stream /api/v1/streams/{app}/{stream} names, or the error to answer.
std::variant<std::shared_ptr<media::Stream>, Response> api_find_stream(HttpContext& ctx,
                                                                       const RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  const auto& req = r.req;
  auto max = ctx.config.stream.max_name_length;
  if (!valid_name(r.captures["app"], max) || !valid_name(r.captures["stream"], max)) {
    return make_error(req, bhttp::status::bad_request, "invalid app or stream name", cfg);
  }
  auto s = ctx.registry.find(r.captures["app"], r.captures["stream"]);
  if (!s) return make_error(req, bhttp::status::not_found, "stream not found", cfg);
  return s;
}

}  // namespace

asio::awaitable<Response> api_stream(HttpContext& ctx, const RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  const auto& req = r.req;
  auto found = api_find_stream(ctx, r);
  if (auto* error = std::get_if<Response>(&found)) co_return std::move(*error);
  auto s = std::get<std::shared_ptr<media::Stream>>(std::move(found));
  auto info = co_await info_of(s);
  co_return json_response(req, cfg, stream_detail_json(info, ctx.protocols, ctx.config));
}

asio::awaitable<Response> api_kick_stream(HttpContext& ctx, const RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  const auto& req = r.req;
  auto found = api_find_stream(ctx, r);
  if (auto* error = std::get_if<Response>(&found)) co_return std::move(*error);
  auto s = std::get<std::shared_ptr<media::Stream>>(std::move(found));
  auto task = on_stream(s, kick_publisher_of);
  int kicked = co_await std::move(task);
  ctx.log->info("api kick stream={} kicked={}", s->log_label(), kicked);
  co_return json_response(req, cfg, json::object{{"kicked", kicked}});
}

asio::awaitable<Response> api_clients(HttpContext& ctx, const RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  const auto& req = r.req;
  json::array list;
  auto infos = co_await all_stream_info(ctx);
  for (const auto& info : infos) {
    for (const auto& c : info.clients)
      list.push_back(client_json(info, c));
  }
  co_return json_response(req, cfg, json::object{{"clients", std::move(list)}});
}

namespace {

// The id of /api/v1/clients/{id}; 0 if it is not a client id.
uint64_t api_client_id(const RouteRequest& r) {
  // Digits only; more than 20 cannot be a uint64_t.
  return parse_decimal<uint64_t>(r.captures["id"], 20).value_or(0);
}

// The client a /clients/{id} request names and the stream it is on, or the error to answer.
struct FoundClient {
  std::vector<media::StreamInfo> infos;  // what `info` and `client` point into
  const media::StreamInfo* info = nullptr;
  const media::ClientInfo* client = nullptr;
};

asio::awaitable<std::variant<Response, FoundClient>> find_client(HttpContext& ctx,
                                                                 const RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  uint64_t id = api_client_id(r);
  if (id == 0)
    co_return make_error(r.req, bhttp::status::bad_request, "client id must be a number", cfg);
  FoundClient found;
  found.infos = co_await all_stream_info(ctx);
  for (const auto& info : found.infos) {
    for (const auto& c : info.clients) {
      if (c.id != id) continue;
      found.info = &info;
      found.client = &c;
      co_return std::move(found);  // a move keeps the vector's buffer, so the pointers hold
    }
  }
  co_return make_error(r.req, bhttp::status::not_found, "client not found", cfg);
}

}  // namespace

asio::awaitable<Response> api_client(HttpContext& ctx, const RouteRequest& r) {
  auto task = find_client(ctx, r);
  auto found = co_await std::move(task);
  if (auto* error = std::get_if<Response>(&found)) co_return std::move(*error);
  const auto& f = std::get<FoundClient>(found);
  co_return json_response(r.req, ctx.config.get<HttpConfig>(), client_json(*f.info, *f.client));
}

asio::awaitable<Response> api_kick_client(HttpContext& ctx, const RouteRequest& r) {
  auto task = find_client(ctx, r);
  auto found = co_await std::move(task);
  if (auto* error = std::get_if<Response>(&found)) co_return std::move(*error);
  const auto& f = std::get<FoundClient>(found);
  const uint64_t id = f.client->id;
  bool kicked = false;
  if (auto s = ctx.registry.find(f.info->app, f.info->name)) {
    auto kick = on_stream(s, [id](auto st) { return kick_on_stream(st, id); });
    kicked = co_await std::move(kick);
  }
  if (!kicked)
    co_return make_error(r.req, bhttp::status::not_found, "client not found",
                         ctx.config.get<HttpConfig>());
  ctx.log->info("api kick client={} stream={}/{}", id, f.info->app, redact(f.info->name));
  co_return json_response(r.req, ctx.config.get<HttpConfig>(), json::object{{"kicked", 1}});
}

asio::awaitable<Response> api_server(HttpContext& ctx, const RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  const auto& req = r.req;
  auto current = ctx.control.config();
  json::object o;
  o["version"] = FIRSTMILE_VERSION;
  o["node_id"] = ctx.config.node_id;
  o["started_at"] = iso_time(ctx.started);
  o["uptime"] = seconds_since(ctx.started);
  o["streams"] = ctx.registry.size();
  o["connections"] = ctx.connections.count();
  o["workers"] = ctx.workers.size();
  o["config_hash"] = control::config_hash(*current, ctx.config_schema);
  o["reloads"] = ctx.control.reloads();
  co_return json_response(req, cfg, o);
}

asio::awaitable<Response> api_reload(HttpContext& ctx, const RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  const auto& req = r.req;
  if (!ctx.reload) co_return make_error(req, bhttp::status::not_found, "reload unavailable", cfg);
  auto report = ctx.reload();
  if (!report) {
    co_return make_error(req, bhttp::status::unprocessable_entity, report.error().message, cfg);
  }
  json::array restart;
  for (const auto& k : report->restart_needed)
    restart.push_back(json::string(k));
  co_return json_response(req, cfg,
                          json::object{{"reloaded", true},
                                       {"config_hash", report->config_hash},
                                       {"restart_needed", std::move(restart)}});
}

}  // namespace firstmile::http

namespace firstmile::http {

namespace {

json::object pull_json(const pull::SourceStatus& s) {
  json::object o;
  o["app"] = s.app;
  o["stream"] = s.stream;
  o["url"] = s.url;  // without credentials
  o["state"] = s.state;
  o["last_error"] = s.last_error;
  o["transport"] = s.transport;
  o["attempts"] = s.attempts;
  o["origin"] = s.origin;
  o["on_demand"] = s.on_demand;
  return o;
}

}  // namespace

asio::awaitable<Response> api_pulls(HttpContext& ctx, const RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  json::array pulls;
  if (ctx.pulls) {
    for (const auto& s : ctx.pulls->list())
      pulls.push_back(pull_json(s));
  }
  co_return json_response(r.req, cfg, json::object{{"pulls", std::move(pulls)}});
}

asio::awaitable<Response> api_add_pull(HttpContext& ctx, const RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  const auto& req = r.req;
  if (!ctx.pulls) co_return make_error(req, bhttp::status::not_found, "pulls unavailable", cfg);
  // {"app": "live", "stream": "cam1", "url": "rtsp://...", "transport": "auto"}
  boost::system::error_code ec;
  auto body = json::parse(req.body(), ec);
  const auto* o = ec ? nullptr : body.if_object();
  if (!o)
    co_return make_error(req, bhttp::status::bad_request, "the body must be a JSON object", cfg);
  auto text = [&](const char* key) -> std::optional<std::string> {
    const auto* v = o->if_contains(key);
    if (!v) return std::string();
    if (const auto* s = v->if_string()) return std::string(*s);
    return std::nullopt;
  };
  auto app = text("app"), stream = text("stream"), url = text("url"), transport = text("transport");
  if (!app || !stream || !url || !transport)
    co_return make_error(req, bhttp::status::bad_request,
                         "app, stream, url and transport are strings", cfg);
  const auto max = ctx.config.stream.max_name_length;
  if (!valid_name(*app, max) || !valid_name(*stream, max))
    co_return make_error(req, bhttp::status::bad_request, "invalid app or stream name", cfg);
  PullSourceConfig source;
  source.url = *url;
  if (!transport->empty()) source.transport = *transport;
  if (const auto* od = o->if_contains("on_demand")) {
    if (!od->is_bool())
      co_return make_error(req, bhttp::status::bad_request, "on_demand is true or false", cfg);
    source.on_demand = od->as_bool();
  }
  const std::string path = *app + "/" + *stream;
  if (auto st = ctx.pulls->add(path, source, "api"); !st) {
    const bool exists = ctx.pulls->exists(path);
    co_return make_error(req, exists ? bhttp::status::conflict : bhttp::status::bad_request,
                         exists ? path + " is already pulled" : st.error().message, cfg);
  }
  auto added = ctx.pulls->find(path);
  auto res = json_response(req, cfg, added ? pull_json(*added) : json::object{});
  res.result(bhttp::status::created);
  co_return res;
}

asio::awaitable<Response> api_remove_pull(HttpContext& ctx, const RouteRequest& r) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  const std::string path = r.captures["app"] + "/" + r.captures["stream"];
  if (!ctx.pulls || !ctx.pulls->remove(path))
    co_return make_error(r.req, bhttp::status::not_found, "no such pull", cfg);
  co_return json_response(r.req, cfg, json::object{{"removed", 1}});
}

}  // namespace firstmile::http
