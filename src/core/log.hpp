#pragma once
// Logging. Messages are short event names followed by key=value fields (logfmt), e.g.
//   log.info("rtmp publish start stream={} peer={}", name, peer);
// With log.format = json each line is one JSON object instead, for log shippers.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/fault_counter.hpp"

namespace firstmile {

using Logger = std::shared_ptr<spdlog::logger>;

// Builds the server's logger (stderr) from the log config. Throws ConfigError on a bad level.
Logger make_logger(const LogConfig& config);
// Its line format: text (control characters in a message written as \xNN) or JSON.
std::unique_ptr<spdlog::formatter> make_log_formatter(const LogConfig& config);

// A stream key or token as it may appear in a log line: enough to tell keys apart, never the
// whole secret ("abcd…(12)" for a 12-byte key). Short keys show only their length.
std::string redact(std::string_view secret);

}  // namespace firstmile

namespace firstmile {

// Completion handler for co_spawn'ed coroutines: an exception escaping a session is a bug, so
// it is logged (with what the coroutine was) instead of vanishing as with asio::detached, and
// counted under `protocol` when `faults` is given. The coroutine's frames are gone by then, and
// with them (RAII) the session's connection, stream attachment and slot.
struct LogExceptions {
  Logger log;
  const char* what;
  FaultCounter* faults = nullptr;
  const char* protocol = "";
  void operator()(std::exception_ptr e) const {
    if (!e) return;
    if (faults) faults->add(protocol);
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log->error("unhandled exception in {}: {}", what, ex.what());
    } catch (...) {
      log->error("unhandled exception in {}", what);
    }
  }
};

}  // namespace firstmile
