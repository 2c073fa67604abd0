#pragma once
// A camera (or any RTSP server) the server pulls from (pull.sources): the RTSP client side.
// One attempt (run_once) connects, asks OPTIONS and DESCRIBE (answering a Basic or Digest
// challenge with the URL's credentials), sets up each supported media over TCP interleaved or
// UDP, PLAYs, then publishes through the one publish path: the stream is acquired, the socket
// moves to the stream's executor, and the RTP becomes frames in an RtpIngest as an ANNOUNCEd
// encoder's does. Keep-alives (GET_PARAMETER, or OPTIONS when the camera does not list it)
// every half session timeout; receiver reports every 5 s. The attempt ends when the camera
// closes, goes silent for pull.read_timeout, or the supervisor stops it (then TEARDOWN).
//
// transport auto tries UDP first and falls back to TCP for the following attempts when the
// camera refuses UDP or no packet arrives (a NAT or firewall in the way), as gortsplib does.
// Camera quirks tolerated: a SETUP answer without a Transport header, mode= parameters, a
// Content-Base without its trailing slash, "*" and absolute control URLs.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "protocol/pull/source_base.hpp"
#include "protocol/rtsp/udp_port_pool.hpp"
#include "protocol/rtsp/wire/source_url.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::rtsp {

class PullSource : public pull::SourceBase, public std::enable_shared_from_this<PullSource> {
 public:
  struct Options : pull::SourceOptions {
    PullTransport transport = PullTransport::Auto;
  };
  PullSource(ServerContext& ctx, std::shared_ptr<UdpPortPool> udp_ports, Options options);
  ~PullSource() override;

  boost::asio::awaitable<Status> run_once() override;

 private:
  class Attempt;

  ServerContext& ctx_;
  std::shared_ptr<UdpPortPool> udp_ports_;
  const PullTransport transport_;
  // auto: set once UDP failed; later attempts use TCP.
  std::atomic<bool> udp_failed_{false};
};

}  // namespace firstmile::rtsp
