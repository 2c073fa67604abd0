#pragma once
// A small asynchronous HTTP/1.1 client for webhooks and object stores (Boost.Beast). Without a
// ConnectionPool each request has a connection of its own (Connection: close); with one,
// connections are kept alive between requests to the same receiver (no TCP and TLS handshake
// per publish). It never throws on network errors: every failure comes back in
// HttpResult::error, and the whole exchange is bounded by a deadline.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/url.hpp"
#include "core/config.hpp"
#include "core/result.hpp"

namespace firstmile::control {

namespace asio = boost::asio;

// Largest response header accepted (the body has its own limit in HttpRequestSpec).
constexpr uint32_t kMaxResponseHeaderBytes = 16 * 1024;

struct HttpResult {
  int status = 0;     // 0 when no response header came
  std::string body;   // at most HttpRequestSpec::max_response_bytes
  std::string error;  // empty when a complete response arrived; else why ("timeout", ...)
  bool timed_out = false;
  std::chrono::microseconds latency{0};
  // The response's header fields, names as sent (bounded by kMaxResponseHeaderBytes).
  std::vector<std::pair<std::string, std::string>> headers;
  // How the request went out: on a connection made for it, or on a kept-alive one.
  enum class Connection { None, Opened, Reused } connection = Connection::None;

  // A complete 2xx response.
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // The first header field named `name` (any case), or "".
  std::string header(std::string_view name) const;
};

struct HttpRequestSpec {
  std::string method = "POST";  // "POST", "PUT", "GET", "HEAD", "DELETE"
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Duration timeout{3000};  // resolve + connect + TLS handshake + write + read, all together
  size_t max_response_bytes = 64 * 1024;
};

// Idle kept-alive connections to webhook receivers, by scheme, host and port; for one executor
// (not thread-safe). A connection is parked only after a complete answer that allows it
// (HTTP/1.1 keep-alive, framed by Content-Length or chunks, nothing read past it). One idle for
// longer than `idle_timeout`, or with anything to read (the receiver closed it, or sent bytes
// nobody asked for), is closed rather than used; a timer closes the expired ones.
class ConnectionPool {
 public:
  struct Limits {
    Duration idle_timeout{4000};  // 0: no keep-alive, every request on a new connection
    size_t max_idle_per_host = 8;
    size_t max_idle = 64;
  };
  struct Connection;  // a TCP or TLS stream (http_client.cpp)

  explicit ConnectionPool(asio::any_io_executor executor);
  ConnectionPool(asio::any_io_executor executor, Limits limits);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Applies to connections parked afterwards; a zero idle_timeout also closes the idle ones.
  void set_limits(Limits limits);
  const Limits& limits() const { return limits_; }
  bool keeps_alive() const { return limits_.idle_timeout.count() > 0; }
  size_t idle() const { return idle_count_; }
  void clear();

  // The newest usable idle connection for `key`, or null. For http_post.
  std::unique_ptr<Connection> take(const std::string& key);
  // Parks `c` (or closes it when the pool is full or does not keep alive). For http_post.
  void give_back(const std::string& key, std::unique_ptr<Connection> c);

 private:
  void sweep();
  void arm_timer();

  Limits limits_;
  asio::steady_timer timer_;
  bool timer_armed_ = false;
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle_;
  size_t idle_count_ = 0;
};

// Sends spec.method with spec.body to spec.url. https URLs need `tls` (a client context, see
// make_client_tls_context); with nullptr they fail with an error and no connection is made.
// With a `pool` (used on its executor only) the connection comes from it when one is idle and
// goes back to it after a clean answer. A request on a kept-alive connection that the receiver
// had closed (nothing at all came back) is sent once more on a new connection, within the same
// deadline: a receiver may see a request twice, which the delivery id lets it recognise.
// Honours per-operation cancellation (asio::bind_cancellation_slot): a cancelled request
// returns error "cancelled" without throwing.
asio::awaitable<HttpResult> http_request(HttpRequestSpec spec, asio::ssl::context* tls,
                                         ConnectionPool* pool = nullptr);
// http_request with method POST (webhooks).
asio::awaitable<HttpResult> http_post(HttpRequestSpec spec, asio::ssl::context* tls,
                                      ConnectionPool* pool = nullptr);

// A TLS client context that verifies peers against the system's default CA store.
std::shared_ptr<asio::ssl::context> make_client_tls_context();

}  // namespace firstmile::control
