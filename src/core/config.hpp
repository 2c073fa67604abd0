#pragma once
// The server configuration. Every key has a default, so the server runs with no file at all;
// a YAML file overrides what it names. Loading is start-up code: it throws ConfigError with
// the file, the key and the reason, and main() prints it.
#include <any>
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <typeindex>
#include <vector>

namespace firstmile {

using Duration = std::chrono::milliseconds;

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class PublishConflict { Refuse, TakeOver };

struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error, off
  std::string format = "text";  // text (logfmt-style fields) or json (one object per line)
};

// The hub's settings. Two keep the names they were first given: the take-over policy
// applies to every publisher but is `rtmp.on_conflict`, the GOP cache cap is
// `fanout.max_gop_cache_bytes`.
struct StreamConfig {
  Duration linger{30000};  // keep an ended stream's HLS and state this long for a reconnect
  uint32_t max_streams = 1000;
  uint32_t max_name_length = 256;
  // RTMP players may arrive before the publisher. A name nobody has published yet is a
  // waiting stream: at most max_waiting of them, apart from max_streams (players cannot use up
  // the publishers' room), and a player waits at most play_wait_timeout before it is told
  // NetStream.Play.StreamNotFound.
  uint32_t max_waiting = 1000;
  Duration play_wait_timeout{30000};
  PublishConflict on_conflict = PublishConflict::Refuse;  // a second publisher of a live name
  uint64_t max_gop_cache_bytes = 32 << 20;                // the cached GOP a joining viewer gets
};

struct LimitsConfig {
  uint32_t max_connections = 10000;  // all protocols together
  // Of one peer address (IPv4-mapped IPv6 counts as IPv4), all protocols together; 0 = no
  // limit. One host cannot hold every connection. 127.0.0.1 and ::1 (a reverse proxy on the
  // host) are not counted. Viewers behind one CDN or carrier NAT share an address: raise it.
  uint32_t max_connections_per_ip = 256;
  // Slots viewers (HTTP connections, RTMP and SRT players) cannot take, so that publishers
  // can connect however many viewers come; at most half of max_connections is kept.
  uint32_t reserved_for_publishers = 1000;
};

class ConfigSchema;
struct ConfigModule;  // core/config_schema.hpp: what a module declares

// The effective configuration. The server-wide settings are members; every module's own
// section (rtmp, srt, hls, auth, ...) is a struct declared beside that module and held here by
// type: get<T>() reads it (T's defaults when nothing set it), at<T>() writes it. Which
// sections exist, their YAML keys and their checks are the ConfigSchema's business
// (core/config_schema.hpp); the server's schema lists its modules (app/modules.hpp).
class Config {
 public:
  LogConfig log;
  uint32_t workers = 0;  // worker threads; 0 = one per core
  std::string node_id;   // defaults to the host name
  LimitsConfig limits;
  StreamConfig stream;

  template <class T>
  const T& get() const {
    auto it = sections_.find(std::type_index(typeid(T)));
    if (it == sections_.end()) {
      static const T defaults{};
      return defaults;
    }
    return *std::any_cast<T>(&it->second);
  }
  template <class T>
  T& at() {
    auto it = sections_.try_emplace(std::type_index(typeid(T)), std::in_place_type<T>).first;
    return *std::any_cast<T>(&it->second);
  }

 private:
  std::map<std::type_index, std::any> sections_;
};

// Loads a YAML file over the defaults. Throws ConfigError("FILE: KEY: reason").
Config load_config_file(const std::string& path, const ConfigSchema& schema);
// Parses YAML text over the defaults; `origin` names the source in errors.
Config parse_config(const std::string& yaml_text, const std::string& origin,
                    const ConfigSchema& schema);
// The effective configuration as YAML (for --print-config), a section per block in the
// schema's order. Secrets (keys, tokens) are shown redacted unless `with_secrets` (the config
// hash covers them too).
std::string dump_config(const Config& config, const ConfigSchema& schema,
                        bool with_secrets = false);
// The keys ("rtmp.listen", "auth.publish_keys", ...) whose values differ between a and b.
std::vector<std::string> changed_keys(const Config& a, const Config& b, const ConfigSchema& schema);

// "10s", "250ms", "2m", "1.5" (seconds) -> milliseconds. Throws ConfigError.
Duration parse_duration(const std::string& text);
// "8MiB", "512KiB", "4096", "1M" (= MiB), "2G" -> bytes. Throws ConfigError.
uint64_t parse_size(const std::string& text);

}  // namespace firstmile
