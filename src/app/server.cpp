#include "app/server.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <future>
#include <thread>

#include "app/modules.hpp"
#include "control/control_plane.hpp"
#include "core/clock.hpp"
#include "output/dash/dash_config.hpp"
#include "output/dash/dash_segmenter.hpp"
#include "output/hls/disk_writer.hpp"
#include "output/hls/hls_config.hpp"
#include "output/hls/hls_output.hpp"
#include "output/hls/segmenter.hpp"
#include "output/http_clients.hpp"
#include "output/record/record_config.hpp"
#include "output/record/recorder.hpp"
#include "protocol/http/http_context.hpp"
#include "storage/hls_mirror.hpp"
#include "storage/object_uploader.hpp"
#include "storage/s3_config.hpp"

namespace firstmile {

namespace {
// A short token unique to this stream instance (milliseconds since the epoch, base 36), for
// segment names that are never reused.
std::string instance_prefix(uint64_t serial) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  const int64_t ms = unix_ms();
  // The serial tells apart streams created in the same millisecond.
  uint64_t v = static_cast<uint64_t>(ms) * 64 + serial % 64;
  std::string out;
  while (v > 0) {
    out.insert(out.begin(), kDigits[v % 36]);
    v /= 36;
  }
  return out + "-";
}

// How long the shutdown waits for outputs to flush (ENDLIST, last writes) before it forces.
constexpr auto kShutdownGrace = std::chrono::milliseconds(1500);
}  // namespace

