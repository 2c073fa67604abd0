// GET /metrics: the Prometheus text format. Gauges come from the streams' current state (each
// read on its own executor); counters add what departed clients and removed streams left
// behind, so they never go down.
#include <boost/asio/use_awaitable.hpp>

#include "control/control_plane.hpp"
#include "control/metrics.hpp"
#include "media/stream.hpp"
#include "output/hls/hls_output.hpp"
#include "protocol/http/handlers.hpp"
#include "protocol/http/http_config.hpp"

namespace firstmile::http {

namespace {

// SRT link statistics. Gauges are per stream (the publisher's link; players summed), never per
// connection, so the series stay as many as the streams. Counters are by role only and add the
// connections that left, so they never go down.
void write_srt_metrics(control::MetricsWriter& out, const std::vector<media::StreamInfo>& infos,
                       const media::StreamTotals& totals) {
  for (const auto& i : infos) {
    if (i.clients.empty() || !i.clients.front().publisher || !i.clients.front().link ||
        i.clients.front().protocol != "srt")
      continue;
    const auto& l = *i.clients.front().link;
    control::Labels labels{{"app", i.app}, {"stream", i.name}};
    out.gauge("firstmile_srt_rtt_seconds", "Round-trip time of the SRT publisher's link.",
              l.rtt_ms / 1000, labels);
    // Prometheus base units: bytes per second.
    out.gauge("firstmile_srt_bandwidth_bytes_per_second",
              "Link capacity libsrt estimates for the SRT publisher.", l.bandwidth_mbps * 125000,
              labels);
    out.gauge("firstmile_srt_receive_rate_bytes_per_second",
              "Current receive rate from the SRT publisher.", l.receive_rate_mbps * 125000, labels);
  }
  for (const char* role : {"publisher", "player"}) {
    auto it = totals.links.find(media::link_key("srt", role));
    media::LinkTotals t = it == totals.links.end() ? media::LinkTotals{} : it->second;
    control::Labels labels{{"role", role}};
    out.counter("firstmile_srt_packets_lost_total",
                "SRT packets lost (publishers: received; players: sent).",
                static_cast<double>(t.lost), labels);
    out.counter("firstmile_srt_packets_retransmitted_total",
                "SRT packets retransmitted (publishers: received; players: sent).",
                static_cast<double>(t.retransmitted), labels);
    out.counter("firstmile_srt_packets_dropped_total",
                "SRT packets dropped as too late to play or to send.",
                static_cast<double>(t.dropped), labels);
  }
}

// RTP link statistics (RTSP publishers and pulled cameras): counters by protocol and role.
void write_rtp_metrics(control::MetricsWriter& out, const media::StreamTotals& totals) {
  auto it = totals.links.find(media::link_key("rtsp", "publisher"));
  const media::LinkTotals t = it == totals.links.end() ? media::LinkTotals{} : it->second;
  const control::Labels labels{{"protocol", "rtsp"}, {"role", "publisher"}};
  out.counter("firstmile_rtp_packets_lost_total",
              "RTP packets lost on the way from RTSP publishers and pulled cameras (sequence "
              "gaps; video resumes at the next keyframe).",
              static_cast<double>(t.lost), labels);
  out.counter("firstmile_rtp_packets_dropped_total",
              "RTP packets over UDP that came after their place was given up, or twice.",
              static_cast<double>(t.dropped), labels);
}

}  // namespace

asio::awaitable<Response> handle_metrics(HttpContext& ctx, const Request& req) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  if (!ctx.control.config()->get<MetricsConfig>().enabled)
    co_return make_error(req, bhttp::status::not_found, "metrics are disabled", cfg);

  // Totals of removed streams first: a stream removed meanwhile is then counted at most twice
  // for one scrape, never missed (a dip would read as a counter reset).
  auto totals = ctx.registry.removed_totals();
  auto infos = co_await all_stream_info(ctx);

