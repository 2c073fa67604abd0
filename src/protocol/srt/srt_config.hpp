#pragma once
// The SRT section (srt.*).
#include <cstdint>
#include <map>
#include <string>

#include "core/config.hpp"
#include "protocol/protocol_catalog.hpp"

namespace firstmile {

struct SrtConfig {
  bool enabled = true;
  std::string listen = "0.0.0.0:8890";  // UDP
  Duration latency{200};                // SRT receive latency (retransmission window)
  Duration peer_idle_timeout{5000};     // a publisher silent this long is dropped
  // Per app passphrase (10..79 characters; AES). A caller of an app with one must use it.
  std::map<std::string, std::string> passphrases;
  uint32_t pbkeylen = 16;  // AES key length when encrypting: 16, 24 or 32
};

namespace srt {
ConfigModule config_module();
// What SRT publishes and serves, for /metrics and the API.
void describe(ProtocolCatalog& catalog);
}  // namespace srt

}  // namespace firstmile