Server::Server(Config config, std::string config_path)
    : config_(std::move(config)), config_path_(std::move(config_path)) {
  log_ = make_logger(config_.log);
  control_ = std::make_unique<control::ControlPlane>(std::make_shared<const Config>(config_), log_);
  size_t n = config_.workers ? config_.workers : std::max(1u, std::thread::hardware_concurrency());
  workers_ = std::make_unique<WorkerPool>(n);
  connections_ = std::make_unique<ConnectionLimiter>(config_.limits.max_connections,
                                                     config_.limits.max_connections_per_ip,
                                                     config_.limits.reserved_for_publishers);

  if (const auto& s3 = config_.get<S3Settings>(); s3.enabled) {
    // The section's checks (at load) made sure the location and the credentials are there.
    auto where = storage::make_location(s3.endpoint, s3.bucket, s3.region, s3.path_style);
    auto credentials = storage::resolve_credentials(s3);
    if (!where || !credentials) throw std::runtime_error("s3: invalid settings");
    auto tls = where->tls ? control::make_client_tls_context() : nullptr;
    uploader_ = std::make_shared<storage::ObjectUploader>(
        storage::UploaderConfig{.concurrency = s3.concurrency,
                                .memory_max = s3.memory_max,
                                .spool_dir = s3.spool_dir,
                                .spool_max = s3.spool_max,
                                .name = "s3"},
        [where = *where, credentials = *credentials, tls, timeout = s3.timeout,
         part_size = s3.part_size](asio::any_io_executor executor) {
          return std::make_shared<storage::S3Store>(
              std::make_unique<storage::S3Client>(where, credentials, executor, tls, timeout),
              part_size);
        },
        log_);
  }

  if (const auto& rec = config_.get<RecordSettings>(); rec.enabled) {
    // Two threads: a recording being finished (a whole file rewritten) does not hold up the
    // others' fragments.
    recordings_ = std::make_shared<record::DiskQueue>(2, rec.max_queue);
  }

  auto setup = [this](media::Stream& stream) {
    const auto& hls_settings = config_.get<HlsSettings>();
    if (const auto& rec = config_.get<RecordSettings>(); recordings_ && rec.records(stream.app())) {
      stream.add_output(
          "record",
          std::make_shared<record::Recorder>(
              record::RecorderConfig{
                  .app = stream.app(),
                  .stream = stream.name(),
                  .path_template = rec.path,
                  .fragment = rec.fragment,
                  .max_duration = rec.max_duration,
                  .on_done = [this](const record::RecordingDone& d) { recording_done(d); },
                  .log = log_},
              recordings_));
    }
    if (const auto& dash_settings = config_.get<DashSettings>(); dash_settings.enabled) {
      stream.add_output("dash",
                        std::make_shared<dash::DashSegmenter>(dash::segmenter_config(
                            dash_settings, hls_settings, instance_prefix(streams_created_++))));
    }
    if (!hls_settings.enabled) return;
    auto hc =
        hls::segmenter_config(hls_settings, stream.app(), instance_prefix(streams_created_++));
    auto segmenter = std::make_shared<hls::HlsSegmenter>(hc);
    if (!hls_settings.dir.empty()) {
      auto writer = hls::HlsDiskWriter::create(hls::HlsDiskConfig{
          .directory = hls_settings.dir,
          .app = stream.app(),
          .stream = stream.name(),
          // A stream that ends takes its files along; at shutdown they stay, with their
          // ENDLIST, for whatever serves them (the next start removes them).
          .remove_at_end = [stopping = stopping_] { return !stopping->load(); }});
      if (writer) {
        segmenter->add_store(std::shared_ptr<hls::HlsDiskWriter>(std::move(*writer)));
      } else {
        log_->error("hls disk copy disabled stream={} error=\"{}\"", stream.log_label(),
                    writer.error().message);
      }
    }
    if (const auto& s3 = config_.get<S3Settings>(); uploader_ && s3.hls) {
      if (auto prefix = storage::expand_prefix(s3.prefix, stream.app(), stream.name())) {
        segmenter->add_store(std::make_shared<storage::HlsMirror>(
            uploader_,
            storage::HlsMirrorConfig{.key_prefix = *prefix,
                                     .retention = s3.retention,
                                     // As the HTTP server says it: about half a segment.
                                     .playlist_max_age = std::max(
                                         1, static_cast<int>(hls_settings.segment_duration / 2))}));
      } else {
        log_->error("s3 upload disabled stream={} error=\"{}\"", stream.log_label(),
                    prefix.error().message);
      }
    }
    // on_hls_segment: each segment once, when it first appears in a snapshot.
    segmenter->on_snapshot = [control = control_.get(), app = stream.app(), name = stream.name(),
                              last = std::optional<uint64_t>()](
                                 const std::shared_ptr<const hls::HlsSnapshot>& snap) mutable {
      for (const auto& seg : snap->segments) {
        if (last && seg.sequence <= *last) continue;
        last = seg.sequence;
        control->segment_finished(
            control::SegmentNotice{app, name, seg.name, seg.sequence, seg.duration});
      }
    };
    stream.add_output("hls", std::make_shared<hls::HlsOutput>(
                                 segmenter, output::HttpClients::window_for(hc.segment_duration)));
  };
  registry_ = std::make_unique<media::StreamRegistry>(config_, log_, setup, control_.get());
  ctx_ = std::make_unique<ServerContext>(
      ServerContext{config_, log_, *workers_, *registry_, *connections_, *control_, faults_});
  http_ctx_ = std::make_unique<http::HttpContext>(
      http::HttpContext{*ctx_, *control_, *registry_, [this] { return reload(); }, config_schema(),
                        protocol_catalog()});
  http_ctx_->uploader = uploader_.get();
  endpoints_ = make_endpoints(config_, *ctx_, *http_ctx_);
}

Server::~Server() {
  // Endpoints go in reverse order of start.
  while (!endpoints_.empty())
    endpoints_.pop_back();
}

