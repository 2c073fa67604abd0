#include "protocol/rtsp/wire/source_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/ascii.hpp"
#include "protocol/pull/source_url.hpp"

namespace firstmile::rtsp {

Result<SourceUrl> parse_source_url(std::string_view text) {
  auto u = pull::parse_source_url(text, 554);
  if (!u) return u.error();
  if (u->scheme != "rtsp") return fail("not an rtsp:// URL");
  SourceUrl out;
  out.host = u->host;
  out.port = u->port;
  out.user = u->user;
  out.password = u->password;
  out.url = "rtsp://" + u->authority() + (u->path.empty() ? "/" : u->path);
  if (!u->query.empty()) out.url += "?" + u->query;
  return out;
}

std::string resolve_control(std::string_view base, std::string_view control) {
  if (control.empty() || control == "*") return std::string(base);
  if (control.size() > 7 && iequals(control.substr(0, 7), "rtsp://")) return std::string(control);
  std::string out(base);
  if (out.empty() || out.back() != '/') out += '/';
  out += control;
  return out;
}

Result<PullTransport> parse_pull_transport(std::string_view text) {
  if (text == "auto") return PullTransport::Auto;
  if (text == "tcp") return PullTransport::Tcp;
  if (text == "udp") return PullTransport::Udp;
  return fail("transport must be auto, tcp or udp");
}

const char* to_string(PullTransport t) {
  switch (t) {
    case PullTransport::Tcp:
      return "tcp";
    case PullTransport::Udp:
      return "udp";
    default:
      return "auto";
  }
}

}  // namespace firstmile::rtsp
