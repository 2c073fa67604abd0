// The control plane's notifications: lifecycle events of publishers and viewers, finished
// segments and recordings, each a signed webhook queued by the dispatcher.
#include <boost/json.hpp>

#include "control/control_config.hpp"
#include "control/control_plane.hpp"
#include "control/event_fields.hpp"

namespace firstmile::control {

namespace json = boost::json;

void ControlPlane::notify(const std::string& event, const std::vector<std::string>& urls,
                          json::object body) {
  std::string id = make_delivery_id();
  body["id"] = id;
  body["time"] = iso_now();
  // Everything but segment events is a client's or a publisher's lifecycle: never crowded out
  // by segment events, and journaled.
  hooks_->notify(event, urls, json::serialize(body), id, event != "on_hls_segment");
}

namespace {
// The fields every client event shares.
json::object client_event(const char* event, const Config& cfg, const media::Stream& stream,
                          const media::ClientInfo& c) {
  auto [ip, port] = split_peer(c.peer);
  return json::object{{"event", event},          {"node_id", cfg.node_id}, {"app", stream.app()},
                      {"stream", stream.name()}, {"protocol", c.protocol}, {"client_ip", ip},
                      {"client_port", port}};
}
}  // namespace

void ControlPlane::publish_stopped(const media::Stream& stream, const media::ClientInfo& c,
                                   const std::string& reason) {
  auto cfg = config();
  if (cfg->get<WebhooksConfig>().on_unpublish.empty()) return;
  auto body = client_event("on_unpublish", *cfg, stream, c);
  body["duration"] = seconds_since(c.started);
  body["bytes_in"] = c.bytes;
  body["reason"] = reason;
  notify("on_unpublish", cfg->get<WebhooksConfig>().on_unpublish, std::move(body));
}

void ControlPlane::play_started(const media::Stream& stream, const media::ClientInfo& c) {
  auto cfg = config();
  // In webhook mode the decision request was the on_play event.
  if (cfg->get<WebhooksConfig>().on_play.empty() ||
      cfg->get<AuthConfig>().play == PlayAuth::Webhook)
    return;
  auto body = client_event("on_play", *cfg, stream, c);
  body["query"] = c.query;
  body["params"] = params_json(c.query);
  notify("on_play", cfg->get<WebhooksConfig>().on_play, std::move(body));
}

void ControlPlane::http_client_started(const media::Stream& stream, const std::string& client,
                                       const std::string& query, const char* protocol) {
  media::ClientInfo c;
  c.protocol = protocol;
  c.peer = client + ":0";
  c.query = query;
  play_started(stream, c);
}

void ControlPlane::play_stopped(const media::Stream& stream, const media::ClientInfo& c,
                                const std::string& reason) {
  auto cfg = config();
  if (cfg->get<WebhooksConfig>().on_stop.empty()) return;
  auto body = client_event("on_stop", *cfg, stream, c);
  body["duration"] = seconds_since(c.started);
  body["bytes_out"] = c.bytes;
  body["reason"] = reason;
  notify("on_stop", cfg->get<WebhooksConfig>().on_stop, std::move(body));
}

void ControlPlane::segment_finished(const SegmentNotice& segment) {
  auto cfg = config();
  if (cfg->get<WebhooksConfig>().on_hls_segment.empty()) return;
  notify("on_hls_segment", cfg->get<WebhooksConfig>().on_hls_segment,
         json::object{{"event", "on_hls_segment"},
                      {"node_id", cfg->node_id},
                      {"app", segment.app},
                      {"stream", segment.stream},
                      {"uri", segment.uri},
                      {"duration", std::round(segment.duration * 1000) / 1000},
                      {"sequence", segment.sequence}});
}

void ControlPlane::recording_finished(const RecordingNotice& r) {
  auto cfg = config();
  if (cfg->get<WebhooksConfig>().on_record_done.empty()) return;
  json::object body{{"event", "on_record_done"},
                    {"node_id", cfg->node_id},
                    {"app", r.app},
                    {"stream", r.stream},
                    {"path", r.path},
                    {"duration", std::round(r.duration * 1000) / 1000},
                    {"size", r.size}};
  if (r.start_ms > 0) body["start_time"] = iso_time(r.start_ms);
  if (!r.error.empty()) body["error"] = r.error;
  if (r.recovered) body["recovered"] = true;
  notify("on_record_done", cfg->get<WebhooksConfig>().on_record_done, std::move(body));
}

}  // namespace firstmile::control
