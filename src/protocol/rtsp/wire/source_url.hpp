#pragma once
// What an RTSP client needs of URLs: a configured rtsp:// source split into where to connect
// and the credentials, the URLs a camera's DESCRIBE answer names its media by, and the
// transport setting. Pure functions (the control URLs come from the peer: fuzzed).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace firstmile::rtsp {

// An rtsp:// URL split for the client: where to connect, the credentials, and the URL as sent
// in requests (without the credentials).
struct SourceUrl {
  std::string host;
  uint16_t port = 554;
  std::string user;
  std::string password;
  std::string url;  // rtsp://host:port/path?query
};
Result<SourceUrl> parse_source_url(std::string_view text);

// The URL a SETUP names for a media whose a=control is `control`, below `base` (Content-Base,
// else Content-Location, else the DESCRIBE URL): an absolute control URL as it is, "*" or an
// empty control the base itself, a relative one appended after a '/'.
std::string resolve_control(std::string_view base, std::string_view control);

enum class PullTransport { Auto, Tcp, Udp };
Result<PullTransport> parse_pull_transport(std::string_view text);
const char* to_string(PullTransport transport);

}  // namespace firstmile::rtsp
