#pragma once
// The publishers the server starts itself (pull.sources): one SourceSupervisor per source,
// which runs the source's attempts and reconnects with back-off and jitter. What a source is
// made of depends on its URL's scheme; each protocol that can pull registers a factory
// (app/modules.cpp), so this module knows no protocol.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "protocol/endpoint.hpp"
#include "protocol/publish/source_supervisor.hpp"
#include "protocol/pull/pull_config.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::pull {

// What the API and /metrics show of one source.
struct SourceStatus {
  std::string app;
  std::string stream;
  std::string url;    // without credentials
  std::string state;  // connecting, live, retrying
  std::string last_error;
  std::string transport;  // as set up ("tcp", "udp"), empty before
  uint64_t attempts = 0;
  std::string origin;  // "config" (pull.sources) or "api" (added through the API)
  bool on_demand = false;
};

// A pulled source as the manager sees it: the supervisor's PulledSource plus its state.
class Source : public publish::PulledSource {
 public:
  virtual SourceStatus status() const = 0;
  // On-demand sources. demanded(): a viewer asked for the stream (it keeps the source wanted).
  // The source calls `idle` (set once, before any attempt) when nobody has watched for
  // pull.close_after; the manager then stops its supervisor until the next demand.
  virtual void demanded() {}
  virtual void set_idle_handler(std::function<void()> idle) {}
};

using SourceFactory = std::function<Result<std::shared_ptr<Source>>(
    const std::string& app, const std::string& stream, const PullSourceConfig& config)>;

class PullManager : public Endpoint {
 public:
  // `factories`: URL scheme ("rtsp") -> how to make its sources.
  PullManager(ServerContext& ctx, std::map<std::string, SourceFactory> factories);
  ~PullManager() override;

  void start() override;
  void stop() override;

  // Any thread. The sources, by app/stream.
  std::vector<SourceStatus> list() const;
  std::optional<SourceStatus> find(const std::string& path) const;
  // Starts pulling `config` into `path` ("app/stream"), until remove() or shutdown; `origin` as
  // in SourceStatus. Refused: a source that does not check (check_source), a name already
  // pulled (exists() then says so), kMaxPullSources reached.
  Status add(const std::string& path, const PullSourceConfig& config, const std::string& origin);
  bool exists(const std::string& path) const;
  // Stops the source's attempt (its publication ends) and forgets it; false when not pulled.
  bool remove(const std::string& path);
  // The StreamDirectory's demand handler: starts an on-demand source of `app/stream` that is
  // not running; true when there is an on-demand source for it.
  bool demand(const std::string& app, const std::string& stream);

 private:
  struct Running {
    std::shared_ptr<Source> source;
    // Null while an on-demand source waits for a viewer.
    std::shared_ptr<publish::SourceSupervisor> supervisor;
    std::string origin;
    bool on_demand = false;
  };
  SourceStatus status_of(const Running& r) const;
  // Makes and starts the source's supervisor (mutex_ held).
  void activate(Running& r);
  // The source said nobody watches: stop its supervisor, keep the source.
  void deactivate(const std::string& path, const Source* source);

  ServerContext& ctx_;
  std::map<std::string, SourceFactory> factories_;
  mutable std::mutex mutex_;
  std::map<std::string, Running> running_;  // "app/stream"
};

}  // namespace firstmile::pull
