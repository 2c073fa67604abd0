#pragma once
// A small asynchronous HTTP/1.1 POST client for webhooks (Boost.Beast). One request per
// connection (Connection: close): webhooks are rare, and a fresh connection per request keeps
// a misbehaving receiver from poisoning later ones. It never throws on network errors: every
// failure comes back in HttpResult::error, and the whole exchange is bounded by a deadline.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

  // A complete 2xx response.
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

struct HttpRequestSpec {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Duration timeout{3000};  // resolve + connect + TLS handshake + write + read, all together
  size_t max_response_bytes = 64 * 1024;
};

// POSTs spec.body to spec.url. https URLs need `tls` (a client context, see
// make_client_tls_context); with nullptr they fail with an error and no connection is made.
// Honours per-operation cancellation (asio::bind_cancellation_slot): a cancelled request
// returns error "cancelled" without throwing.
asio::awaitable<HttpResult> http_post(HttpRequestSpec spec, asio::ssl::context* tls);

// A TLS client context that verifies peers against the system's default CA store.
std::shared_ptr<asio::ssl::context> make_client_tls_context();

struct ParsedUrl {
  bool tls = false;         // https
  std::string host;         // name or address; IPv6 without brackets
  uint16_t port = 0;        // explicit, or 80 / 443
  std::string target;       // "/path?query" (origin-form, still percent-encoded)
  std::string host_header;  // value of the Host header ("[::1]:8080", "example.com")
};

// Accepts absolute http:// and https:// URLs with a host; refuses other schemes, userinfo
// ("user:pass@", which would be sent nowhere and leak into logs) and bad ports. The fragment is
// dropped (RFC 9110 section 4.2.4: it is not sent).
Result<ParsedUrl> parse_webhook_url(std::string_view text);

// The URL as it may appear in a log line: scheme, host, port and path, without the query
// string (it may hold credentials) or userinfo.
std::string url_for_log(std::string_view url);

}  // namespace firstmile::control
