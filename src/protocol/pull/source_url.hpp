#pragma once
// A pulled source's URL (rtsp://, rtmp://, srt://) split for the client that fetches it: where
// to connect, the credentials, the path and query, and the URL as logs and the API show it.
// Pure; the URL comes from the configuration or the API (fuzzed through rtsp_auth).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace firstmile::pull {

struct SourceUrl {
  std::string scheme;  // lower case
  std::string host;    // an IPv6 address without its brackets
  uint16_t port = 0;   // as given, else the scheme's default (0 when it has none)
  std::string user;
  std::string password;
  std::string path;   // encoded, empty or starting with '/'
  std::string query;  // encoded, without the '?'

  // "host:port", an IPv6 address in brackets.
  std::string authority() const;
  // scheme://host:port/path?query without the credentials, the query's secrets masked
  // (mask_query_secrets): safe to log and to show.
  std::string safe() const;
};

// A query with the values of the parameters that carry secrets (passphrase, token, password,
// pass, secret, key, sign, signature, sig, auth; any case) replaced by ***.
std::string mask_query_secrets(std::string_view query);

// `default_port` applies when the URL names none.
Result<SourceUrl> parse_source_url(std::string_view text, uint16_t default_port);

// The value of query parameter `name` (percent-decoded), empty when absent.
std::string query_param(const SourceUrl& url, std::string_view name);

}  // namespace firstmile::pull
