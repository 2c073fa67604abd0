#pragma once
// The HTTP server also serves the operator's side (/api/v1, /metrics): beside what every
// protocol gets, it sees the control plane and the registry whole, and how to reload.
#include <chrono>
#include <functional>

#include "control/control_plane.hpp"
#include "media/registry.hpp"
#include "protocol/protocol_catalog.hpp"
#include "protocol/pull/pull_manager.hpp"
#include "protocol/server_context.hpp"
#include "storage/object_uploader.hpp"

namespace firstmile::http {

struct HttpContext : ServerContext {
  control::ControlPlane& control;
  media::StreamRegistry& registry;
  // Re-reads the config file and applies what can change live (SIGHUP, POST /api/v1/reload).
  // Any thread.
  std::function<Result<control::ReloadReport>()> reload;
  const ConfigSchema& config_schema;  // the modules' keys (the config hash covers them all)
  const ProtocolCatalog& protocols;   // what /metrics and the API list
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  // The pulled sources (/api/v1/pulls, /metrics); set when the endpoints are made.
  pull::PullManager* pulls = nullptr;
  // Uploads to the object store (s3.enabled), for /healthz, /metrics and the API.
  storage::ObjectUploader* uploader = nullptr;
};

}  // namespace firstmile::http
