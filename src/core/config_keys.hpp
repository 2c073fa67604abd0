#pragma once
// Internal to src/core/config*.cpp: the table of configuration keys that drives loading,
// unknown-key detection, change detection on reload and --print-config (so they cannot drift
// apart), and the value helpers config.cpp shares with it.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace firstmile::config_keys {

// One configuration key: how to read it from YAML and how to print it. The same table drives
// loading, unknown-key detection and --print-config, so they cannot drift apart.
struct Key {
  std::string path;  // "rtmp.chunk_size"
  std::function<void(Config&, const YAML::Node&)> set;
  std::function<std::string(const Config&)> get;
  bool quoted = false;
  bool secret = false;  // redacted in --print-config
};

// Every key, in --print-config order.
const std::vector<Key>& all();

// Splits "12.5ms" into 12.5 and "ms".
bool split_number(const std::string& text, double& number, std::string& unit);
// app -> {key: name} or app -> [key, ...]
PublishKeys parse_publish_keys(const YAML::Node& n);
std::string dump_string_map(const std::map<std::string, std::string>& map, bool with_secrets);
std::string dump_keys(const PublishKeys& keys, bool with_secrets);

}  // namespace firstmile::config_keys
