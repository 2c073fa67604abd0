#include "protocol/http/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <sstream>

#include "control/admission.hpp"
#include "core/stream_name.hpp"
#include "format/query_string.hpp"
#include "protocol/http/handlers.hpp"

namespace firstmile::http {

using asio::use_awaitable;
using tcp = asio::ip::tcp;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

HttpServer::HttpServer(HttpContext& ctx)
    : ctx_(ctx),
      listener_("http", ctx.workers, ctx.connections, ctx.log,
                [this](tcp::socket s, ConnectionLimiter::Slot slot) {
                  return session(std::move(s), std::move(slot));
                }) {}

void HttpServer::start() {
  listener_.start(ctx_.config.http.listen);
}
void HttpServer::stop() {
  listener_.stop();
}
tcp::endpoint HttpServer::local_endpoint() const {
  return listener_.local_endpoint();
}

namespace {

std::string header_text(const bhttp::response_header<>& h) {
  std::ostringstream os;
  os << h;
  return os.str();
}

// Splits a request target into decoded path segments; nullopt if it is not a valid origin-form.
std::optional<std::vector<std::string>> path_segments(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  std::vector<std::string> out;
  for (auto seg : url->segments())
    out.push_back(std::string(seg));
  if (!out.empty() && out.back().empty()) out.pop_back();  // trailing slash
  return out;
}

std::string query_of(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
}

// What a playlist passes on to its segment URIs: the signed-URL parameters, so a player that
// got a signed playlist URL can fetch the segments it lists.
std::string forwarded_query(const std::string& query) {
  auto params = format::parse_query(query);
  if (!params) return {};
  auto expires = format::query_value(*params, "expires");
  auto token = format::query_value(*params, "token");
  if (!expires || !token) return {};
  return "expires=" + format::query_escape(*expires) + "&token=" + format::query_escape(*token);
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

asio::awaitable<std::optional<Response>> HttpServer::authorize_http_play(
    const Request& req, std::string app, std::string name, std::string query, std::string peer,
    std::string protocol) {
  // HLS or DASH: one per-address decision cache per protocol covers every playlist (or MPD),
  // segment and chunk request. Invalid names are left to the handlers' 404.
  auto max = ctx_.config.stream.max_name_length;
  if (!valid_name(app, max) || !valid_name(name, max)) co_return std::nullopt;
  control::AccessRequest request{std::move(protocol), std::move(app), std::move(name),
                                 std::move(query), std::move(peer)};
  auto task = ctx_.admission.authorize_play(std::move(request));
  auto decision = co_await std::move(task);
  if (decision.allowed) co_return std::nullopt;
  Response refused = make_error(req, static_cast<bhttp::status>(decision.http_status),
                                decision.reason, ctx_.config.http);
  co_return refused;
}

asio::awaitable<void> HttpServer::session(tcp::socket socket, ConnectionLimiter::Slot slot) {
  const auto& cfg = ctx_.config.http;
  std::string peer = peer_string(socket);
  boost::system::error_code addr_ec;
  std::string client = socket.remote_endpoint(addr_ec).address().to_string();
  boost::beast::tcp_stream stream(std::move(socket));
  boost::beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(cfg.max_header_bytes);
    parser.body_limit(cfg.max_body_bytes);
    stream.expires_after(cfg.idle_timeout);
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, as_tuple_awaitable);
    if (ec) {
      ctx_.log->debug("http read end peer={} error=\"{}\"", peer, ec.message());
      if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
          ec == boost::beast::error::timeout) {
        break;  // the client closed, or kept an idle connection past http.idle_timeout
      }
      if (ec == bhttp::error::header_limit || ec == bhttp::error::body_limit ||
          ec == bhttp::error::bad_target ||
          ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
        ctx_.log->info("http bad request peer={} error=\"{}\"", peer, ec.message());
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
    } else if (req.method() == bhttp::verb::options) {
      response = make_response(req, bhttp::status::no_content, "text/plain", "", cfg);
    } else if (segments->size() >= 2 && (*segments)[0] == "api" && (*segments)[1] == "v1") {
      response = co_await handle_api(ctx_, req, *segments, client);
    } else if (segments->size() == 1 && (*segments)[0] == "metrics") {
      response = co_await handle_metrics(ctx_, req, client);
    } else if (req.method() != bhttp::verb::get && !head) {
      response = make_error(req, bhttp::status::method_not_allowed,
                            "only GET and HEAD are served here", cfg);
      response->set(bhttp::field::allow, "GET, HEAD, OPTIONS");
    } else if (segments->size() == 1 && (*segments)[0] == "healthz") {
      response =
          make_response(req, bhttp::status::ok, "application/json", "{\"status\":\"ok\"}\n", cfg);
      response->set(bhttp::field::cache_control, "no-cache");
    } else if (segments->size() == 2 && ends_with((*segments)[1], ".flv")) {
      const auto& app = (*segments)[0];
      auto name = (*segments)[1].substr(0, (*segments)[1].size() - 4);
      std::shared_ptr<media::Stream> s;
      std::optional<control::AccessDecision> decision;
      if (valid_name(app, ctx_.config.stream.max_name_length) &&
          valid_name(name, ctx_.config.stream.max_name_length)) {
        auto task = ctx_.admission.authorize_play(
            control::AccessRequest{"flv", app, name, query_of(req.target()), peer});
        decision = co_await std::move(task);
        if (decision->allowed) s = ctx_.streams.find(app, name);
      }
      if (decision && !decision->allowed) {
        ctx_.log->info("http-flv play refused stream={}/{} peer={} reason=\"{}\"", app, name, peer,
                       decision->reason);
        response = make_error(req, static_cast<bhttp::status>(decision->http_status),
                              decision->reason, cfg);
      } else if (!s) {
        response = make_error(req, bhttp::status::not_found, "stream not found", cfg);
      } else {
        // Hand the connection to the stream's worker: from here on it is one of the stream's
        // viewers and never touches this worker again.
        buffer.clear();
        auto raw = stream.release_socket();
        auto moved = move_socket(raw, s->executor());
        if (!moved) {
          ctx_.log->warn("http-flv peer={} error=\"{}\"", peer, moved.error().message);
          co_return;
        }
        auto ex = s->executor();
        asio::co_spawn(
            ex,
            serve_http_flv(ctx_, std::move(s), std::move(*moved), std::move(req), std::move(slot)),
            LogExceptions{ctx_.log, "http-flv session"});
        co_return;
      }
    } else if (segments->size() == 1 && (*segments)[0] == "time") {
      response = dash_time_response(req, cfg);
    } else if ((segments->size() == 3 && (*segments)[2] == "index.mpd") ||
               (segments->size() == 4 && (*segments)[2] == "dash")) {
      // MPEG-DASH: the MPD beside the HLS playlist, its segments under dash/.
      const auto& app = (*segments)[0];
      const auto& name = (*segments)[1];
      auto query = query_of(req.target());
      // A per-address decision cache as HLS has: players fetch every chunk and MPD reload.
      auto auth = authorize_http_play(req, app, name, query, peer, "dash");
      response = co_await std::move(auth);
      if (!response) {
        bool signed_urls = ctx_.admission.config()->auth.play == PlayAuth::Token;
        DashRequest dr{app,
                       name,
                       segments->back(),
                       client,
                       std::string(req[bhttp::field::host]),
                       signed_urls ? forwarded_query(query) : std::string(),
                       ctx_.admission.config()->auth.play != PlayAuth::Off,
                       query};
        auto task = serve_dash(ctx_, stream, req, dr);
        bool keep = co_await std::move(task);
        if (!keep) break;
        continue;
      }
    } else if (segments->size() == 3) {
      const auto& app = (*segments)[0];
      const auto& name = (*segments)[1];
      auto query = query_of(req.target());
      auto auth = authorize_http_play(req, app, name, query, peer, "hls");
      response = co_await std::move(auth);
      if (!response) {
        bool signed_urls = ctx_.admission.config()->auth.play == PlayAuth::Token;
        HlsRequest hr{app,
                      name,
                      (*segments)[2],
                      client,
                      query,
                      signed_urls ? forwarded_query(query) : std::string(),
                      ctx_.admission.config()->auth.play != PlayAuth::Off};
        auto task = handle_hls(ctx_, req, hr);
        auto result = co_await std::move(task);
        if (auto* r = std::get_if<Response>(&result))
          response = std::move(*r);
        else
          buffer_response = std::move(std::get<BufferResponse>(result));
      }
    } else {
      response = make_error(req, bhttp::status::not_found, "no such resource", cfg);
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
