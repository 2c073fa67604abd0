#pragma once
// What a protocol server is given, and all it may use of the server: its settings, the workers
// and the connection budget, a directory of streams (find / acquire) and the admission
// interface (may this client publish or play). Nothing global, nothing wider: a protocol never
// sees the registry's internals, the control plane's HTTP API side or another protocol.
#include "control/admission.hpp"
#include "core/config.hpp"
#include "core/fault_counter.hpp"
#include "core/log.hpp"
#include "core/net.hpp"
#include "core/workers.hpp"
#include "media/stream_directory.hpp"

namespace firstmile {

struct ServerContext {
  // The configuration the server started with. Settings that a reload changes (auth, webhooks,
  // API token, limits) are read from admission.config() instead.
  const Config& config;
  Logger log;
  WorkerPool& workers;
  media::StreamDirectory& streams;
  ConnectionLimiter& connections;
  control::Admission& admission;
  // Sessions ended by an exception caught at a protocol's boundary (/metrics).
  FaultCounter& faults;
};

}  // namespace firstmile
