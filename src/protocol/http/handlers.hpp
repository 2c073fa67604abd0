#pragma once
// Request handlers of the HTTP server, one per concern.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "core/buffer.hpp"
#include "protocol/http/response.hpp"

namespace firstmile::http {

// A response whose body is a shared buffer (an HLS segment): written without a copy.
struct BufferResponse {
  bhttp::response<bhttp::empty_body> header;
  Buffer body;
  bool head_only = false;
};

// GET/HEAD /{app}/{stream}/index.m3u8 and /{app}/{stream}/{segment}.ts
// `client` is the requester's address (without port), for counting HLS viewers.
std::variant<Response, BufferResponse> handle_hls(ServerContext& ctx, const Request& req,
                                                  const std::string& app, const std::string& name,
                                                  const std::string& file,
                                                  const std::string& client);

// /api/v1/... ; runs on the caller's worker, visiting streams on their own executors.
boost::asio::awaitable<Response> handle_api(ServerContext& ctx, const Request& req,
                                            const std::vector<std::string>& segments);

// GET /{app}/{stream}.flv once the socket has moved to the stream's executor: answers 404 if
// the stream is not live, else streams FLV until the publisher leaves or the client goes away.
boost::asio::awaitable<void> serve_http_flv(ServerContext& ctx,
                                            std::shared_ptr<media::Stream> stream,
                                            boost::asio::ip::tcp::socket socket, Request req,
                                            ConnectionLimiter::Slot slot);

}  // namespace firstmile::http
