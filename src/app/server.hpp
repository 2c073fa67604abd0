#pragma once
// The whole server: workers, registry, protocol servers, signal handling and staged shutdown.
#include <atomic>
#include <memory>
#include <mutex>

#include "control/control_plane.hpp"
#include "core/config.hpp"
#include "core/net.hpp"
#include "core/workers.hpp"
#include "media/registry.hpp"
#include "protocol/server_context.hpp"

namespace firstmile {

namespace http {
class HttpServer;
struct HttpContext;
}  // namespace http
namespace rtmp {
class RtmpServer;
}
namespace srt {
class SrtServer;
}
namespace udp {
class UdpServer;
}

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

  Config config_;
  std::string config_path_;
  Logger log_;
  std::unique_ptr<control::ControlPlane> control_;
  std::mutex reload_mutex_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<ConnectionLimiter> connections_;
  std::unique_ptr<media::StreamRegistry> registry_;
  std::unique_ptr<ServerContext> ctx_;
  std::unique_ptr<http::HttpContext> http_ctx_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<rtmp::RtmpServer> rtmp_;
  std::unique_ptr<srt::SrtServer> srt_;
  std::unique_ptr<udp::UdpServer> udp_;
  std::atomic<uint64_t> streams_created_{0};
};

}  // namespace firstmile
