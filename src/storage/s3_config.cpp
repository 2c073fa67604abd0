#include "storage/s3_config.hpp"

#include <cstdlib>

#include "core/config_schema.hpp"
#include "core/path_component.hpp"
#include "storage/s3_location.hpp"

namespace firstmile::storage {

namespace {

// What a prefix may hold besides the placeholders: key characters every store and CDN takes
// as they are.
bool prefix_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '/';
}

Result<std::string> expand(std::string_view pattern, std::string_view app,
                           std::string_view stream) {
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern.substr(i, 5) == "{app}") {
      if (!is_safe_path_component(app)) return fail("unsafe app name");
      out += app;
      i += 5;
    } else if (pattern.substr(i, 8) == "{stream}") {
      if (!is_safe_path_component(stream)) return fail("unsafe stream name");
      out += stream;
      i += 8;
    } else if (prefix_char(pattern[i])) {
      out += pattern[i++];
    } else {
      return fail("s3.prefix: unexpected character '", std::string(1, pattern[i]),
                  "' (letters, digits, - _ . / and {app} {stream})");
    }
  }
  return out;
}

}  // namespace

Result<std::string> expand_prefix(std::string_view pattern, std::string_view app,
                                  std::string_view stream) {
  auto out = expand(pattern, app, stream);
  if (!out) return out;
  if (!out->empty() && out->back() != '/') *out += '/';
  // No empty, "." or ".." segment: a store that maps keys to files must not leave its root.
  std::string_view rest = *out;
  if (!rest.empty() && rest.front() == '/') return fail("s3.prefix: must not start with '/'");
  while (!rest.empty()) {
    auto slash = rest.find('/');
    auto part = rest.substr(0, slash);
    if (part.empty() || part == "." || part == "..")
      return fail("s3.prefix: empty, '.' or '..' path segment");
    rest.remove_prefix(slash + 1);
  }
  return out;
}

std::optional<Credentials> resolve_credentials(const S3Settings& s) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  Credentials c;
  if (!s.access_key_id.empty() || !s.secret_access_key.empty()) {
    c = {s.access_key_id, s.secret_access_key, s.session_token};
  } else {
    c = {env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"),
         s.session_token.empty() ? env("AWS_SESSION_TOKEN") : s.session_token};
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) return std::nullopt;
  return c;
}

ConfigModule s3_config_module() {
  using namespace config_value;
  Section<S3Settings> s("s3");
  s.flag("enabled", &S3Settings::enabled)
      .text("endpoint", &S3Settings::endpoint)
      .text("region", &S3Settings::region)
      .text("bucket", &S3Settings::bucket)
      .flag("path_style", &S3Settings::path_style)
      .secret("access_key_id", &S3Settings::access_key_id)
      .secret("secret_access_key", &S3Settings::secret_access_key)
      .secret("session_token", &S3Settings::session_token)
      .text("prefix", &S3Settings::prefix)
      .flag("hls", &S3Settings::hls)
      .text("spool_dir", &S3Settings::spool_dir)
      .size("spool_max", &S3Settings::spool_max, 1 << 20, 1ull << 50)
      .size("memory_max", &S3Settings::memory_max, 1 << 20, 16ull << 30)
      .custom(
          "retention",
          [](S3Settings& st, const YAML::Node& n) {
            std::string v = scalar(n);
            if (v == "keep") {
              st.retention = Duration(-1);
              return;
            }
            Duration d = parse_duration(v);
            if (d < Duration(0) || d > Duration(7LL * 24 * 3600 * 1000))
              throw ConfigError("a duration within [0s, 7d], or keep");
            st.retention = d;
          },
          [](const S3Settings& st, bool) {
            return st.retention.count() < 0 ? std::string("keep") : format_duration(st.retention);
          })
      .text("public_url", &S3Settings::public_url)
      .count("concurrency", &S3Settings::concurrency, 1, 256)
      .duration("timeout", &S3Settings::timeout, Duration(500), Duration(600000))
      .size("part_size", &S3Settings::part_size, 5 << 20, 5ull << 30);
  return s.module("s3", [](const Config& c) {
    const auto& st = c.get<S3Settings>();
    if (auto p = expand_prefix(st.prefix, "app", "stream"); !p)
      throw ConfigError(p.error().message);
    if (!st.enabled) return;
    if (auto where = make_location(st.endpoint, st.bucket, st.region, st.path_style); !where)
      throw ConfigError(where.error().message);
    if (!resolve_credentials(st)) {
      throw ConfigError(
          "s3: no credentials: set s3.access_key_id and s3.secret_access_key, or "
          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }
  });
}

}  // namespace firstmile::storage
