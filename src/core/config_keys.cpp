// The configuration key table (one entry per YAML key: how to read, print and redact it) and
// the value parsers it uses; config.cpp loads, validates and prints through it.
#include "core/config_keys.hpp"

#include <cmath>
#include <functional>
#include <sstream>
#include <vector>

#include "core/log.hpp"
#include "core/net.hpp"
#include "core/stream_name.hpp"

namespace firstmile::config_keys {
namespace {

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

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

namespace {

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

std::string scalar(const YAML::Node& n) {
  if (!n.IsScalar()) throw ConfigError("expected a single value");
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

template <class T>
Key uint_key(std::string path, T Config::*section, uint32_t std::remove_reference_t<T>::*field,
             uint64_t min, uint64_t max) {
  return Key{std::move(path),
             [=](Config& c, const YAML::Node& n) {
               uint64_t v = to_uint(n, max);
               if (v < min) throw ConfigError("value must be at least " + std::to_string(min));
               (c.*section).*field = static_cast<uint32_t>(v);
             },
             [=](const Config& c) { return std::to_string((c.*section).*field); }};
}

template <class T>
Key size_key(std::string path, T Config::*section, uint64_t std::remove_reference_t<T>::*field,
             uint64_t min, uint64_t max) {
  return Key{std::move(path),
             [=](Config& c, const YAML::Node& n) {
               uint64_t v = to_uint(n, max);
               if (v < min) throw ConfigError("value must be at least " + format_size(min));
               (c.*section).*field = v;
             },
             [=](const Config& c) { return format_size((c.*section).*field); }};
}

template <class T>
Key bool_key(std::string path, T Config::*section, bool std::remove_reference_t<T>::*field) {
  return Key{std::move(path),
             [=](Config& c, const YAML::Node& n) { (c.*section).*field = to_bool(n); },
             [=](const Config& c) { return std::string((c.*section).*field ? "true" : "false"); }};
}

template <class T>
Key string_key(std::string path, T Config::*section, std::string std::remove_reference_t<T>::*field,
               std::vector<std::string> allowed = {}) {
  return Key{
      std::move(path),
      [=](Config& c, const YAML::Node& n) {
        std::string v = n.IsNull() ? std::string() : scalar(n);
        if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
          std::string list;
          for (auto& a : allowed)
            list += (list.empty() ? "" : ", ") + a;
          throw ConfigError("'" + v + "' is not one of: " + list);
        }
        (c.*section).*field = v;
      },
      [=](const Config& c) { return (c.*section).*field; }, true};
}

template <class T>
Key duration_key(std::string path, T Config::*section, Duration std::remove_reference_t<T>::*field,
                 Duration min, Duration max) {
  return Key{std::move(path),
             [=](Config& c, const YAML::Node& n) {
               Duration d = parse_duration(scalar(n));
               if (d < min || d > max) {
                 throw ConfigError("duration must be within [" + format_duration(min) + ", " +
                                   format_duration(max) + "]");
               }
               (c.*section).*field = d;
             },
             [=](const Config& c) { return format_duration((c.*section).*field); }};
}

template <class T>
Key double_key(std::string path, T Config::*section, double std::remove_reference_t<T>::*field,
               double min, double max) {
  return Key{std::move(path),
             [=](Config& c, const YAML::Node& n) { (c.*section).*field = to_double(n, min, max); },
             [=](const Config& c) { return format_double((c.*section).*field); }};
}

std::string flow(const std::vector<std::string>& items) {
  YAML::Emitter e;
  e << YAML::Flow << YAML::BeginSeq;
  for (const auto& i : items)
    e << YAML::DoubleQuoted << i;
  e << YAML::EndSeq;
  return e.c_str();
}

// A list of strings; a single value is a list of one.
Key list_key(std::string path, std::vector<std::string> WebhooksConfig::*field) {
  return Key{std::move(path),
             [=](Config& c, const YAML::Node& n) {
               std::vector<std::string> out;
               if (n.IsNull()) {
               } else if (n.IsScalar()) {
                 out.push_back(n.Scalar());
               } else if (n.IsSequence()) {
                 if (n.size() > 64) throw ConfigError("more than 64 entries");
                 for (const auto& item : n)
                   out.push_back(scalar(item));
               } else {
                 throw ConfigError("expected a list");
               }
               for (const auto& url : out) {
                 if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
                   throw ConfigError("'" + url + "' is not an http:// or https:// URL");
               }
               c.webhooks.*field = std::move(out);
             },
             [=](const Config& c) { return flow(c.webhooks.*field); }};
}

}  // namespace

// app -> {key: name} or app -> [key, ...]
PublishKeys parse_publish_keys(const YAML::Node& n) {
  PublishKeys out;
  if (n.IsNull()) return out;
  if (!n.IsMap()) throw ConfigError("expected a mapping of app names to keys");
  for (const auto& app : n) {
    std::string name = scalar(app.first);
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
    }
  }
  return out;
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

namespace {

// udp.inputs: "app/stream" -> "host:port", each key a valid name pair, each address parseable
// and used once (":9000" and "0.0.0.0:9000" are the same socket).
std::map<std::string, std::string> parse_udp_inputs(const YAML::Node& n) {
  std::map<std::string, std::string> out;
  if (n.IsNull()) return out;
  if (!n.IsMap()) throw ConfigError("expected a mapping of app/stream to host:port");
  if (n.size() > 256) throw ConfigError("more than 256 inputs");
  std::map<std::string, std::string> seen;  // normalized address -> input
  for (const auto& item : n) {
    std::string path = scalar(item.first), address = trim(scalar(item.second));
    auto slash = path.find('/');
    if (slash == std::string::npos || !valid_name(std::string_view(path).substr(0, slash)) ||
        !valid_name(std::string_view(path).substr(slash + 1))) {
      throw ConfigError("'" + path + "' is not app/stream ([A-Za-z0-9._~-] names)");
    }
    auto endpoint = parse_listen_address(address);
    if (!endpoint) throw ConfigError(path + ": " + endpoint.error().message);
    if (endpoint->port() == 0) throw ConfigError(path + ": '" + address + "' needs a port");
    auto [it, fresh] = seen.emplace(endpoint_string(*endpoint), path);
    if (!fresh) throw ConfigError(path + ": " + address + " is already used by " + it->second);
    out[path] = address;
  }
  return out;
}

}  // namespace

const std::vector<Key>& all() {
  using std::chrono::hours;
  static const std::vector<Key> table = [] {
    std::vector<Key> k;
    k.push_back(string_key("log.level", &Config::log, &LogConfig::level,
                           {"trace", "debug", "info", "warn", "error", "off"}));
    k.push_back(string_key("log.format", &Config::log, &LogConfig::format, {"text", "json"}));
    k.push_back(Key{
        "workers",
        [](Config& c, const YAML::Node& n) { c.workers = static_cast<uint32_t>(to_uint(n, 256)); },
        [](const Config& c) { return std::to_string(c.workers); }});
    k.push_back(Key{"node_id", [](Config& c, const YAML::Node& n) { c.node_id = scalar(n); },
                    [](const Config& c) { return c.node_id; }, true});
    k.push_back(uint_key("limits.max_connections", &Config::limits, &LimitsConfig::max_connections,
                         1, 1000000));
    k.push_back(bool_key("rtmp.enabled", &Config::rtmp, &RtmpConfig::enabled));
    k.push_back(string_key("rtmp.listen", &Config::rtmp, &RtmpConfig::listen));
    k.push_back(uint_key("rtmp.chunk_size", &Config::rtmp, &RtmpConfig::chunk_size, 128, 1 << 24));
    k.push_back(uint_key("rtmp.max_incoming_chunk_size", &Config::rtmp,
                         &RtmpConfig::max_incoming_chunk_size, 128, 1 << 24));
    k.push_back(uint_key("rtmp.max_message_size", &Config::rtmp, &RtmpConfig::max_message_size,
                         1024, 64 << 20));
    k.push_back(
        uint_key("rtmp.ack_window", &Config::rtmp, &RtmpConfig::ack_window, 4096, 1u << 31));
    k.push_back(duration_key("rtmp.handshake_timeout", &Config::rtmp,
                             &RtmpConfig::handshake_timeout, Duration(100), hours(1)));
    k.push_back(duration_key("rtmp.publish_idle_timeout", &Config::rtmp,
                             &RtmpConfig::publish_idle_timeout, Duration(100), hours(1)));
    k.push_back(Key{"rtmp.on_conflict",
                    [](Config& c, const YAML::Node& n) {
                      std::string v = scalar(n);
                      if (v == "refuse")
                        c.rtmp.on_conflict = PublishConflict::Refuse;
                      else if (v == "takeover")
                        c.rtmp.on_conflict = PublishConflict::TakeOver;
                      else
                        throw ConfigError("'" + v + "' is not one of: refuse, takeover");
                    },
                    [](const Config& c) {
                      return std::string(
                          c.rtmp.on_conflict == PublishConflict::Refuse ? "refuse" : "takeover");
                    }});
    k.push_back(bool_key("srt.enabled", &Config::srt, &SrtConfig::enabled));
    k.push_back(string_key("srt.listen", &Config::srt, &SrtConfig::listen));
    k.push_back(duration_key("srt.latency", &Config::srt, &SrtConfig::latency, Duration(20),
                             Duration(10000)));
    k.push_back(duration_key("srt.peer_idle_timeout", &Config::srt, &SrtConfig::peer_idle_timeout,
                             Duration(1000), Duration(600000)));
    k.push_back(Key{"srt.passphrases",
                    [](Config& c, const YAML::Node& n) {
                      std::map<std::string, std::string> out;
                      if (!n.IsNull() && !n.IsMap())
                        throw ConfigError("expected a mapping of app names to passphrases");
                      if (n.IsMap()) {
                        for (const auto& item : n) {
                          std::string app = scalar(item.first), pass = scalar(item.second);
                          if (pass.size() < 10 || pass.size() > 79)
                            throw ConfigError(app + ": an SRT passphrase has 10 to 79 characters");
                          out[app] = pass;
                        }
                      }
                      c.srt.passphrases = std::move(out);
                    },
                    [](const Config& c) { return dump_string_map(c.srt.passphrases, true); }, false,
                    true});
    k.push_back(Key{"srt.pbkeylen",
                    [](Config& c, const YAML::Node& n) {
                      auto v = to_uint(n, 32);
                      if (v != 16 && v != 24 && v != 32) throw ConfigError("expected 16, 24 or 32");
                      c.srt.pbkeylen = static_cast<uint32_t>(v);
                    },
                    [](const Config& c) { return std::to_string(c.srt.pbkeylen); }});
    k.push_back(Key{"udp.inputs",
                    [](Config& c, const YAML::Node& n) { c.udp.inputs = parse_udp_inputs(n); },
                    [](const Config& c) { return dump_string_map(c.udp.inputs, true); }});
    k.push_back(duration_key("udp.idle_timeout", &Config::udp, &UdpConfig::idle_timeout,
                             Duration(200), hours(1)));
    k.push_back(
        size_key("udp.recv_buffer", &Config::udp, &UdpConfig::recv_buffer, 64 << 10, 1ull << 30));
    k.push_back(bool_key("http.enabled", &Config::http, &HttpConfig::enabled));
    k.push_back(string_key("http.listen", &Config::http, &HttpConfig::listen));
    k.push_back(uint_key("http.max_header_bytes", &Config::http, &HttpConfig::max_header_bytes,
                         1024, 1 << 20));
    k.push_back(
        uint_key("http.max_body_bytes", &Config::http, &HttpConfig::max_body_bytes, 0, 64 << 20));
    k.push_back(duration_key("http.idle_timeout", &Config::http, &HttpConfig::idle_timeout,
                             Duration(100), hours(1)));
    k.push_back(string_key("http.cors_origin", &Config::http, &HttpConfig::cors_origin));
    k.push_back(string_key("http.static_dir", &Config::http, &HttpConfig::static_dir));
    k.push_back(Key{"http.static_prefix",
                    [](Config& c, const YAML::Node& n) {
                      auto v = scalar(n);
                      // One or more literal path segments: it becomes the route "<prefix>/{*path}".
                      bool ok = v.size() > 1 && v.front() == '/' && v.back() != '/' &&
                                v.find("//") == std::string::npos &&
                                v.find_first_of("{}?#%") == std::string::npos;
                      if (!ok) throw ConfigError("expected a path like /console (no trailing '/')");
                      c.http.static_prefix = v;
                    },
                    [](const Config& c) { return c.http.static_prefix; }, true});
    k.push_back(bool_key("hls.enabled", &Config::hls, &HlsConfig::enabled));
    k.push_back(
        double_key("hls.segment_duration", &Config::hls, &HlsConfig::segment_duration, 0.1, 60));
    k.push_back(uint_key("hls.window", &Config::hls, &HlsConfig::window, 2, 1000));
    k.push_back(uint_key("hls.keep_extra", &Config::hls, &HlsConfig::keep_extra, 0, 100));
    k.push_back(double_key("hls.max_segment_duration", &Config::hls,
                           &HlsConfig::max_segment_duration, 0.5, 600));
    k.push_back(string_key("hls.dir", &Config::hls, &HlsConfig::dir));
    k.push_back(string_key("hls.variant", &Config::hls, &HlsConfig::variant, {"ts", "fmp4", "ll"}));
    k.push_back(Key{"hls.app_variants",
                    [](Config& c, const YAML::Node& n) {
                      std::map<std::string, std::string> out;
                      if (!n.IsNull() && !n.IsMap())
                        throw ConfigError("expected a mapping of app names to ts, fmp4 or ll");
                      if (n.IsMap()) {
                        for (const auto& item : n) {
                          std::string app = scalar(item.first), v = scalar(item.second);
                          if (v != "ts" && v != "fmp4" && v != "ll")
                            throw ConfigError(app + ": '" + v + "' is not one of: ts, fmp4, ll");
                          out[app] = v;
                        }
                      }
                      c.hls.app_variants = std::move(out);
                    },
                    [](const Config& c) { return dump_string_map(c.hls.app_variants, true); }});
    k.push_back(double_key("hls.part_duration", &Config::hls, &HlsConfig::part_duration, 0.05, 5));
    k.push_back(uint_key("hls.max_blocking_requests", &Config::hls,
                         &HlsConfig::max_blocking_requests, 1, 1000000));
    k.push_back(bool_key("hls.audio_rendition", &Config::hls, &HlsConfig::audio_rendition));
    k.push_back(bool_key("dash.enabled", &Config::dash, &DashConfig::enabled));
    k.push_back(bool_key("dash.low_latency", &Config::dash, &DashConfig::low_latency));
    k.push_back(
        double_key("dash.chunk_duration", &Config::dash, &DashConfig::chunk_duration, 0.05, 5));
    k.push_back(size_key("fanout.max_queue_bytes", &Config::fanout, &FanoutConfig::max_queue_bytes,
                         64 << 10, 1ull << 32));
    k.push_back(duration_key("fanout.max_lag", &Config::fanout, &FanoutConfig::max_lag,
                             Duration(100), hours(1)));
    k.push_back(uint_key("fanout.max_skips", &Config::fanout, &FanoutConfig::max_skips, 0, 1000));
    k.push_back(duration_key("fanout.skip_window", &Config::fanout, &FanoutConfig::skip_window,
                             Duration(1000), hours(1)));
    k.push_back(duration_key("fanout.coalesce", &Config::fanout, &FanoutConfig::coalesce,
                             Duration(0), Duration(2000)));
    k.push_back(
        size_key("fanout.send_buffer", &Config::fanout, &FanoutConfig::send_buffer, 0, 64 << 20));
    k.push_back(size_key("fanout.max_gop_cache_bytes", &Config::fanout,
                         &FanoutConfig::max_gop_cache_bytes, 0, 1ull << 32));
    k.push_back(duration_key("stream.linger", &Config::stream, &StreamConfig::linger, Duration(0),
                             hours(24)));
    k.push_back(
        uint_key("stream.max_streams", &Config::stream, &StreamConfig::max_streams, 1, 1000000));
    k.push_back(uint_key("stream.max_name_length", &Config::stream, &StreamConfig::max_name_length,
                         8, 4096));
    k.push_back(
        Key{"auth.publish_keys",
            [](Config& c, const YAML::Node& n) { c.auth.publish_keys = parse_publish_keys(n); },
            [](const Config& c) { return dump_keys(c.auth.publish_keys, true); }, false, true});
    k.push_back(string_key("auth.keys_file", &Config::auth, &AuthConfig::keys_file));
    k.push_back(Key{"auth.play",
                    [](Config& c, const YAML::Node& n) {
                      std::string v = n.IsNull() ? std::string("off") : scalar(n);
                      if (v == "off" || v == "false")
                        c.auth.play = PlayAuth::Off;
                      else if (v == "token")
                        c.auth.play = PlayAuth::Token;
                      else if (v == "webhook")
                        c.auth.play = PlayAuth::Webhook;
                      else
                        throw ConfigError("'" + v + "' is not one of: off, token, webhook");
                    },
                    [](const Config& c) {
                      return std::string(c.auth.play == PlayAuth::Off     ? "off"
                                         : c.auth.play == PlayAuth::Token ? "token"
                                                                          : "webhook");
                    },
                    true});
    auto play_secret = string_key("auth.play_secret", &Config::auth, &AuthConfig::play_secret);
    play_secret.secret = true;
    k.push_back(play_secret);
    k.push_back(duration_key("auth.play_cache", &Config::auth, &AuthConfig::play_cache, Duration(0),
                             hours(24)));
    k.push_back(bool_key("auth.webhook_fail_open", &Config::auth, &AuthConfig::webhook_fail_open));
    k.push_back(list_key("webhooks.on_publish", &WebhooksConfig::on_publish));
    k.push_back(list_key("webhooks.on_unpublish", &WebhooksConfig::on_unpublish));
    k.push_back(list_key("webhooks.on_play", &WebhooksConfig::on_play));
    k.push_back(list_key("webhooks.on_stop", &WebhooksConfig::on_stop));
    k.push_back(list_key("webhooks.on_hls_segment", &WebhooksConfig::on_hls_segment));
    auto hook_secret = string_key("webhooks.secret", &Config::webhooks, &WebhooksConfig::secret);
    hook_secret.secret = true;
    k.push_back(hook_secret);
    k.push_back(duration_key("webhooks.timeout", &Config::webhooks, &WebhooksConfig::timeout,
                             Duration(50), std::chrono::minutes(2)));
    k.push_back(
        uint_key("webhooks.max_retries", &Config::webhooks, &WebhooksConfig::max_retries, 0, 100));
    k.push_back(duration_key("webhooks.retry_backoff", &Config::webhooks,
                             &WebhooksConfig::retry_backoff, Duration(1), hours(1)));
    k.push_back(duration_key("webhooks.retry_backoff_max", &Config::webhooks,
                             &WebhooksConfig::retry_backoff_max, Duration(1), hours(24)));
    k.push_back(uint_key("webhooks.queue_size", &Config::webhooks, &WebhooksConfig::queue_size, 1,
                         10000000));
    k.push_back(size_key("webhooks.max_response_bytes", &Config::webhooks,
                         &WebhooksConfig::max_response_bytes, 256, 16 << 20));
    auto api_token = string_key("api.token", &Config::api, &ApiConfig::token);
    api_token.secret = true;
    k.push_back(api_token);
    k.push_back(bool_key("metrics.enabled", &Config::metrics, &MetricsConfig::enabled));
    return k;
  }();
  return table;
}

}  // namespace firstmile::config_keys
