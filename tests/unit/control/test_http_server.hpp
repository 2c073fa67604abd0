#pragma once
// A tiny HTTP/1.1 server for the webhook tests: listens on 127.0.0.1 port 0 on the test's
// io_context, records every request and answers as the test's handler says (a status and
// body, raw bytes, or nothing at all). Keeps a connection open for the next request when the
// request allows it. Optionally over TLS.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace firstmile::control::webhook_test {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct RecordedRequest {
  std::string method, target, body;
  size_t connection = 0;     // which accepted connection it came on (0, 1, ...)
  size_t on_connection = 0;  // how many requests came on that connection before it
  std::map<std::string, std::string> headers;  // names lowercased
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Reply {
  enum class Kind { Respond, Hang, Raw, Drop } kind = Kind::Respond;
  int status = 200;
  std::string body;    // Respond
  std::string raw;     // Raw: written as-is, then the connection is closed
  bool close = false;  // Respond: close the connection after the answer, without saying so

  static Reply respond(int status, std::string body = {}) {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  // Closes the connection without answering.
  static Reply drop() {
    Reply r;
    r.kind = Kind::Drop;
    return r;
  }
  static Reply respond_then_close(int status) {
    Reply r = respond(status);
    r.close = true;
    return r;
  }
  static Reply hang() {
    Reply r;
    r.kind = Kind::Hang;
    return r;
  }
  static Reply raw_bytes(std::string bytes) {
    Reply r;
    r.kind = Kind::Raw;
    r.raw = std::move(bytes);
    return r;
  }
};

class TestHttpServer {
 public:
  using Handler = std::function<Reply(const RecordedRequest&)>;

  // `tls`: a server context (certificate and key loaded), or null for plain HTTP.
  TestHttpServer(asio::io_context& ioc, Handler handler, asio::ssl::context* tls = nullptr)
      : state_(std::make_shared<State>(ioc, std::move(handler), tls)) {
    asio::co_spawn(ioc, accept_loop(state_), asio::detached);
  }
  ~TestHttpServer() {
    boost::system::error_code ec;
    state_->acceptor.close(ec);
  }

  uint16_t port() const { return state_->port; }
  std::string url(const std::string& path) const {
    return std::string(state_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) +
           path;
  }
  const std::vector<RecordedRequest>& requests() const { return state_->requests; }
  size_t connections() const { return state_->connections; }
  size_t closed() const { return state_->closed; }

 private:
  struct State {
    State(asio::io_context& ioc, Handler h, asio::ssl::context* t)
        : acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
          handler(std::move(h)),
          tls(t),
          port(acceptor.local_endpoint().port()) {}
    tcp::acceptor acceptor;
    Handler handler;
    asio::ssl::context* tls;
    uint16_t port;
    std::vector<RecordedRequest> requests;
    size_t connections = 0;  // accepted
    size_t closed = 0;       // of those, ended on this side or by the client
  };
  static constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

  static asio::awaitable<void> accept_loop(std::shared_ptr<State> s) {
    for (;;) {
      auto [ec, socket] = co_await s->acceptor.async_accept(kAsTuple);
      if (ec) co_return;
      asio::co_spawn(s->acceptor.get_executor(), session(s, std::move(socket)), asio::detached);
    }
  }

  static asio::awaitable<void> session(std::shared_ptr<State> s, tcp::socket socket) {
    const size_t id = s->connections++;
    if (!s->tls) {
      co_await serve(s, socket, id);
    } else {
      asio::ssl::stream<tcp::socket> stream(std::move(socket), *s->tls);
      auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kAsTuple);
      if (!ec) co_await serve(s, stream, id);
    }
    ++s->closed;
  }

  template <class Stream>
  static asio::awaitable<void> serve(std::shared_ptr<State> s, Stream& stream, size_t id) {
    boost::beast::flat_buffer buffer;
    for (size_t n = 0;; ++n) {
      if (!co_await serve_one(s, stream, buffer, id, n)) co_return;
    }
  }

  // One request and its answer; true when the connection stays open for another.
  template <class Stream>
  static asio::awaitable<bool> serve_one(std::shared_ptr<State> s, Stream& stream,
                                         boost::beast::flat_buffer& buffer, size_t id, size_t n) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(16 << 20);
    auto [ec, bytes] = co_await bhttp::async_read(stream, buffer, parser, kAsTuple);
    if (ec) co_return false;
    RecordedRequest rec;
    rec.connection = id;
    rec.on_connection = n;
    const auto& req = parser.get();
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    rec.body = req.body();
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      rec.headers[name] = std::string(field.value());
    }
    s->requests.push_back(rec);
    Reply reply = s->handler(rec);
    if (reply.kind == Reply::Kind::Hang) {
      // Wait for the client to give up and close; never answer.
      char byte;
      co_await stream.async_read_some(asio::buffer(&byte, 1), kAsTuple);
      co_return false;
    }
    if (reply.kind == Reply::Kind::Drop) co_return false;
    if (reply.kind == Reply::Kind::Raw) {
      co_await asio::async_write(stream, asio::buffer(reply.raw), kAsTuple);
      co_return false;
    }
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status), 11};
    res.set(bhttp::field::content_type, "application/json");
    res.body() = reply.body;
    res.keep_alive(parser.get().keep_alive());
    res.prepare_payload();
    auto [wec, wn] = co_await bhttp::async_write(stream, res, kAsTuple);
    co_return !wec && !reply.close && parser.get().keep_alive();
  }

  std::shared_ptr<State> state_;
};

// Runs the io_context until pred() holds or the limit passes; false on time-out.
template <class Pred>
bool run_until(asio::io_context& ioc, Pred pred,
               std::chrono::milliseconds limit = std::chrono::milliseconds(4000)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    if (ioc.stopped()) ioc.restart();
    ioc.run_one_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace firstmile::control::webhook_test
