#include "protocol/rtmp/rtmp_server.hpp"

#include "protocol/rtmp/rtmp_config.hpp"
#include "protocol/rtmp/session.hpp"

namespace firstmile::rtmp {

RtmpServer::RtmpServer(ServerContext& ctx)
    : ctx_(ctx),
      listener_(
          "rtmp", ctx.workers, ctx.connections, ctx.log,
          [this](tcp::socket socket, ConnectionLimiter::Slot slot) -> asio::awaitable<void> {
            auto session = std::make_shared<Session>(ctx_, std::move(socket), std::move(slot));
            co_await session->start();
          },
          Listener::Options{.viewers = false, .faults = &ctx.faults}) {}

void RtmpServer::start() {
  listener_.start(ctx_.config.get<RtmpConfig>().listen);
}
void RtmpServer::stop() {
  listener_.stop();
}

}  // namespace firstmile::rtmp
