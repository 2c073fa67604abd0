#include "protocol/http/response.hpp"

#include <boost/json.hpp>

#include <sstream>

namespace firstmile::http {

void add_cors(bhttp::fields& fields, const HttpConfig& config) {
  if (config.cors_origin.empty()) return;
  fields.set(bhttp::field::access_control_allow_origin, config.cors_origin);
  fields.set(bhttp::field::access_control_allow_methods, "GET, HEAD, OPTIONS");
  fields.set(bhttp::field::access_control_allow_headers, "Range, Content-Type, Authorization");
  fields.set(bhttp::field::access_control_expose_headers, "Content-Length, Content-Range");
}

Response make_response(const Request& req, bhttp::status status, std::string_view content_type,
                       std::string body, const HttpConfig& config) {
  Response res{status, req.version()};
  res.set(bhttp::field::server, "firstmile/" FIRSTMILE_VERSION);
  res.set(bhttp::field::content_type, content_type);
  add_cors(res.base(), config);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response make_error(const Request& req, bhttp::status status, std::string_view reason,
                    const HttpConfig& config) {
  boost::json::object o;
  o["error"] = reason;
  auto res =
      make_response(req, status, "application/json", boost::json::serialize(o) + "\n", config);
  res.set(bhttp::field::cache_control, "no-cache");
  return res;
}

std::string header_text(const bhttp::response_header<>& h) {
  std::ostringstream os;
  os << h;
  return os.str();
}

}  // namespace firstmile::http