  // Every protocol the server's modules publish or serve is listed, even at zero.
  std::map<std::string, double> publishers, viewers;
  for (const auto& p : ctx.protocols.publishers)
    publishers[p] = 0;
  for (const auto& v : ctx.protocols.viewers)
    viewers[v.protocol] = 0;
  double live = 0;
  for (const auto& i : infos) {
    if (i.live) ++live;
    if (i.publisher) ++publishers[i.publisher->protocol];
    for (const auto& [protocol, n] : ctx.protocols.viewer_counts(i.viewers))
      viewers[protocol] += static_cast<double>(n);
    totals.bytes_in += i.totals.bytes_in;
    for (const auto& [protocol, n] : i.totals.bytes_out)
      totals.bytes_out[protocol] += n;
    totals.dropped += i.totals.dropped;
    totals.skips += i.totals.skips;
    totals.slow_disconnects += i.totals.slow_disconnects;
    for (const auto& [role, t] : i.totals.links)
      totals.links[role].add(t);
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
    out.gauge("firstmile_viewers", "Viewers by protocol (HLS, DASH: distinct recent addresses).", n,
              {{"protocol", protocol}});
  out.gauge("firstmile_connections", "Open connections, all protocols.",
            static_cast<double>(ctx.connections.count()));
  out.gauge("firstmile_viewer_connections",
            "Open connections counted in the viewers' share (HTTP, RTMP and SRT players).",
            static_cast<double>(ctx.connections.viewers()));
  for (const auto& [protocol, n] : ctx.faults.counts()) {
    out.counter("firstmile_session_faults_total",
                "Sessions ended by an internal error caught at the protocol's boundary.",
                static_cast<double>(n), {{"protocol", protocol}});
  }
  out.counter("firstmile_connections_refused_total",
              "Connections refused at a connection limit (limits.*).",
              static_cast<double>(ctx.connections.refused()));
  out.counter("firstmile_bytes_in_total", "Media payload bytes received from publishers.",
              static_cast<double>(totals.bytes_in));
  for (const auto& [protocol, n] : viewers) {
    auto it = totals.bytes_out.find(protocol);
    out.counter("firstmile_bytes_out_total",
                "Bytes sent to viewers by protocol (HLS, DASH: segment bodies).",
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
  write_srt_metrics(out, infos, totals);
  write_rtp_metrics(out, totals);
  if (ctx.pulls) {
    // Per pulled source: up (1 live, 0 connecting or retrying) and its attempts.
    for (const auto& p : ctx.pulls->list()) {
      const control::Labels labels{{"app", p.app}, {"stream", p.stream}};
      out.gauge("firstmile_pull_up", "Pulled sources (pull.sources, the API): 1 while live.",
                p.state == "live" ? 1 : 0, labels);
      out.counter("firstmile_pull_attempts_total",
                  "Connection attempts of a pulled source (reconnections included).",
                  static_cast<double>(p.attempts), labels);
    }
  }
  if (ctx.uploader) {
    const auto s = ctx.uploader->stats();
    out.counter("firstmile_s3_uploads_total", "Objects stored in the object store (s3).",
                static_cast<double>(s.uploaded));
    out.counter("firstmile_s3_deletes_total",
                "Objects deleted from the object store (segments past s3.retention).",
                static_cast<double>(s.deleted));
    out.counter("firstmile_s3_failed_attempts_total",
                "Requests to the object store that failed and will be tried again.",
                static_cast<double>(s.failed_attempts));
    out.counter("firstmile_s3_dropped_total",
                "Objects the store refused for good, or that found no room in the queue.",
                static_cast<double>(s.rejected + s.refused));
    out.gauge("firstmile_s3_queued_objects", "Objects waiting for the object store.",
              static_cast<double>(s.queued));
    out.gauge("firstmile_s3_spool_bytes", "Bytes spooled to s3.spool_dir while the store fails.",
              static_cast<double>(s.spool_bytes));
    out.gauge("firstmile_s3_up", "1 while the object store takes uploads.",
              s.failing || !s.check_error.empty() ? 0 : 1);
  }
  for (const auto& i : infos) {
    // Per stream instance (it starts at 0 with the stream), LL-HLS outputs only: a part longer
    // than PART-TARGET breaks RFC 8216bis 4.4.4.9 and tells of irregular publisher timestamps.
    auto stream = ctx.registry.find(i.app, i.name);
    auto hls_output = stream ? stream->output_as<hls::HlsOutput>("hls") : nullptr;
    const auto* segmenter = hls_output ? hls_output->segmenter().get() : nullptr;
    if (!segmenter) continue;
    // A publisher that sends no keyframe for too long, or too many bytes between them.
    const auto stats = segmenter->stats();
    constexpr std::string_view kForcedHelp =
        "HLS segments cut without a keyframe, by why (hls.max_segment_duration or "
        "hls.max_segment_bytes).";
    out.counter("firstmile_hls_forced_cuts_total", kForcedHelp,
                static_cast<double>(stats.forced_cuts - stats.size_cuts),
                {{"app", i.app}, {"stream", i.name}, {"reason", "duration"}});
    out.counter("firstmile_hls_forced_cuts_total", kForcedHelp,
                static_cast<double>(stats.size_cuts),
                {{"app", i.app}, {"stream", i.name}, {"reason", "size"}});
    if (segmenter->variant() != hls::HlsVariant::LowLatency) continue;
    out.counter("firstmile_hls_parts_over_target_total",
                "LL-HLS parts longer than the part target (irregular frame timing).",
                static_cast<double>(stats.parts_over_target), {{"app", i.app}, {"stream", i.name}});
  }
  ctx.control.write_metrics(out);

  auto res = make_response(req, bhttp::status::ok,
                           std::string(control::MetricsWriter::kContentType), out.take(), cfg);
  res.set(bhttp::field::cache_control, "no-cache");
  co_return res;
}

}  // namespace firstmile::http
