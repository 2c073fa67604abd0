#pragma once
// The whole server: workers, registry, protocol servers, signal handling and staged shutdown.
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "control/control_plane.hpp"
#include "core/config.hpp"
#include "core/net.hpp"
#include "core/workers.hpp"
#include "media/registry.hpp"
#include "protocol/endpoint.hpp"
#include "protocol/server_context.hpp"

namespace firstmile {

namespace http {
struct HttpContext;
}  // namespace http
namespace storage {
class ObjectUploader;
}  // namespace storage
namespace record {
class DiskQueue;
struct RecordingDone;
}  // namespace record

class Server {
 public:
  // `config_path` is re-read on reload (SIGHUP, POST /api/v1/reload); empty = defaults.
  Server(Config config, std::string config_path);
  ~Server();

  // Binds every listener (throws on failure) and serves until SIGINT/SIGTERM; returns the
  // process exit code.
  int run();

 private:
  void shutdown();
  Result<control::ReloadReport> reload();
  // on_record_done for a recording finished on the disk threads.
  void recording_done(const record::RecordingDone& done);

  Config config_;
  std::string config_path_;
  Logger log_;
  std::unique_ptr<control::ControlPlane> control_;
  std::mutex reload_mutex_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<ConnectionLimiter> connections_;
  // Uploads to the object store (s3.enabled); streams' mirrors share it.
  std::shared_ptr<storage::ObjectUploader> uploader_;
  // The recordings' file I/O (record.enabled).
  std::shared_ptr<record::DiskQueue> recordings_;
  FaultCounter faults_;
  std::unique_ptr<media::StreamRegistry> registry_;
  std::unique_ptr<ServerContext> ctx_;
  std::unique_ptr<http::HttpContext> http_ctx_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;  // protocol listeners, in start order
  std::atomic<uint64_t> streams_created_{0};
  // Set when the shutdown starts (shared: stream outputs may outlive the server's members).
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace firstmile
