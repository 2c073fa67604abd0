#include "protocol/rtsp/pull_source.hpp"

#include <boost/asio/this_coro.hpp>

#include "protocol/rtsp/pull_attempt.hpp"
#include "protocol/rtsp/wire/source_url.hpp"

namespace firstmile::rtsp {

PullSource::PullSource(ServerContext& ctx, std::shared_ptr<UdpPortPool> udp_ports, Options options)
    : ctx_(ctx), udp_ports_(std::move(udp_ports)), options_(std::move(options)) {
  auto url = parse_source_url(options_.url);
  safe_url_ = url ? url->url : "(bad URL)";
  status_.app = options_.app;
  status_.stream = options_.stream;
  status_.url = safe_url_;
  status_.state = "connecting";
}

PullSource::~PullSource() = default;

std::string PullSource::label() const {
  return options_.app + "/" + options_.stream + " <- " + safe_url_;
}

namespace {
int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void PullSource::wanted() {
  wanted_at_ms_.store(steady_ms());
}

void PullSource::demanded() {
  wanted();
}

bool PullSource::unwanted() const {
  return steady_ms() - wanted_at_ms_.load() > options_.close_after.count();
}

pull::SourceStatus PullSource::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void PullSource::set_state(const std::string& state, const std::string& error,
                           const std::string& transport) {
  std::lock_guard lock(mutex_);
  status_.state = state;
  if (!error.empty()) status_.last_error = error;
  if (!transport.empty()) status_.transport = transport;
}

asio::awaitable<Status> PullSource::run_once() {
  {
    std::lock_guard lock(mutex_);
    ++status_.attempts;
  }
  if (options_.on_demand && unwanted()) {
    // Nobody asked for the stream for pull.close_after (the camera was down meanwhile).
    set_state("idle", "", "");
    if (idle_) idle_();
    co_return Status{};
  }
  set_state("connecting", "", "");
  auto url = parse_source_url(options_.url);
  if (!url) {
    set_state("retrying", url.error().message, "");
    co_return url.error();
  }
  const bool use_udp = options_.transport == PullTransport::Udp ||
                       (options_.transport == PullTransport::Auto && !udp_failed_);
  auto executor = co_await asio::this_coro::executor;
  auto attempt = std::make_shared<Attempt>(*this, std::move(*url), use_udp, executor);
  auto task = attempt->run();
  Status st = co_await std::move(task);
  if (use_udp && options_.transport == PullTransport::Auto && attempt->udp_gave_up()) {
    udp_failed_ = true;
    ctx_.log->warn("rtsp pull source={} UDP does not get through: TCP from now on", label());
  }
  if (attempt->went_idle()) {
    set_state("idle", "", "");
    if (idle_) idle_();
    co_return st;
  }
  set_state("retrying", st ? std::string("ended") : st.error().message, "");
  co_return st;
}

}  // namespace firstmile::rtsp
