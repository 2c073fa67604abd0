// GET /metrics: the Prometheus text format. Gauges come from the streams' current state (each
// read on its own executor); counters add what departed clients and removed streams left
// behind, so they never go down.
#include <boost/asio/use_awaitable.hpp>

#include "control/control_plane.hpp"
#include "control/metrics.hpp"
#include "protocol/http/handlers.hpp"

namespace firstmile::http {

asio::awaitable<Response> handle_metrics(ServerContext& ctx, const Request& req,
                                         const std::string& client) {
  const auto& cfg = ctx.config.http;
  if (auto denied = check_api_access(ctx, req, client)) co_return std::move(*denied);
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head)
    co_return make_error(req, bhttp::status::method_not_allowed, "method not allowed", cfg);
  if (!ctx.control.config()->metrics.enabled)
    co_return make_error(req, bhttp::status::not_found, "metrics are disabled", cfg);

  // Totals of removed streams first: a stream removed meanwhile is then counted at most twice
  // for one scrape, never missed (a dip would read as a counter reset).
  auto totals = ctx.registry.removed_totals();
  auto infos = co_await all_stream_info(ctx);

  std::map<std::string, double> publishers{{"rtmp", 0}, {"srt", 0}};
  std::map<std::string, double> viewers{{"rtmp", 0}, {"flv", 0}, {"hls", 0}};
  double live = 0;
  for (const auto& i : infos) {
    if (i.live) ++live;
    if (i.publisher) ++publishers[i.publisher->protocol];
    for (const auto& [format, n] : i.viewers)
      viewers[format] += static_cast<double>(n);
    totals.bytes_in += i.totals.bytes_in;
    for (const auto& [protocol, n] : i.totals.bytes_out)
      totals.bytes_out[protocol] += n;
    totals.dropped += i.totals.dropped;
    totals.skips += i.totals.skips;
    totals.slow_disconnects += i.totals.slow_disconnects;
  }

  control::MetricsWriter out;
  out.gauge("firstmile_build_info", "Version of the running server.", 1,
            {{"version", FIRSTMILE_VERSION}});
  out.gauge("firstmile_uptime_seconds", "Seconds since the server started.",
            std::chrono::duration<double>(std::chrono::system_clock::now() - ctx.started).count());
  out.gauge("firstmile_streams", "Streams known to the server (live or lingering).",
            static_cast<double>(infos.size()));
  out.gauge("firstmile_streams_live", "Streams with a publisher and tracks.", live);
  for (const auto& [protocol, n] : publishers)
    out.gauge("firstmile_publishers", "Connected publishers by protocol.", n,
              {{"protocol", protocol}});
  for (const auto& [protocol, n] : viewers)
    out.gauge("firstmile_viewers", "Viewers by protocol (HLS: distinct recent addresses).", n,
              {{"protocol", protocol}});
  out.gauge("firstmile_connections", "Open connections, all protocols.",
            static_cast<double>(ctx.connections.count()));
  out.counter("firstmile_connections_refused_total",
              "Connections refused at limits.max_connections.",
              static_cast<double>(ctx.connections.refused()));
  out.counter("firstmile_bytes_in_total", "Media payload bytes received from publishers.",
              static_cast<double>(totals.bytes_in));
  for (const char* protocol : {"rtmp", "flv", "hls"}) {
    auto it = totals.bytes_out.find(protocol);
    out.counter("firstmile_bytes_out_total",
                "Bytes sent to viewers by protocol (HLS: segment bodies).",
                it == totals.bytes_out.end() ? 0 : static_cast<double>(it->second),
                {{"protocol", protocol}});
  }
  out.counter("firstmile_viewer_frames_dropped_total",
              "Packets dropped for viewers that fell behind.", static_cast<double>(totals.dropped));
  out.counter("firstmile_viewer_skips_total", "Slow viewers skipped to the next keyframe.",
              static_cast<double>(totals.skips));
  out.counter("firstmile_slow_viewers_disconnected_total",
              "Viewers disconnected for staying too slow.",
              static_cast<double>(totals.slow_disconnects));
  ctx.control.write_metrics(out);

  auto res = make_response(req, bhttp::status::ok,
                           std::string(control::MetricsWriter::kContentType), out.take(), cfg);
  res.set(bhttp::field::cache_control, "no-cache");
  co_return res;
}

}  // namespace firstmile::http
