// The configuration schema (every module's keys, grouped by section), the value parsers and
// printers the modules' keys share, and the server-wide and hub sections' own keys.
#include "core/config_schema.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/log.hpp"

namespace firstmile {

ConfigSchema::ConfigSchema(std::vector<ConfigModule> modules) : modules_(std::move(modules)) {
  // Group by section, sections in first-appearance order, keys in declaration order.
  std::vector<std::string> sections;
  auto section_of = [](const std::string& path) {
    auto dot = path.find('.');
    return dot == std::string::npos ? std::string() : path.substr(0, dot);
  };
  for (const auto& m : modules_) {
    for (const auto& k : m.keys) {
      auto sec = section_of(k.path);
      // Top-level keys stay where they are declared: each is its own "section".
      if (sec.empty()) sec = "\n" + k.path;
      if (std::find(sections.begin(), sections.end(), sec) == sections.end())
        sections.push_back(sec);
    }
  }
  for (const auto& sec : sections) {
    for (const auto& m : modules_) {
      for (const auto& k : m.keys) {
        auto own = section_of(k.path);
        if (own.empty()) own = "\n" + k.path;
        if (own != sec) continue;
        if (find(k.path)) throw std::logic_error("configuration key declared twice: " + k.path);
        keys_.push_back(&k);
      }
    }
  }
}

const ConfigKey* ConfigSchema::find(const std::string& path) const {
  for (const ConfigKey* k : keys_)
    if (k->path == path) return k;
  return nullptr;
}

bool ConfigSchema::is_section(const std::string& prefix) const {
  return std::any_of(keys_.begin(), keys_.end(),
                     [&](const ConfigKey* k) { return k->path.rfind(prefix + ".", 0) == 0; });
}

void ConfigSchema::validate(const Config& config) const {
  for (const auto& m : modules_)
    if (m.validate) m.validate(config);
}

namespace config_value {

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Splits "12.5ms" into 12.5 and "ms".
bool split_number(const std::string& text, double& number, std::string& unit) {
  std::string t = trim(text);
  size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.'))
    ++i;
  if (i == 0) return false;
  try {
    size_t used = 0;
    number = std::stod(t.substr(0, i), &used);
    if (used != i) return false;
  } catch (const std::exception&) {
    return false;
  }
  unit = trim(t.substr(i));
  return std::isfinite(number) && number >= 0;
}

std::string format_duration(Duration d) {
  auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string format_size(uint64_t v) {
  if (v != 0 && v % (1ull << 30) == 0) return std::to_string(v >> 30) + "GiB";
  if (v != 0 && v % (1ull << 20) == 0) return std::to_string(v >> 20) + "MiB";
  if (v != 0 && v % (1ull << 10) == 0) return std::to_string(v >> 10) + "KiB";
  return std::to_string(v);
}

std::string format_double(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

namespace {
// UTF-8 as RFC 3629, section 4 defines it (no overlong forms, no surrogates, nothing above
// U+10FFFF), without the 66 Unicode noncharacters (U+FDD0..U+FDEF and U+xxFFFE/U+xxFFFF,
// Unicode 15.0, 23.7): yaml-cpp's emitter prints those as U+FFFD too.
bool printable_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    unsigned char lo = 0x80, hi = 0xbf;  // the range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      cp = c & 0x0f;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      cp = c & 0x07;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) return false;
      cp = cp << 6 | (b & 0x3f);
    }
    if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe) return false;
    i += n + 1;
  }
  return true;
}
}  // namespace

std::string scalar(const YAML::Node& n) {
  if (!n.IsScalar()) throw ConfigError("expected a single value");
  // A YAML stream is Unicode text (YAML 1.2, 5.2); yaml-cpp reads other bytes without a word,
  // but its emitter turns them into U+FFFD, so such a value would print (--print-config, the
  // reload's change detection) as something other than what was read.
  if (!printable_utf8(n.Scalar()))
    throw ConfigError("value is not valid UTF-8 or holds a Unicode noncharacter");
  return n.Scalar();
}

bool to_bool(const YAML::Node& n) {
  std::string s = scalar(n);
  if (s == "true" || s == "on" || s == "yes") return true;
  if (s == "false" || s == "off" || s == "no") return false;
  throw ConfigError("expected true or false, got '" + s + "'");
}

