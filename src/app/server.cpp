#include "app/server.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <future>
#include <thread>

#include "output/hls/disk_writer.hpp"
#include "output/hls/hls_output.hpp"
#include "output/hls/segmenter.hpp"
#include "protocol/http/http_server.hpp"
#include "protocol/rtmp/rtmp_server.hpp"

namespace firstmile {

namespace {
// A short token unique to this stream instance (milliseconds since the epoch, base 36), for
// segment names that are never reused.
std::string instance_prefix(uint64_t serial) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
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

Server::Server(Config config) : config_(std::move(config)) {
  log_ = make_logger(config_.log);
  size_t n = config_.workers ? config_.workers : std::max(1u, std::thread::hardware_concurrency());
  workers_ = std::make_unique<WorkerPool>(n);
  connections_ = std::make_unique<ConnectionLimiter>(config_.limits.max_connections);

  auto setup = [this](media::Stream& stream) {
    if (!config_.hls.enabled) return;
    hls::HlsConfig hc;
    hc.segment_duration = config_.hls.segment_duration;
    hc.window = config_.hls.window;
    hc.keep_extra = config_.hls.keep_extra;
    hc.max_segment_duration = config_.hls.max_segment_duration;
    hc.name_prefix = instance_prefix(streams_created_++);
    auto segmenter = std::make_shared<hls::HlsSegmenter>(hc);
    if (!config_.hls.dir.empty()) {
      auto writer = hls::HlsDiskWriter::create(hls::HlsDiskConfig{
          .directory = config_.hls.dir, .app = stream.app(), .stream = stream.name()});
      if (writer) {
        std::shared_ptr<hls::HlsDiskWriter> w = std::move(*writer);
        segmenter->on_snapshot = [w](const std::shared_ptr<const hls::HlsSnapshot>& snap) {
          w->submit(snap);
        };
      } else {
        log_->error("hls disk copy disabled stream={} error=\"{}\"", stream.path(),
                    writer.error().message);
      }
    }
    stream.set_hls(segmenter);
    stream.add_sink(std::make_shared<hls::HlsOutput>(segmenter));
  };
  registry_ = std::make_unique<media::StreamRegistry>(config_, log_, setup);
  ctx_ = std::make_unique<ServerContext>(
      ServerContext{config_, log_, *workers_, *registry_, *connections_});
  if (config_.http.enabled) http_ = std::make_unique<http::HttpServer>(*ctx_);
  if (config_.rtmp.enabled) rtmp_ = std::make_unique<rtmp::RtmpServer>(*ctx_);
}

Server::~Server() = default;

int Server::run() {
  log_->info("firstmile starting version={} node={} workers={}", FIRSTMILE_VERSION, config_.node_id,
             workers_->size());
  if (rtmp_) rtmp_->start();
  if (http_) http_->start();

  std::promise<void> done;
  asio::signal_set signals(workers_->at(0), SIGINT, SIGTERM);
  asio::steady_timer grace(workers_->at(0));
  signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    log_->info("shutting down signal={}", signo);
    shutdown();
    grace.expires_after(kShutdownGrace);
    grace.async_wait([&](boost::system::error_code) { done.set_value(); });
  });
  ::signal(SIGPIPE, SIG_IGN);
  workers_->start();
  done.get_future().wait();
  workers_->stop_now();
  log_->info("stopped");
  log_->flush();
  return 0;
}

void Server::shutdown() {
  // Stage 1: stop accepting. Stage 2: each stream ends its outputs on its own worker (HLS
  // playlists get ENDLIST) and closes its sessions. Stage 3 (run()): after the grace period
  // the workers stop, whatever is left.
  if (rtmp_) rtmp_->stop();
  if (http_) http_->stop();
  for (auto& s : registry_->list()) {
    asio::post(s->executor(), [s] { s->shutdown(); });
  }
}

}  // namespace firstmile
