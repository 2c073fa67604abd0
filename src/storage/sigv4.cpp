#include "storage/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "control/crypto.hpp"

namespace firstmile::storage {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A header value as SigV4 canonicalizes it: outer spaces trimmed, inner runs of spaces one.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string_view as_key(const control::Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

std::string sha256_hex(std::string_view data) {
  return control::to_hex(control::sha256(data));
}

Signature sign(const Credentials& credentials, const SigningRequest& r) {
  Signature out;
  out.added_headers.emplace_back("x-amz-date", r.amz_date);
  if (r.content_sha256_header)
    out.added_headers.emplace_back("x-amz-content-sha256", r.payload_sha256);
  if (!credentials.session_token.empty())
    out.added_headers.emplace_back("x-amz-security-token", credentials.session_token);

  // Canonical headers: lower-case names, sorted; values of one name joined by ','.
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : r.headers)
    headers.emplace_back(lower(name), canonical_value(value));
  for (const auto& [name, value] : out.added_headers)
    headers.emplace_back(name, canonical_value(value));
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      canonical_headers.pop_back();  // the '\n' of the same name's line
      canonical_headers += ',' + headers[i].second + '\n';
      continue;
    }
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += headers[i].first;
    canonical_headers += headers[i].first + ':' + headers[i].second + '\n';
  }

  // Canonical query: names and values encoded, sorted by name, then value.
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [name, value] : r.query)
    query.emplace_back(uri_encode(name, false), uri_encode(value, false));
  std::sort(query.begin(), query.end());
  std::string canonical_query;
  for (const auto& [name, value] : query) {
    if (!canonical_query.empty()) canonical_query += '&';
    canonical_query += name + '=' + value;
  }

  out.canonical_request = r.method + '\n' + (r.path.empty() ? "/" : r.path) + '\n' +
                          canonical_query + '\n' + canonical_headers + '\n' + out.signed_headers +
                          '\n' + r.payload_sha256;
  const std::string date = r.amz_date.substr(0, 8);
  const std::string scope = date + '/' + r.region + '/' + r.service + "/aws4_request";
  out.string_to_sign =
      "AWS4-HMAC-SHA256\n" + r.amz_date + '\n' + scope + '\n' + sha256_hex(out.canonical_request);
  const auto k_date = control::hmac_sha256("AWS4" + credentials.secret_access_key, date);
  const auto k_region = control::hmac_sha256(as_key(k_date), r.region);
  const auto k_service = control::hmac_sha256(as_key(k_region), r.service);
  const auto k_signing = control::hmac_sha256(as_key(k_service), "aws4_request");
  out.signature = control::to_hex(control::hmac_sha256(as_key(k_signing), out.string_to_sign));
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + '/' + scope +
                      ", SignedHeaders=" + out.signed_headers + ", Signature=" + out.signature;
  return out;
}

}  // namespace firstmile::storage
