#pragma once
// How configuration keys are declared. Each module declares its own section (the struct with
// its defaults lives beside the module; its keys are a ConfigModule built with Section<T>),
// and the server's ConfigSchema lists the modules. One table then drives loading, unknown-key
// detection, cross-key checks, change detection on reload and --print-config, so they cannot
// drift apart.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace firstmile {

// One YAML key: how to read it and how to print it.
struct ConfigKey {
  std::string path;  // "rtmp.chunk_size"
  std::function<void(Config&, const YAML::Node&)> set;
  // The value as YAML text. `with_secrets` false: secrets inside a mapping are redacted
  // (whole-value secrets are redacted by the printer, see `secret`).
  std::function<std::string(const Config&, bool with_secrets)> get;
  bool quoted = false;  // printed as a double-quoted string
  bool secret = false;  // the whole value is redacted in --print-config
};

// What one module contributes: its keys (in --print-config order) and its cross-key checks,
// which run after the whole file is read and throw ConfigError("key: reason").
struct ConfigModule {
  std::string name;
  std::vector<ConfigKey> keys;
  std::function<void(const Config&)> validate;
};

// The modules of a server, in --print-config order. Keys of one section ("fanout.*") may come
// from more than one module; they are printed together, where the section first appears.
class ConfigSchema {
 public:
  explicit ConfigSchema(std::vector<ConfigModule> modules);
  ConfigSchema(const ConfigSchema&) = delete;  // keys() points into modules()
  ConfigSchema& operator=(const ConfigSchema&) = delete;
  const std::vector<ConfigModule>& modules() const { return modules_; }
  // Every key, grouped by section in first-appearance order.
  const std::vector<const ConfigKey*>& keys() const { return keys_; }
  const ConfigKey* find(const std::string& path) const;
  bool is_section(const std::string& prefix) const;  // "rtmp" when "rtmp.*" keys exist
  void validate(const Config& config) const;

 private:
  std::vector<ConfigModule> modules_;
  std::vector<const ConfigKey*> keys_;
};

namespace config_value {

std::string scalar(const YAML::Node& n);
bool to_bool(const YAML::Node& n);
uint64_t to_uint(const YAML::Node& n, uint64_t max);
double to_double(const YAML::Node& n, double min, double max);
// Splits "12.5ms" into 12.5 and "ms".
bool split_number(const std::string& text, double& number, std::string& unit);
std::string trim(std::string s);
std::string format_duration(Duration d);
std::string format_size(uint64_t v);
std::string format_double(double v);
// ["a", "b"] on one line.
std::string flow(const std::vector<std::string>& items);
// {"k": "v"} on one line; the values redacted unless `with_secrets`.
std::string dump_string_map(const std::map<std::string, std::string>& map, bool with_secrets);
// A list of strings; a single value is a list of one; at most `max_items`.
std::vector<std::string> to_list(const YAML::Node& n, size_t max_items);

}  // namespace config_value

// Declares the keys of one section whose values live in the struct S: by default the module
// section config.at<S>(), or a member of Config for the server-wide sections.
template <class S>
class Section {
 public:
  explicit Section(std::string name)
      : name_(std::move(name)),
        get_([](const Config& c) -> const S& { return c.get<S>(); }),
        at_([](Config& c) -> S& { return c.at<S>(); }) {}
  Section(std::string name, S Config::*member)
      : name_(std::move(name)),
        get_([member](const Config& c) -> const S& { return c.*member; }),
        at_([member](Config& c) -> S& { return c.*member; }) {}

