#pragma once
// What every pulled source (an RTSP camera, an RTMP or SRT relay) keeps besides its protocol:
// the state the API and /metrics show, the attempt count, and on demand, when a viewer last
// wanted the stream. A protocol's source derives from it and runs its attempts.
#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"
#include "protocol/pull/pull_config.hpp"
#include "protocol/pull/pull_manager.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::pull {

// What every pulled source is told, whatever its protocol.
struct SourceOptions {
  std::string app;
  std::string stream;
  std::string url;
  Duration read_timeout{10000};  // no media this long ends an attempt
  bool on_demand = false;
  Duration close_after{10000};  // on demand: how long it goes on with nobody watching
};
// The options of `source` published as `app/stream`, with pull.* timing from `config`.
SourceOptions source_options(const std::string& app, const std::string& stream,
                             const PullSourceConfig& source, const PullConfig& config);

class SourceBase : public Source {
 public:
  std::string label() const override;  // "app/stream <- url"
  SourceStatus status() const override;
  void demanded() override { wanted(); }
  void set_idle_handler(std::function<void()> idle) override { idle_ = std::move(idle); }

  const SourceOptions& options() const { return options_; }
  void set_state(const std::string& state, const std::string& error, const std::string& transport);

  // The stream an attempt publishes, claimed as any publisher claims it (no admission: the
  // operator configured the source), on `executor` when it is new; its name is public.
  Result<std::shared_ptr<media::Stream>> claim_stream(ServerContext& ctx,
                                                      const boost::asio::any_io_executor& executor);

  // What a live attempt checks about every 250 ms, on the stream's executor: silence since
  // `last_media` for read_timeout, and on demand (once a second, `last_viewer_check`) nobody
  // watching for close_after (then `idle` is set). Why the attempt should end, if it should.
  std::optional<std::string> should_end(std::chrono::steady_clock::time_point last_media,
                                        const media::Stream& stream,
                                        std::chrono::steady_clock::time_point& last_viewer_check,
                                        bool& idle);

 protected:
  // `safe_url`: the URL without its secrets, for logs and the API.
  SourceBase(SourceOptions options, std::string safe_url);

  // The start of an attempt: counts it; false when an on-demand source nobody wants any more
  // went idle instead (the attempt returns at once).
  bool begin_attempt();
  // The end of an attempt: idle (the manager stops the supervisor) or retrying, with why.
  void end_attempt(const Status& st, bool went_idle);

 private:
  // On demand: false once nobody has watched `stream` for close_after.
  bool still_watched(const media::Stream& stream);
  void wanted();
  bool unwanted() const;
  void go_idle();

  const SourceOptions options_;
  const std::string safe_url_;
  // On demand: when a viewer last asked for the stream or watched it (steady clock, ms).
  std::atomic<int64_t> wanted_at_ms_{0};
  std::function<void()> idle_;
  mutable std::mutex mutex_;
  SourceStatus status_;
};

}  // namespace firstmile::pull
