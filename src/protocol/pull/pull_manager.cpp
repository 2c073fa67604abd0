#include "protocol/pull/pull_manager.hpp"

namespace firstmile::pull {

PullManager::PullManager(ServerContext& ctx, std::map<std::string, SourceFactory> factories)
    : ctx_(ctx), factories_(std::move(factories)) {}

PullManager::~PullManager() {
  stop();
}

void PullManager::start() {
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
  const auto& cfg = ctx_.config.get<PullConfig>();
  publish::BackoffConfig backoff;
  backoff.initial = cfg.retry_initial;
  backoff.max = cfg.retry_max;
  auto supervisor = std::make_shared<publish::SourceSupervisor>(ctx_.workers.next().get_executor(),
                                                                *source, backoff, ctx_.log);
  {
    std::lock_guard lock(mutex_);
    if (running_.count(path)) return fail(path, " is already pulled");
    if (running_.size() >= kMaxPullSources)
      return fail("already ", kMaxPullSources, " sources (the most the server pulls)");
    running_[path] = Running{*source, supervisor, origin};
  }
  ctx_.log->info("pull source={}", (*source)->label());
  supervisor->start();
  return {};
}

void PullManager::stop() {
  std::map<std::string, Running> running;
  {
    std::lock_guard lock(mutex_);
    running.swap(running_);
  }
  for (auto& [path, r] : running)
    r.supervisor->stop();
}

SourceStatus PullManager::status_of(const Running& r) const {
  auto s = r.source->status();
  s.origin = r.origin;
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
  r.supervisor->stop();
  return true;
}

}  // namespace firstmile::pull
