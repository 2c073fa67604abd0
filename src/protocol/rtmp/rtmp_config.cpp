#include "protocol/rtmp/rtmp_config.hpp"

#include "core/config_schema.hpp"

namespace firstmile::rtmp {

ConfigModule config_module() {
  using std::chrono::hours;
  Section<RtmpConfig> s("rtmp");
  s.flag("enabled", &RtmpConfig::enabled)
      .text("listen", &RtmpConfig::listen)
      .count("chunk_size", &RtmpConfig::chunk_size, 128, 1 << 24)
      .count("max_incoming_chunk_size", &RtmpConfig::max_incoming_chunk_size, 128, 1 << 24)
      .count("max_message_size", &RtmpConfig::max_message_size, 1024, 64 << 20)
      .count("ack_window", &RtmpConfig::ack_window, 4096, 1u << 31)
      .duration("handshake_timeout", &RtmpConfig::handshake_timeout, Duration(100), hours(1))
      .duration("publish_idle_timeout", &RtmpConfig::publish_idle_timeout, Duration(100), hours(1));
  return s.module();
}

void describe(ProtocolCatalog& c) {
  c.publishers.push_back("rtmp");
  c.viewers.push_back({"rtmp", "rtmp"});  // the "rtmp" fan-out
}

}  // namespace firstmile::rtmp
