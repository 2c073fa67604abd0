#include "control/url.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace firstmile::control {

namespace {

bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<ParsedUrl> parse_webhook_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return fail("invalid URL: ", parsed.error().message());
  const auto& u = *parsed;
  ParsedUrl out;
  if (u.scheme_id() == boost::urls::scheme::https) {
    out.tls = true;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    return fail("unsupported URL scheme \"", std::string_view(u.scheme()),
                "\" (http or https only)");
  }
  if (!u.has_authority()) return fail("URL has no host");
  if (u.has_userinfo()) return fail("credentials in the URL (user@host) are not supported");
  switch (u.host_type()) {
    case boost::urls::host_type::name:
      out.host = u.host_address();
      if (!valid_host_name(out.host)) return fail("invalid host name in URL");
      out.host_header = out.host;
      break;
    case boost::urls::host_type::ipv4:
      out.host = u.host_address();
      out.host_header = out.host;
      break;
    case boost::urls::host_type::ipv6:
      out.host = u.host_address();
      out.host_header = "[" + out.host + "]";
      break;
    default:
      return fail("URL has no usable host");
  }
  out.port = out.tls ? 443 : 80;
  if (u.has_port() && !u.port().empty()) {
    std::string_view p = u.port();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (ec != std::errc() || end != p.data() + p.size() || value == 0 || value > 65535)
      return fail("invalid port \"", p, "\" in URL");
    if (value != out.port) out.host_header += ":" + std::string(p);
    out.port = static_cast<uint16_t>(value);
  }
  // RFC 3986 section 3.3: after an authority the path is empty or starts with "/". Checked
  // here because Boost.URL 1.81 reads "host:8x/" as port 8 and path "x/".
  if (!u.encoded_path().empty() && u.encoded_path().front() != '/')
    return fail("invalid port or path in URL");
  out.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) out.target += "?" + std::string(u.encoded_query());
  return out;
}

std::string url_for_log(std::string_view url) {
  auto parsed = parse_webhook_url(url);
  if (parsed) {
    std::string out = parsed->tls ? "https://" : "http://";
    out += parsed->host_header;
    out += parsed->target.substr(0, parsed->target.find('?'));
    return out;
  }
  // Not a URL we would send to: keep what cannot be a secret, drop query and userinfo.
  std::string_view s = url.substr(0, url.find_first_of("?#"));
  auto scheme_end = s.find("://");
  auto at = s.find('@');
  if (scheme_end != std::string_view::npos && at != std::string_view::npos && at > scheme_end)
    return std::string(s.substr(0, scheme_end + 3)) + std::string(s.substr(at + 1));
  return std::string(s);
}

}  // namespace firstmile::control
