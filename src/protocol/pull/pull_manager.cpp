#include "protocol/pull/pull_manager.hpp"

namespace firstmile::pull {

PullManager::PullManager(ServerContext& ctx, std::map<std::string, SourceFactory> factories)
    : ctx_(ctx), factories_(std::move(factories)) {}

PullManager::~PullManager() {
  stop();
}

void PullManager::start() {
  ctx_.streams.set_demand_handler(
      [this](const std::string& app, const std::string& stream) { return demand(app, stream); });
  for (const auto& [path, source] : ctx_.config.get<PullConfig>().sources) {
    // The configuration was checked when it was read: a source that cannot be made is a bug.
    if (auto st = add(path, source, "config"); !st)
      throw std::runtime_error("pull.sources: " + path + ": " + st.error().message);
  }
}

Status PullManager::add(const std::string& path, const PullSourceConfig& config,
                        const std::string& origin) {
  if (auto st = check_source(config); !st) return st;
  const auto slash = path.find('/');
  const auto scheme_end = config.url.find("://");
  if (slash == std::string::npos || scheme_end == std::string::npos) return fail("bad source");
  auto factory = factories_.find(config.url.substr(0, scheme_end));
  if (factory == factories_.end())
    return fail("no protocol pulls ", config.url.substr(0, scheme_end));
  auto source = factory->second(path.substr(0, slash), path.substr(slash + 1), config);
  if (!source) return source.error();
  std::weak_ptr<Source> weak = *source;
  (*source)->set_idle_handler([this, path, weak] {
    if (auto s = weak.lock()) deactivate(path, s.get());
  });
  std::lock_guard lock(mutex_);
  if (running_.count(path)) return fail(path, " is already pulled");
  if (running_.size() >= kMaxPullSources)
    return fail("already ", kMaxPullSources, " sources (the most the server pulls)");
  Running& r = running_[path];
  r.source = *source;
  r.origin = origin;
  r.on_demand = config.on_demand;
  ctx_.log->info("pull source={}{}", r.source->label(), r.on_demand ? " on_demand=true" : "");
  if (!r.on_demand) activate(r);
  return {};
}

void PullManager::activate(Running& r) {
  const auto& cfg = ctx_.config.get<PullConfig>();
  publish::BackoffConfig backoff;
  backoff.initial = cfg.retry_initial;
  backoff.max = cfg.retry_max;
  r.supervisor = std::make_shared<publish::SourceSupervisor>(ctx_.workers.next().get_executor(),
                                                             r.source, backoff, ctx_.log);
  r.supervisor->start();
}

bool PullManager::demand(const std::string& app, const std::string& stream) {
  std::lock_guard lock(mutex_);
  auto it = running_.find(app + "/" + stream);
  if (it == running_.end() || !it->second.on_demand) return false;
  it->second.source->demanded();
  if (!it->second.supervisor) {
    ctx_.log->info("pull on demand source={}", it->second.source->label());
    activate(it->second);
  }
  return true;
}

void PullManager::deactivate(const std::string& path, const Source* source) {
  std::shared_ptr<publish::SourceSupervisor> supervisor;
  {
    std::lock_guard lock(mutex_);
    auto it = running_.find(path);
    if (it == running_.end() || it->second.source.get() != source) return;
    supervisor = std::move(it->second.supervisor);
  }
  if (supervisor) supervisor->stop();
}

void PullManager::stop() {
  // No demand call is in progress once this returns.
  ctx_.streams.set_demand_handler({});
  std::map<std::string, Running> running;
  {
    std::lock_guard lock(mutex_);
    running.swap(running_);
  }
  for (auto& [path, r] : running) {
    if (r.supervisor) r.supervisor->stop();
  }
}

SourceStatus PullManager::status_of(const Running& r) const {
  auto s = r.source->status();
  s.origin = r.origin;
  s.on_demand = r.on_demand;
  if (r.on_demand && !r.supervisor) s.state = "idle";
  return s;
}

std::vector<SourceStatus> PullManager::list() const {
  std::vector<Running> running;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [path, r] : running_)
      running.push_back(r);
  }
  std::vector<SourceStatus> out;
  for (const auto& r : running)
    out.push_back(status_of(r));
  return out;
}

std::optional<SourceStatus> PullManager::find(const std::string& path) const {
  Running r;
  {
    std::lock_guard lock(mutex_);
    auto it = running_.find(path);
    if (it == running_.end()) return std::nullopt;
    r = it->second;
  }
  return status_of(r);
}

bool PullManager::exists(const std::string& path) const {
  std::lock_guard lock(mutex_);
  return running_.count(path) > 0;
}

bool PullManager::remove(const std::string& path) {
  Running r;
  {
    std::lock_guard lock(mutex_);
    auto it = running_.find(path);
    if (it == running_.end()) return false;
    r = std::move(it->second);
    running_.erase(it);
  }
  ctx_.log->info("pull removed source={}", r.source->label());
  if (r.supervisor) r.supervisor->stop();
  return true;
}

}  // namespace firstmile::pull
