// The stream keys file (auth.keys_file), re-read whenever it changes while the server runs:
// it may be refused, but only with a ConfigError (the key store catches that and keeps the
// keys it has; anything else would escape the control thread).
// Checks: no key is empty; the keys written back as YAML (double-quoted, as --print-config
// prints auth.publish_keys) read back the same.
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "control/control_config.hpp"

using namespace firstmile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  PublishKeys keys;
  try {
    keys = parse_keys_text(text, "keys.yaml");
  } catch (const ConfigError&) {
    return 0;
  }
  YAML::Emitter e;
  e << YAML::BeginMap;
  for (const auto& [app, map] : keys) {
    e << YAML::Key << YAML::DoubleQuoted << app << YAML::Value << YAML::BeginMap;
    for (const auto& [key, name] : map) {
      if (key.empty()) __builtin_trap();
      e << YAML::Key << YAML::DoubleQuoted << key << YAML::Value << YAML::DoubleQuoted << name;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  if (!e.good()) return 0;  // the emitter refuses some bytes (invalid UTF-8): nothing to compare
  PublishKeys again;
  try {
    again = parse_keys_text(e.c_str(), "written.yaml");
  } catch (const ConfigError&) {
    __builtin_trap();
  }
  if (again != keys) __builtin_trap();
  return 0;
}
