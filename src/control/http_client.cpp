#include "control/http_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <optional>

#include "core/ascii.hpp"
#include "core/awaitable.hpp"

// g++ 12 with -fsanitize=address reports asio's coroutine frame deallocation as mismatched
// (GCC PR 109224, a false positive for coroutine frames with class-specific operator new).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace firstmile::control {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// Everything the exchange needs that outlives one step.
struct Exchange {
  const HttpRequestSpec& spec;
  const ParsedUrl& url;
  std::chrono::steady_clock::time_point deadline;
  asio::cancellation_state cancel;
  HttpResult& result;
  bool keep_alive = false;    // ask for a kept-alive connection
  bool reusable = false;      // the answer was clean and allows another request
  bool nothing_back = false;  // the request failed before a single byte of answer

  bool cancelled() const { return cancel.cancelled() != asio::cancellation_type::none; }

  // Records a failed step; `what` names it ("connect", "read", ...).
  void fail(std::string_view what, const error_code& ec) {
    if (cancelled()) {
      result.error = "cancelled";
    } else if (ec == beast::error::timeout) {
      result.error = "timeout";
      result.timed_out = true;
    } else if (ec == asio::error::connection_refused) {
      result.error = "connection refused";
    } else {
      result.error = std::string(what) + ": " + ec.message();
    }
  }
};

bhttp::request<bhttp::string_body> build_request(const Exchange& x) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(x.spec.method), x.url.target, 11};
  req.set(bhttp::field::host, x.url.host_header);
  for (const auto& [name, value] : x.spec.headers)
    req.set(name, value);
  // Without a pool, one request per connection: the receiver closes after answering.
  if (!x.keep_alive) req.set(bhttp::field::connection, "close");
  req.body() = x.spec.body;
  req.prepare_payload();
  // An empty PUT still says so (S3 wants a length; prepare_payload leaves it out for some verbs).
  if (req.method() == bhttp::verb::put && x.spec.body.empty()) req.content_length(0);
  return req;
}

// Writes the request and reads the answer on a connected (and, for https, handshaken) stream.
template <class Stream>
asio::awaitable<void> write_and_read(Stream& stream, Exchange& x) {
  x.reusable = false;
  x.nothing_back = false;
  auto req = build_request(x);
  auto [wec, wn] = co_await bhttp::async_write(stream, req, kAwaitable);
  if (wec) {
    x.nothing_back = true;
    x.fail("write", wec);
    co_return;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxResponseHeaderBytes);
  // The parser refuses a Content-Length over the limit before reading any of the body, and
  // stops a chunked or close-delimited body as soon as it passes it: a huge answer costs no
  // memory.
  parser.body_limit(x.spec.max_response_bytes);
  // The answer to a HEAD has a Content-Length but no body.
  if (x.spec.method == "HEAD") parser.skip(true);
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, kAwaitable);
  if (parser.is_header_done()) {
    x.result.status = parser.get().result_int();
    x.result.headers.clear();
    for (const auto& field : parser.get())
      x.result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (!rec) {
    x.result.body = std::move(parser.get().body());
    // keep_alive() is false for a body delimited by the close, and for "Connection: close".
    x.reusable = x.keep_alive && parser.keep_alive() && buffer.size() == 0;
  } else if (rec == bhttp::error::body_limit && !x.cancelled()) {
    x.result.error = "response body over " + std::to_string(x.spec.max_response_bytes) + " bytes";
  } else if (rec == bhttp::error::header_limit && !x.cancelled()) {
    x.result.error = "response header over " + std::to_string(kMaxResponseHeaderBytes) + " bytes";
  } else {
    x.nothing_back = !parser.got_some() && buffer.size() == 0;
    x.fail("read", rec);
  }
}

}  // namespace

