#pragma once
#include "core/listener.hpp"
#include "protocol/endpoint.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::rtmp {

// The RTMP listener (default 0.0.0.0:1935).
class RtmpServer : public Endpoint {
 public:
  explicit RtmpServer(ServerContext& ctx);
  void start() override;
  void stop() override;
  asio::ip::tcp::endpoint local_endpoint() const { return listener_.local_endpoint(); }

 private:
  ServerContext& ctx_;
  Listener listener_;
};

}  // namespace firstmile::rtmp