int Server::run() {
  log_->info("firstmile starting version={} node={} workers={}", FIRSTMILE_VERSION, config_.node_id,
             workers_->size());
  if (auto st = control_->start(); !st) throw std::runtime_error(st.error().message);
  if (const auto& dir = config_.get<HlsSettings>().dir; !dir.empty()) {
    // What an earlier run left in the disk copy's directory (a crash, half-written .tmp files):
    // no stream of this run lists it.
    if (auto removed = hls::remove_hls_leftovers(dir); removed > 0)
      log_->info("hls disk copy cleaned dir={} files_removed={}", dir, removed);
  }
  if (uploader_) uploader_->start();
  if (recordings_) {
    // What a crash left fragmented is finished on the disk threads; the list is made now,
    // before any new recording starts, so none of this run's files is in it.
    auto leftovers =
        record::list_recordings(record::recordings_root(config_.get<RecordSettings>().path), log_);
    asio::post(recordings_->make_strand(), [this, leftovers = std::move(leftovers)] {
      for (const auto& path : leftovers)
        record::finish_leftover(path, log_, [this](const auto& d) { recording_done(d); });
    });
  }
  for (auto& e : endpoints_)
    e->start();

  std::promise<void> done;
  asio::signal_set signals(workers_->at(0), SIGINT, SIGTERM);
  asio::signal_set hup(workers_->at(0), SIGHUP);
  asio::steady_timer grace(workers_->at(0));
  signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    log_->info("shutting down signal={}", signo);
    hup.cancel();
    shutdown();
    grace.expires_after(kShutdownGrace);
    grace.async_wait([&](boost::system::error_code) { done.set_value(); });
  });
  // SIGHUP reloads; the work (file reads) runs on the control thread, not a media worker.
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      // The outcome is logged by reload() itself.
      asio::post(control_->executor(), [this] { (void)reload(); });
      wait_hup();
    });
  };
  wait_hup();
  ::signal(SIGPIPE, SIG_IGN);
  workers_->start();
  done.get_future().wait();
  workers_->stop_now();
  // The streams' recorders were destroyed with the workers' handlers: their files are
  // finished (moov first) before the process ends.
  if (recordings_) recordings_->join();
  // What the streams' last snapshots queued gets a moment; the rest waits in the spool.
  if (uploader_) uploader_->stop(Duration(2000));
  control_->stop();
  log_->info("stopped");
  log_->flush();
  return 0;
}

void Server::recording_done(const record::RecordingDone& d) {
  control_->recording_finished(control::RecordingNotice{
      d.app, d.stream, d.path.string(), d.start_ms, d.duration, d.size, d.error, d.recovered});
}

Result<control::ReloadReport> Server::reload() {
  std::lock_guard lock(reload_mutex_);
  Config next;
  try {
    if (!config_path_.empty()) next = load_config_file(config_path_, config_schema());
  } catch (const ConfigError& e) {
    control_->count_reload(false);
    log_->error("reload refused, keeping the running configuration error=\"{}\"", e.what());
    return fail(e.what());
  }
  if (next.node_id.empty()) next.node_id = config_.node_id;
  auto current = control_->config();
  // What applies live; everything else (listeners, workers, HLS, fan-out) needs a restart.
  static constexpr std::string_view kLive[] = {
      "auth.", "webhooks.", "api.", "metrics.", "limits.", "stream.max_streams", "log.level"};
  control::ReloadReport report;
  for (const auto& key : changed_keys(config_, next, config_schema())) {
    // (The notification journal is opened once, at start.)
    bool live = std::any_of(std::begin(kLive), std::end(kLive),
                            [&](std::string_view p) { return key.rfind(p, 0) == 0; }) &&
                key.rfind("webhooks.journal", 0) != 0;
    if (!live) report.restart_needed.push_back(key);
  }
  auto shared = std::make_shared<const Config>(next);
  if (auto st = control_->apply(shared); !st) {
    control_->count_reload(false);
    log_->error("reload refused, keeping the running configuration error=\"{}\"",
                st.error().message);
    return st.error();
  }
  connections_->set_max(next.limits.max_connections);
  connections_->set_max_per_address(next.limits.max_connections_per_ip);
  connections_->set_reserved(next.limits.reserved_for_publishers);
  registry_->set_max_streams(next.stream.max_streams);
  if (auto level = spdlog::level::from_str(next.log.level);
      next.log.level == "off" || level != spdlog::level::off) {
    log_->set_level(level);
  }
  control_->count_reload(true);
  report.config_hash = control::config_hash(*shared, config_schema());
  auto changed = changed_keys(*current, next, config_schema());
  std::string list;
  for (const auto& k : changed)
    list += (list.empty() ? "" : ",") + k;
  std::string restart;
  for (const auto& k : report.restart_needed)
    restart += (restart.empty() ? "" : ",") + k;
  log_->info("configuration reloaded changed=\"{}\" restart_needed=\"{}\" hash={}", list, restart,
             report.config_hash.substr(0, 12));
  return report;
}

void Server::shutdown() {
  // Stage 1: stop accepting. Stage 2: each stream ends its outputs on its own worker (HLS
  // playlists get ENDLIST) and closes its sessions. Stage 3 (run()): after the grace period
  // the workers stop, whatever is left.
  stopping_->store(true);
  for (auto& e : endpoints_)
    e->stop();
  for (auto& s : registry_->list()) {
    asio::post(s->executor(), [s] { s->shutdown(); });
  }
}

}  // namespace firstmile
