#pragma once
#include "core/listener.hpp"
#include "protocol/endpoint.hpp"
#include "protocol/rtsp/udp_port_pool.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::rtsp {

// The RTSP listener (default 0.0.0.0:8554): encoders publish with ANNOUNCE and RECORD.
class RtspServer : public Endpoint {
 public:
  explicit RtspServer(ServerContext& ctx);
  void start() override;
  void stop() override;
  asio::ip::tcp::endpoint local_endpoint() const { return listener_.local_endpoint(); }

 private:
  ServerContext& ctx_;
  std::shared_ptr<UdpPortPool> udp_ports_;
  Listener listener_;
};

}  // namespace firstmile::rtsp
