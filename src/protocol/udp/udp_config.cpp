#include "protocol/udp/udp_config.hpp"

#include "core/config_schema.hpp"
#include "core/net.hpp"
#include "core/stream_name.hpp"

namespace firstmile::udp {
namespace {

// udp.inputs: "app/stream" -> "host:port", each key a valid name pair, each address parseable
// and used once (":9000" and "0.0.0.0:9000" are the same socket).
std::map<std::string, std::string> parse_inputs(const YAML::Node& n) {
  using namespace config_value;
  std::map<std::string, std::string> out;
  if (n.IsNull()) return out;
  if (!n.IsMap()) throw ConfigError("expected a mapping of app/stream to host:port");
  if (n.size() > 256) throw ConfigError("more than 256 inputs");
  std::map<std::string, std::string> seen;  // normalized address -> input
  for (const auto& item : n) {
    std::string path = scalar(item.first), address = trim(scalar(item.second));
    auto slash = path.find('/');
    if (slash == std::string::npos || !valid_name(std::string_view(path).substr(0, slash)) ||
        !valid_name(std::string_view(path).substr(slash + 1))) {
      throw ConfigError("'" + path + "' is not app/stream ([A-Za-z0-9._~-] names)");
    }
    auto endpoint = parse_listen_address(address);
    if (!endpoint) throw ConfigError(path + ": " + endpoint.error().message);
    if (endpoint->port() == 0) throw ConfigError(path + ": '" + address + "' needs a port");
    auto [it, fresh] = seen.emplace(endpoint_string(*endpoint), path);
    if (!fresh) throw ConfigError(path + ": " + address + " is already used by " + it->second);
    out[path] = address;
  }
  return out;
}

}  // namespace

ConfigModule config_module() {
  using std::chrono::hours;
  Section<UdpConfig> s("udp");
  s.custom(
       "inputs", [](UdpConfig& c, const YAML::Node& n) { c.inputs = parse_inputs(n); },
       [](const UdpConfig& c, bool) { return config_value::dump_string_map(c.inputs, true); })
      .duration("idle_timeout", &UdpConfig::idle_timeout, Duration(200), hours(1))
      .size("recv_buffer", &UdpConfig::recv_buffer, 64 << 10, 1ull << 30);
  return s.module();
}

void describe(ProtocolCatalog& c) {
  c.publishers.push_back("udp");
}

}  // namespace firstmile::udp
