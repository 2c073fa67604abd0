#include "protocol/rtsp/rtsp_server.hpp"

#include "protocol/rtsp/rtsp_config.hpp"
#include "protocol/rtsp/session.hpp"

namespace firstmile::rtsp {

std::shared_ptr<UdpPortPool> make_udp_port_pool(const Config& config) {
  auto range = parse_port_range(config.get<RtspConfig>().udp_ports);
  if (!range) throw std::runtime_error("rtsp.udp_ports: " + range.error().message);
  return std::make_shared<UdpPortPool>(range->first, range->second);
}

RtspServer::RtspServer(ServerContext& ctx, std::shared_ptr<UdpPortPool> udp_ports)
    : ctx_(ctx),
      udp_ports_(std::move(udp_ports)),
      listener_(
          "rtsp", ctx.workers, ctx.connections, ctx.log,
          [this](tcp::socket socket, ConnectionLimiter::Slot slot) -> asio::awaitable<void> {
            auto session =
                std::make_shared<Session>(ctx_, std::move(socket), std::move(slot), udp_ports_);
            co_await session->start();
          },
          Listener::Options{.viewers = false, .faults = &ctx.faults}) {}

void RtspServer::start() {
  listener_.start(ctx_.config.get<RtspConfig>().listen);
}
void RtspServer::stop() {
  listener_.stop();
}

}  // namespace firstmile::rtsp
