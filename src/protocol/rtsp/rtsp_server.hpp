#pragma once
#include "core/listener.hpp"
#include "protocol/endpoint.hpp"
#include "protocol/rtsp/udp_port_pool.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::rtsp {

// The pool of rtsp.udp_ports (checked when the configuration was read).
std::shared_ptr<UdpPortPool> make_udp_port_pool(const Config& config);

// The RTSP listener (default 0.0.0.0:8554): encoders publish with ANNOUNCE and RECORD.
class RtspServer : public Endpoint {
 public:
  // `udp_ports`: shared with the pulls, which receive over UDP from the same range.
  RtspServer(ServerContext& ctx, std::shared_ptr<UdpPortPool> udp_ports);
  void start() override;
  void stop() override;
  asio::ip::tcp::endpoint local_endpoint() const { return listener_.local_endpoint(); }

 private:
  ServerContext& ctx_;
  std::shared_ptr<UdpPortPool> udp_ports_;
  Listener listener_;
};

}  // namespace firstmile::rtsp
