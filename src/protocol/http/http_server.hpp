#pragma once
// The built-in HTTP/1.1 server on one port: HLS from memory, HTTP-FLV, the API and health.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <optional>
#include <string>

#include "core/listener.hpp"
#include "protocol/http/http_context.hpp"
#include "protocol/http/response.hpp"

namespace firstmile::http {

namespace asio = boost::asio;

class HttpServer {
 public:
  explicit HttpServer(HttpContext& ctx);
  // Binds the listener (throws std::runtime_error on failure: start-up code).
  void start();
  void stop();
  asio::ip::tcp::endpoint local_endpoint() const;

 private:
  asio::awaitable<void> session(asio::ip::tcp::socket socket, ConnectionLimiter::Slot slot);
  // Play auth of an HLS or DASH request (`protocol` "hls" or "dash", as webhooks see it): the
  // refusal to send, or nullopt when allowed.
  asio::awaitable<std::optional<Response>> authorize_http_play(const Request& req, std::string app,
                                                               std::string name, std::string query,
                                                               std::string peer,
                                                               std::string protocol);

  HttpContext& ctx_;
  Listener listener_;
};

}  // namespace firstmile::http
