#include "protocol/pull/source_url.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

#include "core/ascii.hpp"
#include "format/query_string.hpp"

namespace firstmile::pull {

Result<SourceUrl> parse_source_url(std::string_view text, uint16_t default_port) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return fail("not a URL: ", parsed.error().message());
  const auto& u = *parsed;
  if (!u.has_authority() || u.host().empty()) return fail("the URL has no host");
  SourceUrl out;
  out.scheme = u.scheme();
  for (auto& c : out.scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  out.host = u.host_address();
  out.port = default_port;
  if (u.has_port()) {
    const std::string_view port_text = u.port();
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535)
      return fail("bad port in the URL");
    out.port = static_cast<uint16_t>(port);
  }
  if (u.has_userinfo()) {
    out.user = u.user();
    out.password = u.password();
  }
  out.path = u.encoded_path();
  // "host:12x" reads as port 12 and path "x": a typo, not a URL to follow.
  if (!out.path.empty() && out.path.front() != '/') return fail("bad port in the URL");
  if (u.has_query()) out.query = u.encoded_query();
  return out;
}

std::string SourceUrl::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string mask_query_secrets(std::string_view query) {
  // Parameters that carry secrets in the URLs of SRT and RTMP origins and signed URLs.
  static constexpr std::string_view kSecret[] = {"passphrase", "token", "password", "pass",
                                                 "secret",     "key",   "sign",     "signature",
                                                 "sig",        "auth"};
  std::string out;
  bool first = true;
  while (!query.empty() || first) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!first) out += '&';
    first = false;
    const size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    bool secret = false;
    for (auto s : kSecret)
      secret = secret || iequals(name, s);
    if (secret) {
      out += name;
      out += "=***";
    } else {
      out += pair;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::string SourceUrl::safe() const {
  std::string out = scheme + "://" + authority() + path;
  if (!query.empty()) out += '?' + mask_query_secrets(query);
  return out;
}

std::string query_param(const SourceUrl& url, std::string_view name) {
  auto params = format::parse_query(url.query);
  if (!params) return {};
  auto v = format::query_value(*params, name);
  return v ? std::string(*v) : std::string();
}

}  // namespace firstmile::pull
