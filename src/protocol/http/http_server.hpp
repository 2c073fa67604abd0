#pragma once
// The built-in HTTP/1.1 server on one port: HLS from memory, HTTP-FLV, the API and health.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

#include "core/listener.hpp"
#include "protocol/endpoint.hpp"
#include "protocol/http/http_context.hpp"
#include "protocol/http/response.hpp"
#include "protocol/http/router.hpp"

namespace firstmile::http {

namespace asio = boost::asio;

class HttpServer : public Endpoint {
 public:
  explicit HttpServer(HttpContext& ctx);
  // Binds the listener (throws std::runtime_error on failure: start-up code).
  void start() override;
  void stop() override;
  asio::ip::tcp::endpoint local_endpoint() const;

 private:
  asio::awaitable<void> session(asio::ip::tcp::socket socket, ConnectionLimiter::Slot slot);

  HttpContext& ctx_;
  Router router_;  // make_routes(ctx_): every route the server answers
  Listener listener_;
  LogThrottle bad_requests_log_;  // peers make these: logged within a budget
};

}  // namespace firstmile::http
