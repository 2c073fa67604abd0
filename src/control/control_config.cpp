#include "control/control_config.hpp"

#include <fstream>
#include <sstream>

#include "core/config_schema.hpp"
#include "core/log.hpp"

namespace firstmile {
namespace {

using namespace config_value;

std::string dump_keys(const PublishKeys& keys, bool with_secrets) {
  YAML::Emitter e;
  e << YAML::Flow << YAML::BeginMap;
  for (const auto& [app, map] : keys) {
    e << YAML::Key << YAML::DoubleQuoted << app << YAML::Value << YAML::BeginMap;
    for (const auto& [key, name] : map) {
      e << YAML::Key << YAML::DoubleQuoted << (with_secrets ? key : redact(key)) << YAML::Value
        << YAML::DoubleQuoted << name;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  return e.c_str();
}

// A list of webhook URLs; a single value is a list of one.
void url_list(Section<WebhooksConfig>& s, const std::string& key,
              std::vector<std::string> WebhooksConfig::*field) {
  s.custom(
      key,
      [field](WebhooksConfig& c, const YAML::Node& n) {
        auto out = to_list(n, 64);
        for (const auto& url : out) {
          if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
            throw ConfigError("'" + url + "' is not an http:// or https:// URL");
        }
        c.*field = std::move(out);
      },
      [field](const WebhooksConfig& c, bool) { return flow(c.*field); });
}

// YAML 1.2, 7.4: an implicit key is at most 1024 characters long. --print-config writes the
// apps and keys double-quoted in a flow mapping, so a longer one (escapes count) would print as
// a file that does not load.
void check_key_length(const std::string& key, const std::string& what) {
  YAML::Emitter e;
  e << YAML::DoubleQuoted << key;
  if (e.size() > 1024) {
    throw ConfigError(what + " of " + std::to_string(key.size()) +
                      " bytes is over 1024 characters when quoted (YAML 1.2, 7.4)");
  }
}

}  // namespace

PublishKeys parse_publish_keys(const YAML::Node& n) {
  PublishKeys out;
  if (n.IsNull()) return out;
  if (!n.IsMap()) throw ConfigError("expected a mapping of app names to keys");
  for (const auto& app : n) {
    std::string name = scalar(app.first);
    check_key_length(name, "an app name");
    auto& keys = out[name];
    const auto& v = app.second;
    if (v.IsNull()) continue;
    if (v.IsSequence()) {
      for (const auto& k : v)
        keys[scalar(k)] = "";
    } else if (v.IsMap()) {
      for (const auto& k : v)
        keys[scalar(k.first)] = k.second.IsNull() ? std::string() : scalar(k.second);
    } else {
      throw ConfigError(name + ": expected a list of keys or a mapping of key to stream name");
    }
    for (const auto& [key, stream] : keys) {
      if (key.empty()) throw ConfigError(name + ": empty stream key");
      check_key_length(key, name + ": a stream key");
    }
  }
  return out;
}

PublishKeys parse_keys_text(const std::string& yaml_text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(origin + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  try {
    return parse_publish_keys(root);
  } catch (const ConfigError& e) {
    throw ConfigError(origin + ": " + e.what());
  } catch (const YAML::Exception& e) {
    throw ConfigError(origin + ": " + e.msg);
  }
}

PublishKeys load_keys_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_keys_text(text.str(), path);
}

namespace control {

ConfigModule auth_config_module() {
  using std::chrono::hours;
  Section<AuthConfig> s("auth");
  s.custom(
       "publish_keys",
       [](AuthConfig& c, const YAML::Node& n) { c.publish_keys = parse_publish_keys(n); },
       [](const AuthConfig& c, bool with_secrets) {
         return dump_keys(c.publish_keys, with_secrets);
       })
      .text("keys_file", &AuthConfig::keys_file)
      .custom(
          "play",
          [](AuthConfig& c, const YAML::Node& n) {
            std::string v = n.IsNull() ? std::string("off") : scalar(n);
            if (v == "off" || v == "false")
              c.play = PlayAuth::Off;
            else if (v == "token")
              c.play = PlayAuth::Token;
            else if (v == "webhook")
              c.play = PlayAuth::Webhook;
            else
              throw ConfigError("'" + v + "' is not one of: off, token, webhook");
          },
          [](const AuthConfig& c, bool) {
            return std::string(c.play == PlayAuth::Off     ? "off"
                               : c.play == PlayAuth::Token ? "token"
                                                           : "webhook");
          },
          true)
      .secret("play_secret", &AuthConfig::play_secret)
      .duration("play_cache", &AuthConfig::play_cache, Duration(0), hours(24))
      .flag("webhook_fail_open", &AuthConfig::webhook_fail_open);
  return s.module("auth", [](const Config& config) {
    const auto& c = config.get<AuthConfig>();
    if (c.play == PlayAuth::Token && c.play_secret.size() < 16) {
      throw ConfigError("auth.play_secret: signed playback URLs need a secret of 16 bytes or more");
    }
    if (c.play == PlayAuth::Webhook && config.get<WebhooksConfig>().on_play.empty()) {
      throw ConfigError("auth.play: 'webhook' needs at least one webhooks.on_play URL");
    }
  });
}

ConfigModule webhooks_config_module() {
  using std::chrono::hours;
  Section<WebhooksConfig> s("webhooks");
  url_list(s, "on_publish", &WebhooksConfig::on_publish);
  url_list(s, "on_unpublish", &WebhooksConfig::on_unpublish);
  url_list(s, "on_play", &WebhooksConfig::on_play);
  url_list(s, "on_stop", &WebhooksConfig::on_stop);
  url_list(s, "on_hls_segment", &WebhooksConfig::on_hls_segment);
  url_list(s, "on_record_done", &WebhooksConfig::on_record_done);
  s.secret("secret", &WebhooksConfig::secret)
      .duration("timeout", &WebhooksConfig::timeout, Duration(50), std::chrono::minutes(2))
      .count("max_retries", &WebhooksConfig::max_retries, 0, 100)
      .duration("retry_backoff", &WebhooksConfig::retry_backoff, Duration(1), hours(1))
      .duration("retry_backoff_max", &WebhooksConfig::retry_backoff_max, Duration(1), hours(24))
      .count("queue_size", &WebhooksConfig::queue_size, 1, 10000000)
      .size("max_response_bytes", &WebhooksConfig::max_response_bytes, 256, 16 << 20)
      .duration("keep_alive", &WebhooksConfig::keep_alive, Duration(0), std::chrono::minutes(10))
      .count("max_decisions_in_flight", &WebhooksConfig::max_decisions_in_flight, 1, 1000000)
      .count("decisions_per_ip", &WebhooksConfig::decisions_per_ip, 0, 1000000)
      .text("journal", &WebhooksConfig::journal)
      .size("journal_max_bytes", &WebhooksConfig::journal_max_bytes, 4 << 10, 1ull << 30);
  return s.module();
}

}  // namespace control
}  // namespace firstmile
