#include "protocol/http/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sstream>

#include "protocol/http/http_config.hpp"
#include "protocol/http/routes.hpp"
#include "protocol/http/wire/request_target.hpp"

namespace firstmile::http {

using asio::use_awaitable;
using tcp = asio::ip::tcp;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

HttpServer::HttpServer(HttpContext& ctx)
    : ctx_(ctx),
      router_(make_routes(ctx)),
      listener_(
          "http", ctx.workers, ctx.connections, ctx.log,
          [this](tcp::socket s, ConnectionLimiter::Slot slot) {
            return session(std::move(s), std::move(slot));
          },
          Listener::Options{.viewers = true, .faults = &ctx.faults}) {}

void HttpServer::start() {
  listener_.start(ctx_.config.get<HttpConfig>().listen);
}
void HttpServer::stop() {
  listener_.stop();
}
tcp::endpoint HttpServer::local_endpoint() const {
  return listener_.local_endpoint();
}

namespace {

constexpr size_t kFirstRead = 4096;

// Reads one request. Waiting for its first byte is idle time (http.idle_timeout: a kept-alive
// connection between requests); from that byte on, the header must be whole within
// http.header_timeout and the request within http.request_timeout, however slowly it trickles.
asio::awaitable<boost::system::error_code> read_request(
    boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
    bhttp::request_parser<bhttp::string_body>& parser, const HttpConfig& cfg) {
  if (buffer.size() == 0) {
    stream.expires_after(cfg.idle_timeout);
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kFirstRead), as_tuple_awaitable);
    buffer.commit(n);
    if (ec) co_return ec;
  }
  const auto first_byte = std::chrono::steady_clock::now();
  stream.expires_after(
      std::min<std::chrono::steady_clock::duration>(cfg.header_timeout, cfg.request_timeout));
  auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, as_tuple_awaitable);
  if (hec || parser.is_done()) co_return hec;
  stream.expires_at(first_byte + cfg.request_timeout);
  auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, as_tuple_awaitable);
  co_return ec;
}

}  // namespace

asio::awaitable<void> HttpServer::session(tcp::socket socket, ConnectionLimiter::Slot slot) {
  const auto& cfg = ctx_.config.get<HttpConfig>();
  std::string peer = peer_string(socket);
  boost::system::error_code addr_ec;
  std::string client = socket.remote_endpoint(addr_ec).address().to_string();
  boost::beast::tcp_stream stream(std::move(socket));
  boost::beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(cfg.max_header_bytes);
    parser.body_limit(cfg.max_body_bytes);
    auto ec = co_await read_request(stream, buffer, parser, cfg);
    if (ec) {
      ctx_.log->debug("http read end peer={} error=\"{}\"", peer, ec.message());
      if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
          ec == boost::beast::error::timeout) {
        break;  // the client closed, kept a connection idle, or trickled its request
      }
      if (ec == bhttp::error::header_limit || ec == bhttp::error::body_limit ||
          ec == bhttp::error::bad_target ||
          ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
        if (uint64_t suppressed = 0; bad_requests_log_.allow(suppressed)) {
          ctx_.log->info("http bad request peer={} error=\"{}\" suppressed={}", peer, ec.message(),
                         suppressed);
        }
        Request dummy;
        dummy.version(11);
        auto status = ec == bhttp::error::header_limit
                          ? bhttp::status::request_header_fields_too_large
                      : ec == bhttp::error::body_limit ? bhttp::status::payload_too_large
                                                       : bhttp::status::bad_request;
        auto res = make_error(dummy, status, ec.message(), cfg);
        res.keep_alive(false);
        stream.expires_after(std::chrono::seconds(5));
        co_await bhttp::async_write(stream, res, as_tuple_awaitable);
      }
      break;
    }
    Request req = parser.release();
    bool head = req.method() == bhttp::verb::head;

    std::optional<Response> response;
    std::optional<BufferResponse> buffer_response;
    auto segments = path_segments(req.target());

    if (!segments) {
      response = make_error(req, bhttp::status::bad_request, "malformed request target", cfg);
    } else {
      RouteRequest route{req, {}, peer, client, stream, buffer, slot};
      auto dispatched = router_.dispatch(route, *segments);
      auto outcome = co_await std::move(dispatched);
      if (std::holds_alternative<TakenOver>(outcome)) co_return;
      if (auto* streamed = std::get_if<Streamed>(&outcome)) {
        if (!streamed->keep_alive) break;
        continue;
      }
      if (auto* r = std::get_if<Response>(&outcome))
        response = std::move(*r);
      else
        buffer_response = std::move(std::get<BufferResponse>(outcome));
    }

    ctx_.log->debug(
        "http request peer={} method={} target=\"{}\" status={}", peer,
        std::string(req.method_string()),
        // The path only: query strings carry playback tokens.
        std::string(req.target().substr(0, std::min<size_t>(200, req.target().find('?')))),
        response ? response->result_int() : buffer_response->header.result_int());
    bool keep_alive;
    stream.expires_after(std::chrono::seconds(30));
    if (response) {
      keep_alive = response->keep_alive();
      if (head) {
        bhttp::response<bhttp::empty_body> h{response->base()};
        auto text = header_text(h.base());
        auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(text), as_tuple_awaitable);
        if (wec) break;
      } else {
        auto [wec, wn] = co_await bhttp::async_write(stream, *response, as_tuple_awaitable);
        if (wec) break;
      }
    } else {
      keep_alive = buffer_response->header.keep_alive();
      auto text = header_text(buffer_response->header.base());
      std::array<asio::const_buffer, 2> bufs{
          asio::buffer(text),
          asio::buffer(buffer_response->body.data(), head ? 0 : buffer_response->body.size())};
      auto [wec, wn] = co_await asio::async_write(stream, bufs, as_tuple_awaitable);
      if (wec) break;
    }
    if (!keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace firstmile::http
