#pragma once
// A logger that drops everything, for components under test that take a Logger.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "core/log.hpp"

namespace firstmile::test {

inline Logger quiet_log() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

}  // namespace firstmile::test
