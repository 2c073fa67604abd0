#pragma once
// What the protocol servers share: passed explicitly, nothing global.
#include "core/config.hpp"
#include "core/log.hpp"
#include "core/net.hpp"
#include "core/workers.hpp"
#include "media/registry.hpp"

namespace firstmile {

struct ServerContext {
  const Config& config;
  Logger log;
  WorkerPool& workers;
  media::StreamRegistry& registry;
  ConnectionLimiter& connections;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
};

}  // namespace firstmile
