#pragma once
// A TCP listener shared by the protocol servers: binds, accepts each connection onto the next
// worker (round robin), enforces the connection limits (a listener of viewers, HTTP, counts
// each connection in the viewers' share at once), and starts the protocol's session coroutine
// there. An exception escaping a session ends that session only, and is counted as a fault.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>

#include "core/log.hpp"
#include "core/log_throttle.hpp"
#include "core/net.hpp"
#include "core/workers.hpp"

namespace firstmile {

class Listener {
 public:
  using Handler = std::function<asio::awaitable<void>(tcp::socket, ConnectionLimiter::Slot)>;

  struct Options {
    bool viewers = false;            // every connection is a viewer's (HTTP)
    FaultCounter* faults = nullptr;  // counts sessions ended by an exception, under `name`
  };

  Listener(std::string name, WorkerPool& workers, ConnectionLimiter& connections, Logger log,
           Handler handler, Options options);
  // Binds and starts accepting; throws std::runtime_error naming the address on failure.
  void start(const std::string& address);
  void stop();
  tcp::endpoint local_endpoint() const { return endpoint_; }

 private:
  asio::awaitable<void> accept_loop();

  std::string name_;
  WorkerPool& workers_;
  ConnectionLimiter& connections_;
  Logger log_;
  Handler handler_;
  Options options_;
  LogThrottle refusals_log_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  tcp::endpoint endpoint_;
};

}  // namespace firstmile
