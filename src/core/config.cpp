#include "core/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/config_keys.hpp"
#include "core/log.hpp"

namespace firstmile {
namespace {

using config_keys::Key;
using config_keys::split_number;

const std::vector<Key>& keys() {
  return config_keys::all();
}

void validate(const Config& c) {
  if (c.hls.max_segment_duration < c.hls.segment_duration) {
    throw ConfigError("hls.max_segment_duration: must not be below hls.segment_duration");
  }
  // LL-HLS parts are a fraction of a segment; at half of it a part target stops making sense.
  if (c.hls.part_duration > c.hls.segment_duration / 2) {
    throw ConfigError("hls.part_duration: must be at most half of hls.segment_duration");
  }
  // DASH cuts at hls.segment_duration too; a segment holds at least two chunks.
  if (c.dash.chunk_duration > c.hls.segment_duration / 2) {
    throw ConfigError("dash.chunk_duration: must be at most half of hls.segment_duration");
  }
  if (c.auth.play == PlayAuth::Token && c.auth.play_secret.size() < 16) {
    throw ConfigError("auth.play_secret: signed playback URLs need a secret of 16 bytes or more");
  }
  if (c.auth.play == PlayAuth::Webhook && c.webhooks.on_play.empty()) {
    throw ConfigError("auth.play: 'webhook' needs at least one webhooks.on_play URL");
  }
}

std::string line_of(const YAML::Node& node) {
  return " (line " + std::to_string(node.Mark().line + 1) + ")";
}

void apply(Config& config, const YAML::Node& node, const std::string& prefix) {
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
    const auto& table = keys();
    auto it =
        std::find_if(table.begin(), table.end(), [&](const Key& k) { return k.path == path; });
    if (it != table.end()) {
      try {
        it->set(config, item.second);
      } catch (const ConfigError& e) {
        throw ConfigError(path + line + ": " + e.what());
      } catch (const YAML::Exception& e) {
        throw ConfigError(path + line + ": " + e.msg);
      }
      continue;
    }
    bool is_section = std::any_of(table.begin(), table.end(),
                                  [&](const Key& k) { return k.path.rfind(path + ".", 0) == 0; });
    if (!is_section) throw ConfigError(path + line + ": unknown key");
    apply(config, item.second, path);
  }
}

}  // namespace

Duration parse_duration(const std::string& text) {
  double v;
  std::string unit;
  if (!split_number(text, v, unit))
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
  if (!split_number(text, v, unit)) throw ConfigError("'" + text + "' is not a number");
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

Config parse_config(const std::string& yaml_text, const std::string& origin) {
  Config config;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(origin + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return config;  // an empty file: all defaults
  try {
    apply(config, root, "");
    validate(config);
  } catch (const ConfigError& e) {
    throw ConfigError(origin + ": " + e.what());
  }
  return config;
}

Config load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

PublishKeys load_keys_file(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError(path + ": cannot open file");
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  try {
    return config_keys::parse_publish_keys(root);
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ": " + e.msg);
  }
}

std::vector<std::string> changed_keys(const Config& a, const Config& b) {
  std::vector<std::string> out;
  for (const auto& k : keys()) {
    if (k.get(a) != k.get(b)) out.push_back(k.path);
  }
  return out;
}

std::string dump_config(const Config& config, bool with_secrets) {
  std::string out;
  std::string section;
  for (const auto& k : keys()) {
    auto dot = k.path.find('.');
    std::string sec = dot == std::string::npos ? "" : k.path.substr(0, dot);
    std::string name = dot == std::string::npos ? k.path : k.path.substr(dot + 1);
    if (sec != section) {
      section = sec;
      if (!sec.empty()) out += sec + ":\n";
    }
    std::string value = k.get(config);
    bool map_valued = k.path == "auth.publish_keys" || k.path == "srt.passphrases";
    if (k.path == "auth.publish_keys")
      value = config_keys::dump_keys(config.auth.publish_keys, with_secrets);
    if (k.path == "srt.passphrases")
      value = config_keys::dump_string_map(config.srt.passphrases, with_secrets);
    if (k.secret && !with_secrets && !value.empty() && !map_valued) value = redact(value);
    if (k.quoted || (k.secret && !map_valued)) {
      YAML::Emitter e;
      e << YAML::DoubleQuoted << value;
      value = e.c_str();
    }
    out += (sec.empty() ? "" : "  ") + name + ": " + value + "\n";
  }
  return out;
}

}  // namespace firstmile
