#pragma once
// Plain UDP / MPEG-TS ingest for hardware encoders (udp.inputs): one UdpInput per configured
// "app/stream" -> "host:port", each with its own socket on a worker. The same TS demuxer as
// SRT turns the datagrams into frames; there is no handshake, so a publish starts with a
// source's first datagram and ends when it goes silent (udp_input.hpp).
#include <memory>
#include <vector>

#include "protocol/endpoint.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::udp {

class UdpInput;

class UdpServer : public Endpoint {
 public:
  explicit UdpServer(ServerContext& ctx);
  ~UdpServer();
  UdpServer(const UdpServer&) = delete;
  UdpServer& operator=(const UdpServer&) = delete;

  // Binds every input (throws std::runtime_error naming the input on the first failure; the
  // ones already bound are closed again).
  void start() override;
  // Closes the sockets and ends their publishes. Any thread; idempotent.
  void stop() override;

 private:
  ServerContext& ctx_;
  std::vector<std::shared_ptr<UdpInput>> inputs_;
};

}  // namespace firstmile::udp
