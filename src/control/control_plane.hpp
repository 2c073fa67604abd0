#pragma once
// The control plane: decides who may publish and play (static keys, signed URLs, webhooks),
// tells the operator's backend what happens (lifecycle webhooks), and counts it all for the
// metrics. It runs its own thread with its own io_context: a slow or dead backend delays the
// one session waiting for a decision, never a media worker (DESIGN.md, "Two planes").
//
// The media plane only calls the entry points below; the awaitable ones may be awaited from
// any executor and resume there.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "control/admission.hpp"
#include "control/control_config.hpp"
#include "control/decision_limiter.hpp"
#include "control/key_store.hpp"
#include "control/metrics.hpp"
#include "control/webhook_dispatcher.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "media/stream.hpp"

namespace firstmile::control {

// What a reload did.
struct ReloadReport {
  std::string config_hash;
  std::vector<std::string> restart_needed;  // changed keys that only a restart applies
};

// SHA-256 of the effective configuration (secrets included), as lowercase hex: tells an
// operator which config a node runs without showing it.
std::string config_hash(const Config& config, const ConfigSchema& schema);

// A media segment an output finished (on_hls_segment).
struct SegmentNotice {
  std::string app, stream;
  std::string uri;  // as the playlist lists it
  uint64_t sequence = 0;
  double duration = 0;  // seconds
};

// A recording file that ended (on_record_done).
struct RecordingNotice {
  std::string app, stream;
  std::string path;
  int64_t start_ms = 0;
  double duration = 0;     // seconds
  uint64_t size = 0;       // bytes
  std::string error;       // empty: finished as a progressive MP4
  bool recovered = false;  // left fragmented by a crash, finished at the next start
};

class ControlPlane : public media::StreamEvents, public Admission {
 public:
  ControlPlane(std::shared_ptr<const Config> config, Logger log);
  ~ControlPlane() override;

  // Reads the keys file (an error fails the start) and starts the control thread.
  Status start();
  // Drops queued notifications and stops the thread. Pending decisions are abandoned.
  void stop();

  // Hot reload: the new auth, webhook and API settings apply to later requests. A bad keys
  // file refuses the whole change and keeps the old settings.
  Status apply(std::shared_ptr<const Config> config);
  std::shared_ptr<const Config> config() const override;
  // The control thread's executor (reloads and other slow control work run there).
  boost::asio::any_io_executor executor() { return ioc_.get_executor(); }

  // Admission.
  boost::asio::awaitable<AccessDecision> authorize_publish(AccessRequest request) override;
  bool static_key_refuses(const std::string& app, const std::string& key) override;
  boost::asio::awaitable<AccessDecision> authorize_play(AccessRequest request) override;
  // auth.play is token: true when the request's signed URL is missing, expired or wrong.
  bool play_token_refuses(const AccessRequest& request) override;
  bool checks_digest(bool publish, const std::string& app) override;
  // HLS and DASH have no connection: a new client address fetching a stream's playlist or
  // segments is reported as on_play (notification mode only).
  void http_client_started(const media::Stream& stream, const std::string& client,
                           const std::string& query, const char* protocol) override;

  // on_hls_segment: each finished segment once.
  void segment_finished(const SegmentNotice& segment);
  // on_record_done: each recording file once, when it is finished (or failed). Any thread.
  void recording_finished(const RecordingNotice& recording);

  // media::StreamEvents (stream executors).
  void publish_stopped(const media::Stream& stream, const media::ClientInfo& publisher,
                       const std::string& reason) override;
  void play_started(const media::Stream& stream, const media::ClientInfo& viewer) override;
  void play_stopped(const media::Stream& stream, const media::ClientInfo& viewer,
                    const std::string& reason) override;

  void count_reload(bool ok);
  uint64_t reloads() const;
  // Its own metric families: auth results, webhooks, reloads.
  void write_metrics(MetricsWriter& out) const;

 private:
  boost::asio::awaitable<AccessDecision> decide_publish(AccessRequest request);
  boost::asio::awaitable<AccessDecision> decide_play(AccessRequest request);
  // A decision may go to the backend (then nullopt, and release_decision() when it is done),
  // or the refusal when too many are in flight or `ip` asks too often.
  std::optional<AccessDecision> limit_decision(const char* kind, const std::string& ip);
  AccessDecision refuse(const char* kind, const char* label, std::string reason,
                        int http_status = 403);
  // Interprets the answers of a decision webhook.
  // max_name: the longest allowed rename; 0 = renames are ignored (players).
  AccessDecision judge(const char* kind, const std::vector<HttpResult>& answers,
                       AccessDecision allow, bool fail_open, size_t max_name);
  // Asks every URL of a decision webhook in order (see WebhookDispatcher::ask); with
  // fail-open an unreachable URL does not stop the ones after it.
  boost::asio::awaitable<std::vector<HttpResult>> ask_all(std::string event,
                                                          std::vector<std::string> urls,
                                                          std::string body, std::string id,
                                                          bool fail_open);
  void notify(const std::string& event, const std::vector<std::string>& urls,
              boost::json::object body);
  void poll_keys();

  Logger log_;
  boost::asio::io_context ioc_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  boost::asio::steady_timer keys_timer_;
  KeyStore keys_;
  std::unique_ptr<WebhookDispatcher> hooks_;

  std::atomic<bool> stopped_{false};
  mutable std::mutex mutex_;
  std::shared_ptr<const Config> config_;

  DecisionLimiter decisions_;
  // Webhook play decisions for HLS clients, by client + stream + query, until their expiry.
  std::mutex play_cache_mutex_;
  std::unordered_map<std::string, std::pair<std::chrono::steady_clock::time_point, bool>>
      play_cache_;

  mutable std::mutex counters_mutex_;
  std::map<std::pair<std::string, std::string>, uint64_t> refusals_;  // (kind, reason)
  std::map<std::string, uint64_t> allowed_;                           // kind
  std::map<std::pair<std::string, std::string>, uint64_t> requests_;  // (event, ok|error)
  uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
  HistogramFamily webhook_seconds_;
};

}  // namespace firstmile::control
