#pragma once
// The configuration functions over the server's own schema (app/modules.cpp): the config tests
// read and print what the server does.
#include <string>
#include <vector>

#include "app/modules.hpp"
#include "core/config.hpp"

namespace firstmile::server_schema {

inline Config parse_config(const std::string& text, const std::string& origin) {
  return firstmile::parse_config(text, origin, config_schema());
}
inline Config load_config_file(const std::string& path) {
  return firstmile::load_config_file(path, config_schema());
}
inline std::string dump_config(const Config& c, bool with_secrets = false) {
  return firstmile::dump_config(c, config_schema(), with_secrets);
}
// The ConfigError message of parse_config(text, "cfg.yaml"), or "" if it did not throw one.
inline std::string error_of(const std::string& text) {
  try {
    parse_config(text, "cfg.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
inline std::vector<std::string> changed_keys(const Config& a, const Config& b) {
  return firstmile::changed_keys(a, b, config_schema());
}

}  // namespace firstmile::server_schema