struct ConnectionPool::Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<asio::ssl::stream<beast::tcp_stream>> secure;
  std::chrono::steady_clock::time_point idle_since;

  beast::tcp_stream& tcp() { return secure ? secure->next_layer() : *plain; }

  // Nothing to read and no end of stream: the receiver still holds it open and sent nothing
  // since the last answer.
  bool quiet() {
    auto& socket = tcp().socket();
    if (!socket.is_open()) return false;
    char byte;
    ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

namespace {

asio::awaitable<void> exchange(Exchange& x, asio::ssl::context* tls, ConnectionPool* pool) {
  auto executor = co_await asio::this_coro::executor;
  const std::string key = (x.url.tls ? "https://" : "http://") + x.url.host_header;

  if (x.keep_alive) {
    if (auto c = pool->take(key)) {
      c->tcp().expires_at(x.deadline);
      x.result.connection = HttpResult::Connection::Reused;
      if (c->secure)
        co_await write_and_read(*c->secure, x);
      else
        co_await write_and_read(*c->plain, x);
      if (x.reusable) {
        pool->give_back(key, std::move(c));
        co_return;
      }
      // The receiver closed the idle connection as the request went out: once more on a new
      // one. Anything else (an answer, a timeout) is the request's result.
      if (!x.nothing_back || x.cancelled() || x.result.timed_out) co_return;
      x.result = HttpResult{};
    }
  }

  // The resolver honours neither beast's stream timeout nor per-operation cancellation, so a
  // timer and the cancellation slot cancel it explicitly. The timer's handler shares the
  // resolver so that a late expiry never touches a destroyed one.
  auto resolver = std::make_shared<tcp::resolver>(executor);
  asio::steady_timer resolve_timer(executor, x.deadline);
  resolve_timer.async_wait([resolver](error_code ec) {
    if (!ec) resolver->cancel();
  });
  auto slot = x.cancel.slot();
  if (slot.is_connected())
    slot.assign([r = resolver.get()](asio::cancellation_type) { r->cancel(); });
  auto [rec, endpoints] =
      co_await resolver->async_resolve(x.url.host, std::to_string(x.url.port), kAwaitable);
  resolve_timer.cancel();
  if (rec) {
    if (rec == asio::error::operation_aborted && !x.cancelled()) {
      x.result.error = "timeout";
      x.result.timed_out = true;
    } else {
      x.fail("resolve " + x.url.host, rec);
    }
    co_return;
  }
  if (x.cancelled()) {
    x.result.error = "cancelled";
    co_return;
  }

  // From here on beast's stream timeout bounds every step with the same absolute deadline.
  auto c = std::make_unique<ConnectionPool::Connection>();
  c->plain.emplace(executor);
  c->plain->expires_at(x.deadline);
  auto [cec, ep] = co_await c->plain->async_connect(endpoints, kAwaitable);
  if (cec) {
    x.fail("connect", cec);
    co_return;
  }
  x.result.connection = HttpResult::Connection::Opened;
  if (x.cancelled()) {
    x.result.error = "cancelled";
    co_return;
  }
  if (!x.url.tls) {
    co_await write_and_read(*c->plain, x);
    if (x.reusable) {
      pool->give_back(key, std::move(c));
    } else {
      error_code ignored;
      c->plain->socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
    co_return;
  }

  c->secure.emplace(std::move(*c->plain), *tls);
  c->plain.reset();
  auto& tls_stream = *c->secure;
  error_code ip_ec;
  asio::ip::make_address(x.url.host, ip_ec);
  // RFC 6066 section 3: SNI carries host names only, never literal addresses.
  if (ip_ec && !SSL_set_tlsext_host_name(tls_stream.native_handle(), x.url.host.c_str())) {
    x.result.error = "tls: cannot set server name";
    co_return;
  }
  // Peer verification follows the context: when it verifies, the certificate must also name
  // the host we asked for (RFC 6125), not merely chain to a trusted CA.
  if (SSL_CTX_get_verify_mode(tls->native_handle()) & SSL_VERIFY_PEER)
    tls_stream.set_verify_callback(asio::ssl::host_name_verification(x.url.host));
  auto [hec] = co_await tls_stream.async_handshake(asio::ssl::stream_base::client, kAwaitable);
  if (hec) {
    x.fail("tls handshake", hec);
    co_return;
  }
  if (x.cancelled()) {
    x.result.error = "cancelled";
    co_return;
  }
  co_await write_and_read(tls_stream, x);
  // No TLS close_notify exchange: the response is complete (framed by Content-Length or
  // chunking) and waiting for the peer's close_notify would only add latency.
  if (x.reusable) pool->give_back(key, std::move(c));
}

}  // namespace

ConnectionPool::ConnectionPool(asio::any_io_executor executor, Limits limits)
    : limits_(limits), timer_(std::move(executor)) {}

ConnectionPool::ConnectionPool(asio::any_io_executor executor)
    : ConnectionPool(std::move(executor), Limits{}) {}

ConnectionPool::~ConnectionPool() = default;

void ConnectionPool::set_limits(Limits limits) {
  limits_ = limits;
  if (!keeps_alive()) clear();
}

void ConnectionPool::clear() {
  idle_.clear();
  idle_count_ = 0;
}

std::unique_ptr<ConnectionPool::Connection> ConnectionPool::take(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  const auto oldest = std::chrono::steady_clock::now() - limits_.idle_timeout;
  std::unique_ptr<Connection> found;
  auto& list = it->second;
  while (!list.empty() && !found) {
    auto c = std::move(list.back());  // the newest: the receiver is least likely to close it
    list.pop_back();
    --idle_count_;
    if (c->idle_since > oldest && c->quiet()) found = std::move(c);
  }
  if (list.empty()) idle_.erase(it);
  return found;
}

void ConnectionPool::give_back(const std::string& key, std::unique_ptr<Connection> c) {
  if (!keeps_alive()) return;
  sweep();
  auto& list = idle_[key];
  if (list.size() >= limits_.max_idle_per_host || idle_count_ >= limits_.max_idle) {
    if (list.empty()) idle_.erase(key);
    return;  // closed as `c` goes
  }
  // Idle, no operation runs: the deadline of the finished exchange must not carry over.
  c->tcp().expires_never();
  c->idle_since = std::chrono::steady_clock::now();
  list.push_back(std::move(c));
  ++idle_count_;
  arm_timer();
}

void ConnectionPool::sweep() {
  const auto oldest = std::chrono::steady_clock::now() - limits_.idle_timeout;
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& list = it->second;
    // Oldest at the front.
    while (!list.empty() && list.front()->idle_since <= oldest) {
      list.pop_front();
      --idle_count_;
    }
    it = list.empty() ? idle_.erase(it) : std::next(it);
  }
}

void ConnectionPool::arm_timer() {
  if (timer_armed_ || idle_count_ == 0) return;
  timer_armed_ = true;
  timer_.expires_after(limits_.idle_timeout);
  // Destroying the pool cancels the wait: the handler then sees an error and touches nothing.
  timer_.async_wait([this](error_code ec) {
    if (ec) return;
    timer_armed_ = false;
    sweep();
    arm_timer();
  });
}

std::string HttpResult::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

asio::awaitable<HttpResult> http_post(HttpRequestSpec spec, asio::ssl::context* tls,
                                      ConnectionPool* pool) {
  spec.method = "POST";
  return http_request(std::move(spec), tls, pool);
}

asio::awaitable<HttpResult> http_request(HttpRequestSpec spec, asio::ssl::context* tls,
                                         ConnectionPool* pool) {
  const auto start = std::chrono::steady_clock::now();
  HttpResult result;
  auto url = parse_webhook_url(spec.url);
  if (!url) {
    result.error = url.error().message;
  } else if (bhttp::string_to_verb(spec.method) == bhttp::verb::unknown) {
    result.error = "unknown HTTP method \"" + spec.method + "\"";
  } else if (url->tls && tls == nullptr) {
    result.error = "https URL but no TLS client context";
  } else {
    Exchange x{spec, *url, start + spec.timeout, co_await asio::this_coro::cancellation_state,
               result};
    x.keep_alive = pool && pool->keeps_alive();
    co_await exchange(x, tls, x.keep_alive ? pool : nullptr);
  }
  result.latency = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  co_return result;
}

std::shared_ptr<asio::ssl::context> make_client_tls_context() {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_default_verify_paths();
  ctx->set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

}  // namespace firstmile::control
