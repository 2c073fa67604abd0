#include "core/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/config_schema.hpp"
#include "core/log.hpp"

namespace firstmile {
namespace {

std::string line_of(const YAML::Node& node) {
  return " (line " + std::to_string(node.Mark().line + 1) + ")";
}

void apply(Config& config, const ConfigSchema& schema, const YAML::Node& node,
           const std::string& prefix) {
  if (node.IsNull()) return;  // an empty section (all its keys commented out): defaults
  if (!node.IsMap()) {
    throw ConfigError((prefix.empty() ? std::string("top level") : prefix) + line_of(node) +
                      ": expected a mapping");
  }
  for (const auto& item : node) {
    if (!item.first.IsScalar())
      throw ConfigError("key" + line_of(item.first) + ": expected a plain key name");
    std::string name = item.first.Scalar();
    std::string path = prefix.empty() ? name : prefix + "." + name;
    auto line = line_of(item.first);
    if (const ConfigKey* key = schema.find(path)) {
      try {
        key->set(config, item.second);
      } catch (const ConfigError& e) {
        throw ConfigError(path + line + ": " + e.what());
      } catch (const YAML::Exception& e) {
        throw ConfigError(path + line + ": " + e.msg);
      }
      continue;
    }
    if (!schema.is_section(path)) throw ConfigError(path + line + ": unknown key");
    apply(config, schema, item.second, path);
  }
}

}  // namespace

Duration parse_duration(const std::string& text) {
  double v;
  std::string unit;
  if (!config_value::split_number(text, v, unit))
    throw ConfigError("'" + text + "' is not a duration (e.g. 10s, 250ms)");
  double ms;
  if (unit.empty() || unit == "s")
    ms = v * 1000;
  else if (unit == "ms")
    ms = v;
  else if (unit == "m" || unit == "min")
    ms = v * 60000;
  else if (unit == "h")
    ms = v * 3600000;
  else
    throw ConfigError("'" + text + "': unknown duration unit '" + unit + "' (ms, s, m, h)");
  if (ms > 1e12) throw ConfigError("'" + text + "' is too long");
  return Duration(static_cast<int64_t>(std::llround(ms)));
}

uint64_t parse_size(const std::string& text) {
  double v;
  std::string unit;
  if (!config_value::split_number(text, v, unit))
    throw ConfigError("'" + text + "' is not a number");
  double mult;
  if (unit.empty() || unit == "B")
    mult = 1;
  else if (unit == "K" || unit == "KiB" || unit == "k")
    mult = 1024.0;
  else if (unit == "KB" || unit == "kB")
    mult = 1000.0;
  else if (unit == "M" || unit == "MiB")
    mult = 1024.0 * 1024;
  else if (unit == "MB")
    mult = 1e6;
  else if (unit == "G" || unit == "GiB")
    mult = 1024.0 * 1024 * 1024;
  else if (unit == "GB")
    mult = 1e9;
  else
    throw ConfigError("'" + text + "': unknown size unit '" + unit +
                      "' (KiB, MiB, GiB, KB, MB, GB)");
  double bytes = v * mult;
  if (bytes > 1.8e19) throw ConfigError("'" + text + "' is too large");
  if (bytes != std::floor(bytes))
    throw ConfigError("'" + text + "' is not a whole number of bytes");
  return static_cast<uint64_t>(bytes);
}

Config parse_config(const std::string& yaml_text, const std::string& origin,
                    const ConfigSchema& schema) {
  Config config;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(origin + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  try {
    if (!root.IsNull()) apply(config, schema, root, "");  // an empty file: all defaults
    schema.validate(config);
  } catch (const ConfigError& e) {
    throw ConfigError(origin + ": " + e.what());
  }
  return config;
}

Config load_config_file(const std::string& path, const ConfigSchema& schema) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path, schema);
}

std::vector<std::string> changed_keys(const Config& a, const Config& b,
                                      const ConfigSchema& schema) {
  std::vector<std::string> out;
  for (const ConfigKey* k : schema.keys()) {
    if (k->get(a, true) != k->get(b, true)) out.push_back(k->path);
  }
  return out;
}

std::string dump_config(const Config& config, const ConfigSchema& schema, bool with_secrets) {
  std::string out;
  std::string section;
  for (const ConfigKey* k : schema.keys()) {
    auto dot = k->path.find('.');
    std::string sec = dot == std::string::npos ? "" : k->path.substr(0, dot);
    std::string name = dot == std::string::npos ? k->path : k->path.substr(dot + 1);
    if (sec != section) {
      section = sec;
      if (!sec.empty()) out += sec + ":\n";
    }
    std::string value = k->get(config, with_secrets);
    if (k->secret && !with_secrets && !value.empty()) value = redact(value);
    if (k->quoted || k->secret) {
      YAML::Emitter e;
      e << YAML::DoubleQuoted << value;
      value = e.c_str();
    }
    out += (sec.empty() ? "" : "  ") + name + ": " + value + "\n";
  }
  return out;
}

}  // namespace firstmile
