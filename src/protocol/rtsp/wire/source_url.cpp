#include "protocol/rtsp/wire/source_url.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/ascii.hpp"

namespace firstmile::rtsp {

Result<SourceUrl> parse_source_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return fail("not a URL: ", parsed.error().message());
  const auto& u = *parsed;
  if (!iequals(u.scheme(), "rtsp")) return fail("not an rtsp:// URL");
  if (!u.has_authority() || u.host().empty()) return fail("the URL has no host");
  SourceUrl out;
  out.host = u.host_address();
  if (u.has_port()) {
    const std::string_view text = u.port();
    unsigned port = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc() || end != text.data() + text.size() || port == 0 || port > 65535)
      return fail("bad port in the URL");
    out.port = static_cast<uint16_t>(port);
  }
  if (u.has_userinfo()) {
    out.user = u.user();
    out.password = u.password();
  }
  out.url = "rtsp://";
  out.url += u.encoded_host().decode();  // an IPv6 address in its brackets
  out.url += ':';
  out.url += std::to_string(out.port);
  out.url += u.encoded_path();
  if (u.encoded_path().empty()) out.url += '/';
  if (u.has_query()) {
    out.url += '?';
    out.url += u.encoded_query();
  }
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
