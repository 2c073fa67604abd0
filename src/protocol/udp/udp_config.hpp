#pragma once
// The UDP section (udp.*): plain UDP / MPEG-TS inputs (hardware encoders), one socket per
// input, no handshake.
#include <cstdint>
#include <map>
#include <string>

#include "core/config.hpp"
#include "protocol/protocol_catalog.hpp"

namespace firstmile {

struct UdpConfig {
  std::map<std::string, std::string> inputs;  // "app/stream" -> listen address "host:port"
  Duration idle_timeout{5000};                // a source silent this long ends its publish
  uint64_t recv_buffer = 4 << 20;             // SO_RCVBUF: encoders send in bursts
};

namespace udp {
ConfigModule config_module();
// What UDP publishes and serves, for /metrics and the API.
void describe(ProtocolCatalog& catalog);
}  // namespace udp

}  // namespace firstmile
