#include "protocol/pull/pull_config.hpp"

#include <algorithm>
#include <cctype>

#include "core/config_schema.hpp"
#include "core/stream_name.hpp"
#include "protocol/pull/source_url.hpp"
#include "protocol/rtsp/wire/source_url.hpp"

namespace firstmile::pull {

namespace {

PullSourceConfig parse_source(const YAML::Node& n) {
  using namespace config_value;
  PullSourceConfig out;
  if (n.IsScalar()) {
    out.url = trim(scalar(n));
  } else if (n.IsMap()) {
    for (const auto& item : n) {
      const std::string key = scalar(item.first);
      if (key == "url") {
        out.url = trim(scalar(item.second));
      } else if (key == "transport") {
        out.transport = trim(scalar(item.second));
      } else if (key == "on_demand") {
        out.on_demand = to_bool(item.second);
      } else {
        throw ConfigError("unknown key '" + key + "' (url, transport, on_demand)");
      }
    }
  } else {
    throw ConfigError("expected a URL or {url, transport, on_demand}");
  }
  if (auto st = check_source(out); !st) throw ConfigError(st.error().message);
  return out;
}

std::map<std::string, PullSourceConfig> parse_sources(const YAML::Node& n) {
  std::map<std::string, PullSourceConfig> out;
  if (n.IsNull()) return out;
  if (!n.IsMap()) throw ConfigError("expected a mapping of app/stream to a source");
  if (n.size() > kMaxPullSources)
    throw ConfigError("more than " + std::to_string(kMaxPullSources) + " sources");
  for (const auto& item : n) {
    const std::string path = config_value::scalar(item.first);
    const auto slash = path.find('/');
    if (slash == std::string::npos || !valid_name(std::string_view(path).substr(0, slash)) ||
        !valid_name(std::string_view(path).substr(slash + 1))) {
      throw ConfigError("'" + path + "' is not app/stream ([A-Za-z0-9._~-] names)");
    }
    try {
      out[path] = parse_source(item.second);
    } catch (const ConfigError& e) {
      throw ConfigError(path + ": " + e.what());
    }
  }
  return out;
}

}  // namespace

Status check_source(const PullSourceConfig& source) {
  if (source.url.empty()) return fail("no url");
  if (source.url.size() > 2048) return fail("url longer than 2048 characters");
  const auto scheme_end = source.url.find("://");
  std::string scheme =
      scheme_end == std::string::npos ? std::string() : source.url.substr(0, scheme_end);
  for (auto& c : scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "rtsp") {
    auto url = rtsp::parse_source_url(source.url);
    if (!url) return url.error();
    if (auto t = rtsp::parse_pull_transport(source.transport); !t) return t.error();
    return {};
  }
  if (scheme != "rtmp" && scheme != "srt") {
    return fail("'", scheme.empty() ? source.url : scheme + "://",
                "' is not a source the server pulls (rtsp://, rtmp:// or srt:// URLs)");
  }
  // Relays: no transport choice.
  if (source.transport != "auto") return fail("transport applies to rtsp:// sources only");
  auto url = parse_source_url(source.url, scheme == "rtmp" ? 1935 : 0);
  if (!url) return url.error();
  if (scheme == "srt" && url->port == 0) return fail("an srt:// URL needs a port");
  if (scheme == "rtmp") {
    // rtmp://host[:port]/app[/instance]/stream: an app and a stream at least.
    const auto last = url->path.rfind('/');
    if (url->path.size() < 4 || last == 0 || last + 1 >= url->path.size())
      return fail("an rtmp:// URL needs an app and a stream: rtmp://host/app/stream");
  }
  return {};
}

std::string dump_sources(const std::map<std::string, PullSourceConfig>& sources,
                         bool with_secrets) {
  YAML::Emitter e;
  e << YAML::Flow << YAML::BeginMap;
  for (const auto& [path, s] : sources) {
    std::string url = s.url;
    if (!with_secrets) {
      // rtsp://user:pass@host/... -> rtsp://***@host/...; secrets in the query -> ***
      const auto start = url.find("://");
      const auto at = url.find('@');
      const auto slash = url.find('/', start == std::string::npos ? 0 : start + 3);
      if (start != std::string::npos && at != std::string::npos &&
          (slash == std::string::npos || at < slash))
        url = url.substr(0, start + 3) + "***" + url.substr(at);
      if (const auto q = url.find('?'); q != std::string::npos) {
        const auto fragment = url.find('#', q);
        const std::string tail = fragment == std::string::npos ? "" : url.substr(fragment);
        url = url.substr(0, q + 1) +
              mask_query_secrets(std::string_view(url).substr(
                  q + 1, fragment == std::string::npos ? std::string::npos : fragment - q - 1)) +
              tail;
      }
    }
    e << YAML::Key << YAML::DoubleQuoted << path << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "url" << YAML::Value << YAML::DoubleQuoted << url;
    e << YAML::Key << "transport" << YAML::Value << YAML::DoubleQuoted << s.transport;
    e << YAML::Key << "on_demand" << YAML::Value << (s.on_demand ? "true" : "false");
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  return e.c_str();
}

ConfigModule config_module() {
  using std::chrono::hours;
  Section<PullConfig> s("pull");
  s.custom(
       "sources", [](PullConfig& c, const YAML::Node& n) { c.sources = parse_sources(n); },
       [](const PullConfig& c, bool with_secrets) { return dump_sources(c.sources, with_secrets); })
      .duration("read_timeout", &PullConfig::read_timeout, Duration(500), hours(1))
      .duration("retry_initial", &PullConfig::retry_initial, Duration(100), hours(1))
      .duration("retry_max", &PullConfig::retry_max, Duration(100), hours(24))
      .duration("start_timeout", &PullConfig::start_timeout, Duration(100), hours(1))
      .duration("close_after", &PullConfig::close_after, Duration(0), hours(24));
  return s.module("pull", [](const Config& config) {
    const auto& c = config.get<PullConfig>();
    if (c.retry_max < c.retry_initial)
      throw ConfigError("pull.retry_max: shorter than pull.retry_initial");
  });
}

}  // namespace firstmile::pull
