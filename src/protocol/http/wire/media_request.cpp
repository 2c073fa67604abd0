#include "protocol/http/wire/media_request.hpp"

#include <charconv>

#include "format/query_string.hpp"

namespace firstmile::http {

namespace {

constexpr std::string_view kM4s = ".m4s";

// A decimal-integer (RFC 8216bis 4.2): digits only, at most `max_digits` of them (bounded well
// below 2^64 so that msn + 2 and part arithmetic cannot overflow).
template <class T>
std::optional<T> parse_digits(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  T v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// The part between `prefix` and ".m4s", or nullopt.
std::optional<std::string_view> m4s_stem(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() + kM4s.size() || name.substr(0, prefix.size()) != prefix ||
      name.substr(name.size() - kM4s.size()) != kM4s) {
    return std::nullopt;
  }
  return name.substr(prefix.size(), name.size() - prefix.size() - kM4s.size());
}

}  // namespace

Result<LlHlsDirectives> parse_ll_hls_directives(std::string_view query) {
  LlHlsDirectives d;
  if (query.empty()) return d;
  auto params = format::parse_query(query);
  if (!params) return wrap("malformed query", params.error());
  if (auto v = format::query_value(*params, "_HLS_msn")) {
    d.msn = parse_digits<uint64_t>(*v, 15);
    if (!d.msn) return fail("_HLS_msn is not a decimal integer under 10^15");
  }
  if (auto v = format::query_value(*params, "_HLS_part")) {
    d.part = parse_digits<uint64_t>(*v, 15);
    if (!d.part) return fail("_HLS_part is not a decimal integer under 10^15");
    // 6.2.5.2: "_HLS_part ... without an _HLS_msn parameter ... the server MUST return 400".
    if (!d.msn) return fail("_HLS_part without _HLS_msn");
  }
  if (auto v = format::query_value(*params, "_HLS_skip")) {
    // 6.2.5.1: YES skips segments; v2 also date ranges, of which we have none.
    if (*v != "YES" && *v != "v2") return fail("_HLS_skip must be YES or v2");
    d.skip = true;
  }
  return d;
}

std::optional<PartName> parse_part_name(std::string_view name, std::string_view prefix) {
  auto stem = m4s_stem(name, prefix);
  if (!stem) return std::nullopt;
  const size_t dot = stem->find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto sequence = parse_digits<uint64_t>(stem->substr(0, dot), 19);
  auto index = parse_digits<uint32_t>(stem->substr(dot + 1), 9);
  if (!sequence || !index) return std::nullopt;
  return PartName{*sequence, *index};
}

std::optional<DashMediaName> parse_dash_media_name(std::string_view name, std::string_view prefix) {
  auto stem = m4s_stem(name, prefix);
  if (!stem || stem->size() < 3 || ((*stem)[0] != 'v' && (*stem)[0] != 'a') || (*stem)[1] != '-')
    return std::nullopt;
  auto number = parse_digits<uint64_t>(stem->substr(2), 15);
  if (!number) return std::nullopt;
  return DashMediaName{(*stem)[0], *number};
}

}  // namespace firstmile::http