uint64_t to_uint(const YAML::Node& n, uint64_t max) {
  std::string s = scalar(n);
  uint64_t v = parse_size(s);
  if (v > max) throw ConfigError("value " + s + " is over the maximum " + std::to_string(max));
  return v;
}

double to_double(const YAML::Node& n, double min, double max) {
  double v;
  std::string unit;
  std::string s = scalar(n);
  if (!split_number(s, v, unit) || !unit.empty())
    throw ConfigError("expected a number, got '" + s + "'");
  if (v < min || v > max) {
    throw ConfigError("value " + s + " is outside [" + format_double(min) + ", " +
                      format_double(max) + "]");
  }
  return v;
}

std::string flow(const std::vector<std::string>& items) {
  YAML::Emitter e;
  e << YAML::Flow << YAML::BeginSeq;
  for (const auto& i : items)
    e << YAML::DoubleQuoted << i;
  e << YAML::EndSeq;
  return e.c_str();
}

std::string dump_string_map(const std::map<std::string, std::string>& map, bool with_secrets) {
  YAML::Emitter e;
  e << YAML::Flow << YAML::BeginMap;
  for (const auto& [k, v] : map)
    e << YAML::Key << YAML::DoubleQuoted << k << YAML::Value << YAML::DoubleQuoted
      << (with_secrets ? v : redact(v));
  e << YAML::EndMap;
  return e.c_str();
}

std::vector<std::string> to_list(const YAML::Node& n, size_t max_items) {
  std::vector<std::string> out;
  if (n.IsNull()) {
  } else if (n.IsScalar()) {
    out.push_back(scalar(n));
  } else if (n.IsSequence()) {
    if (n.size() > max_items)
      throw ConfigError("more than " + std::to_string(max_items) + " entries");
    for (const auto& item : n)
      out.push_back(scalar(item));
  } else {
    throw ConfigError("expected a list");
  }
  return out;
}

}  // namespace config_value

ConfigModule server_config_module() {
  using namespace config_value;
  Section<LogConfig> log("log", &Config::log);
  log.text("level", &LogConfig::level, {"trace", "debug", "info", "warn", "error", "off"})
      .text("format", &LogConfig::format, {"text", "json"});
  auto keys = log.keys();
  keys.push_back(ConfigKey{
      "workers",
      [](Config& c, const YAML::Node& n) { c.workers = static_cast<uint32_t>(to_uint(n, 256)); },
      [](const Config& c, bool) { return std::to_string(c.workers); }});
  keys.push_back(ConfigKey{"node_id", [](Config& c, const YAML::Node& n) { c.node_id = scalar(n); },
                           [](const Config& c, bool) { return c.node_id; }, true});
  Section<LimitsConfig> limits("limits", &Config::limits);
  limits.count("max_connections", &LimitsConfig::max_connections, 1, 1000000)
      .count("max_connections_per_ip", &LimitsConfig::max_connections_per_ip, 0, 1000000)
      .count("reserved_for_publishers", &LimitsConfig::reserved_for_publishers, 0, 1000000);
  keys.insert(keys.end(), limits.keys().begin(), limits.keys().end());
  return ConfigModule{"server", std::move(keys), {}};
}

ConfigModule stream_config_module() {
  using std::chrono::hours;
  Section<StreamConfig> stream("stream", &Config::stream);
  stream.duration("linger", &StreamConfig::linger, Duration(0), hours(24))
      .count("max_streams", &StreamConfig::max_streams, 1, 1000000)
      .count("max_name_length", &StreamConfig::max_name_length, 8, 4096)
      .count("max_waiting", &StreamConfig::max_waiting, 0, 1000000)
      .duration("play_wait_timeout", &StreamConfig::play_wait_timeout, Duration(100), hours(24));
  auto keys = stream.keys();
  Section<StreamConfig> renamed("", &Config::stream);
  renamed
      .choice("rtmp.on_conflict", &StreamConfig::on_conflict,
              std::vector<std::pair<std::string, PublishConflict>>{
                  {"refuse", PublishConflict::Refuse}, {"takeover", PublishConflict::TakeOver}})
      .size("fanout.max_gop_cache_bytes", &StreamConfig::max_gop_cache_bytes, 0, 1ull << 32);
  keys.insert(keys.end(), renamed.keys().begin(), renamed.keys().end());
  return ConfigModule{"stream", std::move(keys), {}};
}

}  // namespace firstmile
