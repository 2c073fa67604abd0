#include "protocol/rtsp/rtsp_server.hpp"

#include "protocol/rtsp/rtsp_config.hpp"
#include "protocol/rtsp/session.hpp"

namespace firstmile::rtsp {

namespace {

std::shared_ptr<UdpPortPool> make_pool(const RtspConfig& cfg) {
  auto range = parse_port_range(cfg.udp_ports);  // checked when the configuration was read
  if (!range) throw std::runtime_error("rtsp.udp_ports: " + range.error().message);
  return std::make_shared<UdpPortPool>(range->first, range->second);
}

}  // namespace

RtspServer::RtspServer(ServerContext& ctx)
    : ctx_(ctx),
      udp_ports_(make_pool(ctx.config.get<RtspConfig>())),
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
