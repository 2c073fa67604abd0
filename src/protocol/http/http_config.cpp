#include "protocol/http/http_config.hpp"

#include "core/config_schema.hpp"

namespace firstmile::http {

ConfigModule config_module() {
  using std::chrono::hours;
  Section<HttpConfig> s("http");
  s.flag("enabled", &HttpConfig::enabled)
      .text("listen", &HttpConfig::listen)
      .count("max_header_bytes", &HttpConfig::max_header_bytes, 1024, 1 << 20)
      .count("max_body_bytes", &HttpConfig::max_body_bytes, 0, 64 << 20)
      .duration("idle_timeout", &HttpConfig::idle_timeout, Duration(100), hours(1))
      .duration("header_timeout", &HttpConfig::header_timeout, Duration(100), hours(1))
      .duration("request_timeout", &HttpConfig::request_timeout, Duration(100), hours(1))
      .text("cors_origin", &HttpConfig::cors_origin)
      .text("static_dir", &HttpConfig::static_dir)
      .custom(
          "static_prefix",
          [](HttpConfig& c, const YAML::Node& n) {
            auto v = config_value::scalar(n);
            // One or more literal path segments: it becomes the route "<prefix>/{*path}".
            bool ok = v.size() > 1 && v.front() == '/' && v.back() != '/' &&
                      v.find("//") == std::string::npos &&
                      v.find_first_of("{}?#%") == std::string::npos;
            if (!ok) throw ConfigError("expected a path like /console (no trailing '/')");
            c.static_prefix = v;
          },
          [](const HttpConfig& c, bool) { return c.static_prefix; }, true);
  return s.module();
}

ConfigModule api_config_module() {
  Section<ApiConfig> s("api");
  s.secret("token", &ApiConfig::token);
  return s.module();
}

ConfigModule metrics_config_module() {
  Section<MetricsConfig> s("metrics");
  s.flag("enabled", &MetricsConfig::enabled);
  return s.module();
}

void describe(ProtocolCatalog& c) {
  c.viewers.push_back({"flv", "flv"});    // the "flv" fan-out
  c.viewers.push_back({"hls", "hls"});    // HLS clients (distinct recent addresses)
  c.viewers.push_back({"dash", "dash"});  // DASH clients
}

}  // namespace firstmile::http
