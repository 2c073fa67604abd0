#pragma once
// The HTTP server's sections: http.* (the listener, limits, CORS, static files), api.* and
// metrics.*.
#include <cstdint>
#include <string>

#include "core/config.hpp"
#include "protocol/protocol_catalog.hpp"

namespace firstmile {

struct HttpConfig {
  bool enabled = true;
  std::string listen = "0.0.0.0:8080";
  uint32_t max_header_bytes = 16 << 10;
  uint32_t max_body_bytes = 1 << 20;
  Duration idle_timeout{30000};  // keep-alive connection with no request
  // From a request's first byte: its header must be complete within header_timeout (a client
  // that trickles a header, slowloris, holds a connection no longer), the whole request
  // with its body within request_timeout.
  Duration header_timeout{10000};
  Duration request_timeout{60000};
  std::string cors_origin = "*";  // Access-Control-Allow-Origin; empty disables CORS headers
  std::string static_dir;         // files served under static_prefix; empty = off
  std::string static_prefix = "/console";  // URL prefix of static_dir's files
};

struct ApiConfig {
  std::string token;  // Bearer token; empty = loopback clients only
};

struct MetricsConfig {
  bool enabled = true;
};

namespace http {
ConfigModule config_module();          // http.*
ConfigModule api_config_module();      // api.*
ConfigModule metrics_config_module();  // metrics.*
// The viewers HTTP serves (HTTP-FLV, HLS, DASH), for /metrics and the API.
void describe(ProtocolCatalog& catalog);
}  // namespace http

}  // namespace firstmile
