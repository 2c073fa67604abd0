#pragma once
// What the protocol servers share: passed explicitly, nothing global.
#include "core/config.hpp"
#include "core/log.hpp"
#include "core/net.hpp"
#include "core/workers.hpp"
#include "media/registry.hpp"

namespace firstmile::control {
class ControlPlane;
}

namespace firstmile {

// What a reload did.
struct ReloadReport {
  std::string config_hash;
  std::vector<std::string> restart_needed;  // changed keys that only a restart applies
};

struct ServerContext {
  // The configuration the server started with. Settings that hot reload changes (auth,
  // webhooks, API token, limits) are read from control.config() instead.
  const Config& config;
  Logger log;
  WorkerPool& workers;
  media::StreamRegistry& registry;
  ConnectionLimiter& connections;
  control::ControlPlane& control;
  // Re-reads the config file and applies what can change live (SIGHUP, POST /api/v1/reload).
  // Any thread.
  std::function<Result<ReloadReport>()> reload;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
};

}  // namespace firstmile
