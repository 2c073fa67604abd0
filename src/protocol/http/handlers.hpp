#pragma once
// Request handlers of the HTTP server, one per concern.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/buffer.hpp"
#include "protocol/http/http_config.hpp"
#include "protocol/http/http_context.hpp"
#include "protocol/http/response.hpp"
#include "protocol/http/router.hpp"

namespace firstmile::http {

struct HlsRequest {
  std::string app, name, file;
  std::string client;          // the requester's address (without port), for counting HLS viewers
  std::string query;           // the request's query string
  std::string forward_query;   // appended to segment URIs in the playlist (signed URLs)
  bool private_cache = false;  // play auth is on: a shared cache must not keep the answer
};

// GET/HEAD /{app}/{stream}/index.m3u8, {segment}.ts, and for fMP4 {init}.mp4, {segment}.m4s
// and LL-HLS {segment}.{part}.m4s, once play auth passed. A blocking LL-HLS request
// (_HLS_msn, or a part not made yet) suspends here until the stream publishes it.
boost::asio::awaitable<std::variant<Response, BufferResponse>> handle_hls(ServerContext& ctx,
                                                                          const Request& req,
                                                                          const HlsRequest& hls);

struct DashRequest {
  std::string app, name;
  std::string file;            // "index.mpd", or the file under dash/
  std::string client;          // the requester's address (without port)
  std::string forward_query;   // appended to segment URLs in the MPD (signed URLs)
  bool private_cache = false;  // play auth is on: a shared cache must not keep the answer
  std::string query;           // the request's query, for the on_play notification
};

// GET/HEAD /{app}/{stream}/index.mpd and /{app}/{stream}/dash/{init or segment}, once play auth
// passed. Writes the response itself: a request for the segment being produced is answered at
// once with Transfer-Encoding: chunked, chunk by chunk as the stream makes them (low-latency
// DASH). Returns whether the connection may be kept.
boost::asio::awaitable<bool> serve_dash(ServerContext& ctx, boost::beast::tcp_stream& stream,
                                        const Request& req, const DashRequest& dash);

// GET /time: the server's clock as xs:dateTime (the MPD's UTCTiming http-iso source).
Response dash_time_response(const Request& req, const HttpConfig& cfg);

// Appends `query` to every URI of a playlist (URI lines and URI="..." tag attributes).
std::string with_query(const std::string& playlist, const std::string& query);

// The API's endpoints (/api/v1/...), one per route; each runs on the caller's worker,
// visiting streams on their own executors. The route's guard is check_api_access.
//   GET /api/v1/streams                      api_streams
//   GET, DELETE /api/v1/streams/{app}/{stream}  api_stream, api_kick_stream (the publisher)
//   GET /api/v1/clients                      api_clients
//   GET, DELETE /api/v1/clients/{id}         api_client, api_kick_client
//   GET /api/v1/server                       api_server
//   POST /api/v1/reload                      api_reload
//   GET, POST /api/v1/pulls                  api_pulls, api_add_pull
//   DELETE /api/v1/pulls/{app}/{stream}      api_remove_pull
boost::asio::awaitable<Response> api_streams(HttpContext& ctx, const RouteRequest& r);
boost::asio::awaitable<Response> api_stream(HttpContext& ctx, const RouteRequest& r);
boost::asio::awaitable<Response> api_kick_stream(HttpContext& ctx, const RouteRequest& r);
boost::asio::awaitable<Response> api_clients(HttpContext& ctx, const RouteRequest& r);
boost::asio::awaitable<Response> api_client(HttpContext& ctx, const RouteRequest& r);
boost::asio::awaitable<Response> api_kick_client(HttpContext& ctx, const RouteRequest& r);
boost::asio::awaitable<Response> api_server(HttpContext& ctx, const RouteRequest& r);
boost::asio::awaitable<Response> api_reload(HttpContext& ctx, const RouteRequest& r);
boost::asio::awaitable<Response> api_pulls(HttpContext& ctx, const RouteRequest& r);
boost::asio::awaitable<Response> api_add_pull(HttpContext& ctx, const RouteRequest& r);
boost::asio::awaitable<Response> api_remove_pull(HttpContext& ctx, const RouteRequest& r);

// GET /metrics in the Prometheus text format; its route has the API's guard (check_api_access).
boost::asio::awaitable<Response> handle_metrics(HttpContext& ctx, const Request& req);

// The API's access rule: with api.token set, a matching "Authorization: Bearer" header (401
// otherwise); without one, loopback clients only (403). nullopt = allowed.
std::optional<Response> check_api_access(HttpContext& ctx, const Request& req,
                                         const std::string& client);

// The state of every stream, each read on its own executor.
boost::asio::awaitable<std::vector<media::StreamInfo>> all_stream_info(HttpContext& ctx);

// GET /{app}/{stream}.flv once the socket has moved to the stream's executor: answers 404 if
// the stream is not live, else streams FLV until the publisher leaves or the client goes away.
boost::asio::awaitable<void> serve_http_flv(ServerContext& ctx,
                                            std::shared_ptr<media::Stream> stream,
                                            boost::asio::ip::tcp::socket socket, Request req,
                                            ConnectionLimiter::Slot slot);

}  // namespace firstmile::http
