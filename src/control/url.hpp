#pragma once
// The http(s) URLs the server sends requests to (webhooks, object stores): parsed, checked, and
// written for a log line without what may be a secret.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace firstmile::control {

struct ParsedUrl {
  bool tls = false;         // https
  std::string host;         // name or address; IPv6 without brackets
  uint16_t port = 0;        // explicit, or 80 / 443
  std::string target;       // "/path?query" (origin-form, still percent-encoded)
  std::string host_header;  // value of the Host header ("[::1]:8080", "example.com")
};

// Accepts absolute http:// and https:// URLs with a host; refuses other schemes, userinfo
// ("user:pass@", which would be sent nowhere and leak into logs) and bad ports. The fragment is
// dropped (RFC 9110 section 4.2.4: it is not sent).
Result<ParsedUrl> parse_webhook_url(std::string_view text);

// The URL as it may appear in a log line: scheme, host, port and path, without the query
// string (it may hold credentials) or userinfo.
std::string url_for_log(std::string_view url);

}  // namespace firstmile::control
