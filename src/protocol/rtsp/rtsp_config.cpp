#include "protocol/rtsp/rtsp_config.hpp"

#include "core/config_schema.hpp"
#include "protocol/rtsp/udp_port_pool.hpp"

namespace firstmile::rtsp {

ConfigModule config_module() {
  using std::chrono::hours;
  Section<RtspConfig> s("rtsp");
  s.flag("enabled", &RtspConfig::enabled)
      .text("listen", &RtspConfig::listen)
      .duration("handshake_timeout", &RtspConfig::handshake_timeout, Duration(100), hours(1))
      .duration("session_timeout", &RtspConfig::session_timeout, Duration(1000), hours(1))
      .custom(
          "udp_ports",
          [](RtspConfig& c, const YAML::Node& n) {
            const std::string v = config_value::scalar(n);
            if (auto range = parse_port_range(v); !range) throw ConfigError(range.error().message);
            c.udp_ports = v;
          },
          [](const RtspConfig& c, bool) { return c.udp_ports; }, true);
  return s.module();
}

void describe(ProtocolCatalog& c) {
  c.publishers.push_back("rtsp");
  c.viewers.push_back({"rtsp", "rtsp"});  // the "rtsp" fan-out (RtpPackager)
}

}  // namespace firstmile::rtsp
