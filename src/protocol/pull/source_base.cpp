#include "protocol/pull/source_base.hpp"

#include <chrono>

#include "media/stream.hpp"

namespace firstmile::pull {

namespace {
int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

SourceOptions source_options(const std::string& app, const std::string& stream,
                             const PullSourceConfig& source, const PullConfig& config) {
  SourceOptions o;
  o.app = app;
  o.stream = stream;
  o.url = source.url;
  o.read_timeout = config.read_timeout;
  o.on_demand = source.on_demand;
  o.close_after = config.close_after;
  return o;
}

SourceBase::SourceBase(SourceOptions options, std::string safe_url)
    : options_(std::move(options)), safe_url_(std::move(safe_url)) {
  status_.app = options_.app;
  status_.stream = options_.stream;
  status_.url = safe_url_;
  status_.state = "connecting";
}

std::string SourceBase::label() const {
  return options_.app + "/" + options_.stream + " <- " + safe_url_;
}

Result<std::shared_ptr<media::Stream>> SourceBase::claim_stream(
    ServerContext& ctx, const boost::asio::any_io_executor& executor) {
  auto stream = ctx.streams.acquire(options_.app, options_.stream, executor, media::Claim::Publish);
  if (!stream) return stream.error();
  (*stream)->mark_name_public();  // the operator's name, not a key
  return std::move(*stream);
}

std::optional<std::string> SourceBase::should_end(
    std::chrono::steady_clock::time_point last_media, const media::Stream& stream,
    std::chrono::steady_clock::time_point& last_viewer_check, bool& idle) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_media > options_.read_timeout) return "no media within pull.read_timeout";
  if (now - last_viewer_check < std::chrono::seconds(1)) return std::nullopt;
  last_viewer_check = now;
  if (still_watched(stream)) return std::nullopt;
  idle = true;
  return "nobody watching for pull.close_after";
}

SourceStatus SourceBase::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void SourceBase::set_state(const std::string& state, const std::string& error,
                           const std::string& transport) {
  std::lock_guard lock(mutex_);
  status_.state = state;
  if (!error.empty()) status_.last_error = error;
  if (!transport.empty()) status_.transport = transport;
}

void SourceBase::wanted() {
  wanted_at_ms_.store(steady_ms());
}

bool SourceBase::unwanted() const {
  return steady_ms() - wanted_at_ms_.load() > options_.close_after.count();
}

bool SourceBase::still_watched(const media::Stream& stream) {
  if (!options_.on_demand) return true;
  size_t viewers = 0;
  for (const auto& [format, n] : stream.info().viewers)
    viewers += n;
  if (viewers > 0) wanted();
  return !unwanted();
}

void SourceBase::go_idle() {
  set_state("idle", "", "");
  if (idle_) idle_();
}

bool SourceBase::begin_attempt() {
  {
    std::lock_guard lock(mutex_);
    ++status_.attempts;
  }
  if (options_.on_demand && unwanted()) {
    // Nobody asked for the stream for pull.close_after (the source was down meanwhile).
    go_idle();
    return false;
  }
  set_state("connecting", "", "");
  return true;
}

void SourceBase::end_attempt(const Status& st, bool went_idle) {
  if (went_idle) {
    go_idle();
    return;
  }
  set_state("retrying", st ? std::string("ended") : st.error().message, "");
}

}  // namespace firstmile::pull
