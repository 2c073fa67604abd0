#pragma once
// Response helpers: JSON errors with a reason, CORS and caching headers.
#include <boost/beast/http.hpp>

#include <string>
#include <string_view>

#include "core/buffer.hpp"
#include "core/config.hpp"
#include "protocol/http/http_config.hpp"

namespace firstmile::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// A response whose body is a shared buffer (an HLS segment): written without a copy.
struct BufferResponse {
  bhttp::response<bhttp::empty_body> header;
  Buffer body;
  bool head_only = false;
};

Response make_response(const Request& req, bhttp::status status, std::string_view content_type,
                       std::string body, const HttpConfig& config);
// {"error": "<reason>"} with the status; the reason says what was wrong.
Response make_error(const Request& req, bhttp::status status, std::string_view reason,
                    const HttpConfig& config);
void add_cors(bhttp::fields& fields, const HttpConfig& config);
// A response header as it goes on the wire (status line, fields, blank line).
std::string header_text(const bhttp::response_header<>& h);

}  // namespace firstmile::http