  Section& flag(const std::string& key, bool S::*field) {
    return add(
        key, [field](S& s, const YAML::Node& n) { s.*field = config_value::to_bool(n); },
        [field](const S& s, bool) { return std::string(s.*field ? "true" : "false"); });
  }
  Section& count(const std::string& key, uint32_t S::*field, uint64_t min, uint64_t max) {
    return add(
        key,
        [=](S& s, const YAML::Node& n) {
          uint64_t v = config_value::to_uint(n, max);
          if (v < min) throw ConfigError("value must be at least " + std::to_string(min));
          s.*field = static_cast<uint32_t>(v);
        },
        [field](const S& s, bool) { return std::to_string(s.*field); });
  }
  Section& size(const std::string& key, uint64_t S::*field, uint64_t min, uint64_t max) {
    return add(
        key,
        [=](S& s, const YAML::Node& n) {
          uint64_t v = config_value::to_uint(n, max);
          if (v < min)
            throw ConfigError("value must be at least " + config_value::format_size(min));
          s.*field = v;
        },
        [field](const S& s, bool) { return config_value::format_size(s.*field); });
  }
  Section& duration(const std::string& key, Duration S::*field, Duration min, Duration max) {
    return add(
        key,
        [=](S& s, const YAML::Node& n) {
          Duration d = parse_duration(config_value::scalar(n));
          if (d < min || d > max) {
            throw ConfigError("duration must be within [" + config_value::format_duration(min) +
                              ", " + config_value::format_duration(max) + "]");
          }
          s.*field = d;
        },
        [field](const S& s, bool) { return config_value::format_duration(s.*field); });
  }
  Section& number(const std::string& key, double S::*field, double min, double max) {
    return add(
        key, [=](S& s, const YAML::Node& n) { s.*field = config_value::to_double(n, min, max); },
        [field](const S& s, bool) { return config_value::format_double(s.*field); });
  }
  // A string; with `allowed`, one of those.
  Section& text(const std::string& key, std::string S::*field,
                std::vector<std::string> allowed = {}) {
    add(
        key,
        [=](S& s, const YAML::Node& n) {
          std::string v = n.IsNull() ? std::string() : config_value::scalar(n);
          if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
            std::string list;
            for (const auto& a : allowed)
              list += (list.empty() ? "" : ", ") + a;
            throw ConfigError("'" + v + "' is not one of: " + list);
          }
          s.*field = v;
        },
        [field](const S& s, bool) { return s.*field; });
    keys_.back().quoted = true;
    return *this;
  }
  // A string shown redacted.
  Section& secret(const std::string& key, std::string S::*field) {
    text(key, field);
    keys_.back().secret = true;
    return *this;
  }
  // An enumeration spelled by `names` (the first spelling of a value is the one printed).
  template <class E>
  Section& choice(const std::string& key, E S::*field,
                  std::vector<std::pair<std::string, E>> names) {
    return add(
        key,
        [=](S& s, const YAML::Node& n) {
          std::string v = config_value::scalar(n);
          for (const auto& [name, value] : names) {
            if (name == v) {
              s.*field = value;
              return;
            }
          }
          std::string list;
          for (const auto& [name, value] : names)
            list += (list.empty() ? "" : ", ") + name;
          throw ConfigError("'" + v + "' is not one of: " + list);
        },
        [=](const S& s, bool) {
          for (const auto& [name, value] : names)
            if (value == s.*field) return name;
          return std::string();
        });
  }
  // Anything else: read into the section, print from it.
  Section& custom(const std::string& key, std::function<void(S&, const YAML::Node&)> read,
                  std::function<std::string(const S&, bool with_secrets)> print,
                  bool quoted = false) {
    add(key, std::move(read), std::move(print));
    keys_.back().quoted = quoted;
    return *this;
  }

  // The section's keys as a module; `validate` sees the whole configuration.
  ConfigModule module(std::string module_name = {},
                      std::function<void(const Config&)> validate = {}) const {
    return ConfigModule{module_name.empty() ? name_ : std::move(module_name), keys_,
                        std::move(validate)};
  }
  const std::vector<ConfigKey>& keys() const { return keys_; }

 private:
  Section& add(const std::string& key, std::function<void(S&, const YAML::Node&)> read,
               std::function<std::string(const S&, bool)> print) {
    auto at = at_;
    auto get = get_;
    keys_.push_back(
        ConfigKey{name_.empty() ? key : name_ + "." + key,
                  [at, read = std::move(read)](Config& c, const YAML::Node& n) { read(at(c), n); },
                  [get, print = std::move(print)](const Config& c, bool with_secrets) {
                    return print(get(c), with_secrets);
                  }});
    return *this;
  }

  std::string name_;  // "" for top-level keys
  std::function<const S&(const Config&)> get_;
  std::function<S&(Config&)> at_;
  std::vector<ConfigKey> keys_;
};

}  // namespace firstmile

namespace firstmile {

// The server-wide keys: log.*, workers, node_id, limits.*.
ConfigModule server_config_module();
// The hub's keys: stream.*, rtmp.on_conflict and fanout.max_gop_cache_bytes (StreamConfig).
ConfigModule stream_config_module();

}  // namespace firstmile
