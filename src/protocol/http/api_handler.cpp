#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <cmath>

#include "media/stream_name.hpp"
#include "protocol/http/handlers.hpp"

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
  return o;
}

json::object stream_json(const media::StreamInfo& i) {
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
  viewers["rtmp"] = 0;
  viewers["flv"] = 0;
  size_t total = 0;
  for (auto& [format, n] : i.viewers) {
    viewers[format] = n;
    total += n;
  }
  o["viewers"] = std::move(viewers);
  o["viewer_count"] = total;
  o["bytes_in"] = i.bytes_in;
  o["publishes"] = i.publishes;
  o["created_at"] = iso_time(i.created);
  return o;
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

asio::awaitable<Response> handle_api(ServerContext& ctx, const Request& req,
                                     const std::vector<std::string>& segments) {
  const auto& cfg = ctx.config.http;
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    co_return make_error(req, bhttp::status::method_not_allowed, "method not allowed", cfg);
  }
  // segments[0] == "api", segments[1] == "v1"
  if (segments.size() == 3 && segments[2] == "streams") {
    json::array list;
    for (auto& s : ctx.registry.list()) {
      // (Kept as a statement of its own: GCC 12 mishandles temporaries around co_await.)
      auto info = co_await info_of(s);
      list.push_back(stream_json(info));
    }
    json::object o;
    o["streams"] = std::move(list);
    co_return json_response(req, cfg, o);
  }
  if (segments.size() == 5 && segments[2] == "streams") {
    auto max = ctx.config.stream.max_name_length;
    if (!media::valid_name(segments[3], max) || !media::valid_name(segments[4], max)) {
      co_return make_error(req, bhttp::status::bad_request, "invalid app or stream name", cfg);
    }
    auto s = ctx.registry.find(segments[3], segments[4]);
    if (!s) co_return make_error(req, bhttp::status::not_found, "stream not found", cfg);
    auto info = co_await info_of(s);
    co_return json_response(req, cfg, stream_json(info));
  }
  if (segments.size() == 3 && segments[2] == "server") {
    json::object o;
    o["version"] = FIRSTMILE_VERSION;
    o["node_id"] = ctx.config.node_id;
    o["uptime"] = seconds_since(ctx.started);
    o["streams"] = ctx.registry.size();
    o["connections"] = ctx.connections.count();
    o["workers"] = ctx.workers.size();
    co_return json_response(req, cfg, o);
  }
  co_return make_error(req, bhttp::status::not_found, "no such API resource", cfg);
}

}  // namespace firstmile::http
