#pragma once
// The RTMP section (rtmp.*). rtmp.on_conflict is the hub's (StreamConfig).
#include <cstdint>
#include <string>

#include "core/config.hpp"
#include "protocol/protocol_catalog.hpp"

namespace firstmile {

struct RtmpConfig {
  bool enabled = true;
  std::string listen = "0.0.0.0:1935";
  uint32_t chunk_size = 4096;  // our outbound chunk size
  uint32_t max_incoming_chunk_size = 16 << 20;
  uint32_t max_message_size = 8 << 20;   // largest message a peer may send
  uint32_t ack_window = 2500000;         // Window Acknowledgement Size we announce
  Duration handshake_timeout{10000};     // TCP accept to publish/play command
  Duration publish_idle_timeout{15000};  // a publisher that sends no media for this long
};

namespace rtmp {
ConfigModule config_module();
// What RTMP publishes and serves, for /metrics and the API.
void describe(ProtocolCatalog& catalog);
}  // namespace rtmp

}  // namespace firstmile
