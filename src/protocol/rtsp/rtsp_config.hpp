#pragma once
// The RTSP section (rtsp.*).
#include <cstdint>
#include <string>

#include "core/config.hpp"
#include "protocol/protocol_catalog.hpp"

namespace firstmile {

struct RtspConfig {
  bool enabled = true;
  std::string listen = "0.0.0.0:8554";
  // TCP accept to RECORD: a client that has not started publishing by then is closed.
  Duration handshake_timeout{10000};
  // A publisher from which nothing (media, RTCP, a keep-alive request) arrives for this long.
  // Also announced in the Session header's timeout.
  Duration session_timeout{60000};
  // UDP ports for RTP (even) and RTCP (odd) of tracks set up over UDP, one pair per track.
  std::string udp_ports = "8000-8999";
};

namespace rtsp {
ConfigModule config_module();
// What RTSP publishes and serves, for /metrics and the API.
void describe(ProtocolCatalog& catalog);
}  // namespace rtsp

}  // namespace firstmile
