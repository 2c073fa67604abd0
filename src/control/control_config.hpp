#pragma once
// The control plane's sections: auth.* (stream keys, playback auth) and webhooks.*.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace YAML {
class Node;
}

namespace firstmile {

// Stream keys per app: app -> (secret key -> public stream name). An empty public name keeps
// the key as the name (plain nginx-rtmp-style keys).
using PublishKeys = std::map<std::string, std::map<std::string, std::string>>;

enum class PlayAuth { Off, Token, Webhook };

struct AuthConfig {
  PublishKeys publish_keys;
  std::string keys_file;  // same shape as publish_keys, re-read when it changes
  PlayAuth play = PlayAuth::Off;
  std::string play_secret;         // HMAC key of signed playback URLs
  Duration play_cache{30000};      // webhook mode: how long an HLS client's allow is kept
  bool webhook_fail_open = false;  // an unreachable auth webhook allows instead of refusing
};

struct WebhooksConfig {
  std::vector<std::string> on_publish, on_unpublish, on_play, on_stop, on_hls_segment,
      on_record_done;
  std::string secret;  // X-Firstmile-Signature key; empty = unsigned
  Duration timeout{3000};
  uint32_t max_retries = 5;
  Duration retry_backoff{1000};
  Duration retry_backoff_max{60000};
  uint32_t queue_size = 10000;
  uint64_t max_response_bytes = 64 << 10;
  // An idle connection to a receiver is kept this long for the next request (0: a connection
  // per request). Below the usual server idle timeouts (Node.js 5 s, nginx 75 s).
  Duration keep_alive{4000};
  // Decisions (on_publish, on_play) waiting for the backend at once, and started per second by
  // one address (twice that as a burst; 0 = no limit): past them a publish or play is refused
  // without a request (control/decision_limiter.hpp).
  uint32_t max_decisions_in_flight = 256;
  uint32_t decisions_per_ip = 10;
  // Lifecycle notifications not yet delivered are kept in this file and sent again after a
  // restart (control/notification_journal.hpp); empty: in memory only. Restart to change.
  std::string journal;
  uint64_t journal_max_bytes = 16 << 20;
};

// Reads a stream keys file (the shape of auth.publish_keys). Throws ConfigError.
PublishKeys load_keys_file(const std::string& path);
// The text of a keys file; `origin` names it in errors ("FILE: line 3: ..."). Throws
// ConfigError.
PublishKeys parse_keys_text(const std::string& yaml_text, const std::string& origin);
// app -> {key: name} or app -> [key, ...]. Throws ConfigError.
PublishKeys parse_publish_keys(const YAML::Node& n);

namespace control {
ConfigModule auth_config_module();      // auth.*
ConfigModule webhooks_config_module();  // webhooks.*
}  // namespace control

}  // namespace firstmile
