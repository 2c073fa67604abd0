#pragma once
// URL query strings ("key=abc&expires=1700000000&token=..."), as publishers and players send
// them in RTMP stream names and HTTP URLs. Pure and bounded: it reads peer input.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace firstmile::format {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct QueryLimits {
  size_t max_length = 4096;
  size_t max_params = 64;
};

// Splits on '&' (and ';' is not special), decodes %XX and '+' (as space, the form encoding
// every player library uses). A pair without '=' has an empty value; empty pairs are skipped.
// Refuses malformed escapes, NUL bytes and input over the limits.
Result<QueryParams> parse_query(std::string_view query, const QueryLimits& limits = {});

// The first value of `key`, if present.
std::optional<std::string_view> query_value(const QueryParams& params, std::string_view key);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string query_escape(std::string_view s);

}  // namespace firstmile::format
