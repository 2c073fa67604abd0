#include "protocol/rtsp/wire/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>

#include "core/ascii.hpp"
#include "core/base64.hpp"

namespace firstmile::rtsp {

namespace {

constexpr size_t kMaxChallenges = 8;
constexpr size_t kMaxParams = 32;
constexpr size_t kMaxValue = 1024;

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 && c != ',' && c != '=' && c != '"' && c != ';';
}

// Reads the value as a sequence of "scheme" words and "name=value" parameters (values tokens or
// quoted strings), in order. A scheme word starts a challenge; its parameters follow it.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  void skip_space_and_commas() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == ',' ||
            text_[pos_] == '\r' || text_[pos_] == '\n'))
      ++pos_;
  }
  bool done() {
    skip_space_and_commas();
    return pos_ >= text_.size();
  }
  std::string_view token() {
    const size_t start = pos_;
    while (pos_ < text_.size() && is_token_char(text_[pos_]))
      ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // After a token: '=' follows (perhaps after spaces)?
  bool equals() {
    size_t p = pos_;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t'))
      ++p;
    if (p < text_.size() && text_[p] == '=') {
      pos_ = p + 1;
      while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t'))
        ++pos_;
      return true;
    }
    return false;
  }
  Result<std::string> value() {
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      std::string out;
      while (pos_ < text_.size() && text_[pos_] != '"') {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        out += text_[pos_++];
        if (out.size() > kMaxValue) return fail("parameter value too long");
      }
      if (pos_ >= text_.size()) return fail("unterminated quoted string");
      ++pos_;
      return out;
    }
    auto t = token();
    if (t.size() > kMaxValue) return fail("parameter value too long");
    return std::string(t);
  }
  bool at_bad_char() const { return pos_ < text_.size() && !is_token_char(text_[pos_]); }
  void skip_char() { ++pos_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out += ':';
    out += p;
  }
  return out;
}

// The Digest response for the given inputs (RFC 2617 3.2.2.1).
std::string digest_response(std::string_view user, std::string_view realm,
                            std::string_view password, std::string_view method,
                            std::string_view uri, std::string_view nonce, bool qop_auth,
                            std::string_view nc, std::string_view cnonce) {
  const std::string ha1 = md5_hex(join({user, realm, password}));
  const std::string ha2 = md5_hex(join({method, uri}));
  return qop_auth ? md5_hex(join({ha1, nonce, nc, cnonce, "auth", ha2}))
                  : md5_hex(join({ha1, nonce, ha2}));
}

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<Challenge>> parse_challenges(std::string_view value) {
  std::vector<Challenge> out;
  Reader r(value);
  // The challenge being read; skipped (nullopt with `skipping`) when its scheme is unknown.
  std::optional<Challenge> current;
  bool skipping = false, md5 = true;
  size_t params = 0, challenges = 0;
  auto finish = [&] {
    if (current && md5) out.push_back(std::move(*current));
    current.reset();
    skipping = false;
    md5 = true;
  };
  while (!r.done()) {
    if (r.at_bad_char()) {
      // Inside a scheme we skip (a token68 such as Negotiate's "YII...=="), anything goes.
      if (!skipping) return fail("unexpected character in WWW-Authenticate");
      r.skip_char();
      continue;
    }
    const std::string name(r.token());
    if (r.equals()) {
      auto v = r.value();
      if (!v) return v.error();
      if (++params > kMaxParams) return fail("too many parameters");
      if (!current) {
        if (skipping) continue;
        return fail("parameter before any scheme");
      }
      if (iequals(name, "realm")) {
        current->realm = std::move(*v);
      } else if (iequals(name, "nonce")) {
        current->nonce = std::move(*v);
      } else if (iequals(name, "opaque")) {
        current->opaque = std::move(*v);
      } else if (iequals(name, "stale")) {
        current->stale = iequals(*v, "true");
      } else if (iequals(name, "algorithm")) {
        md5 = iequals(*v, "MD5");
      } else if (iequals(name, "qop")) {
        // A list such as "auth,auth-int".
        std::string_view list = *v;
        while (!list.empty()) {
          const size_t comma = list.find(',');
          std::string_view item = list.substr(0, comma);
          while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
          while (!item.empty() && item.back() == ' ')
            item.remove_suffix(1);
          if (iequals(item, "auth")) current->qop_auth = true;
          if (comma == std::string_view::npos) break;
          list.remove_prefix(comma + 1);
        }
      }
      continue;
    }
    // A scheme word: the previous challenge ends.
    finish();
    if (++challenges > kMaxChallenges) return fail("too many challenges");
    if (iequals(name, "Digest")) {
      current.emplace();
      current->scheme = Challenge::Scheme::Digest;
    } else if (iequals(name, "Basic")) {
      current.emplace();
      current->scheme = Challenge::Scheme::Basic;
    } else {
      skipping = true;
    }
  }
  finish();
  for (const auto& c : out) {
    if (c.scheme == Challenge::Scheme::Digest && c.nonce.empty())
      return fail("Digest challenge without a nonce");
  }
  return out;
}

std::string md5_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string authorization(const Challenge& c, std::string_view user, std::string_view password,
                          std::string_view method, std::string_view uri, uint32_t count,
                          std::string_view cnonce) {
  if (c.scheme == Challenge::Scheme::Basic) {
    std::string pair = std::string(user) + ":" + std::string(password);
    return "Basic " + base64_encode(as_bytes(pair));
  }
  char nc[9];
  std::snprintf(nc, sizeof nc, "%08x", count);
  const std::string response =
      digest_response(user, c.realm, password, method, uri, c.nonce, c.qop_auth, nc, cnonce);
  std::string out = "Digest username=" + quoted(user) + ", realm=" + quoted(c.realm) +
                    ", nonce=" + quoted(c.nonce) + ", uri=" + quoted(uri) +
                    ", response=" + quoted(response);
  if (!c.opaque.empty()) out += ", opaque=" + quoted(c.opaque);
  if (c.qop_auth) {
    out += ", qop=auth, nc=";
    out += nc;
    out += ", cnonce=" + quoted(cnonce);
  }
  return out;
}

std::string write_challenge(const Challenge& c) {
  if (c.scheme == Challenge::Scheme::Basic) return "Basic realm=" + quoted(c.realm);
  std::string out = "Digest realm=" + quoted(c.realm) + ", nonce=" + quoted(c.nonce);
  if (!c.opaque.empty()) out += ", opaque=" + quoted(c.opaque);
  if (c.qop_auth) out += ", qop=\"auth\"";
  if (c.stale) out += ", stale=TRUE";
  out += ", algorithm=MD5";
  return out;
}

Result<Credentials> parse_credentials(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  Credentials out;
  const size_t space = value.find(' ');
  const std::string_view scheme = value.substr(0, space);
  const std::string_view rest =
      space == std::string_view::npos ? std::string_view() : value.substr(space + 1);
  if (iequals(scheme, "Basic")) {
    std::string_view encoded = rest;
    while (!encoded.empty() && (encoded.front() == ' ' || encoded.front() == '\t'))
      encoded.remove_prefix(1);
    while (!encoded.empty() && (encoded.back() == ' ' || encoded.back() == '\t'))
      encoded.remove_suffix(1);
    if (encoded.size() > 2 * kMaxValue) return fail("Basic credentials too long");
    auto decoded = base64_decode(encoded);
    if (!decoded) return fail("Basic credentials are not base64");
    const std::string pair(decoded->begin(), decoded->end());
    const size_t colon = pair.find(':');
    if (colon == std::string::npos) return fail("Basic credentials without ':'");
    out.user = pair.substr(0, colon);
    out.password = pair.substr(colon + 1);
    return out;
  }
  if (!iequals(scheme, "Digest")) return fail("unsupported authorization scheme");
  out.scheme = Challenge::Scheme::Digest;
  Reader r(rest);
  size_t params = 0;
  bool have_user = false;
  while (!r.done()) {
    if (r.at_bad_char()) return fail("unexpected character in Authorization");
    const std::string name(r.token());
    if (!r.equals()) return fail("Digest parameter without a value");
    auto v = r.value();
    if (!v) return v.error();
    if (++params > kMaxParams) return fail("too many parameters");
    if (iequals(name, "username")) {
      out.user = std::move(*v);
      have_user = true;
    } else if (iequals(name, "realm")) {
      out.realm = std::move(*v);
    } else if (iequals(name, "nonce")) {
      out.nonce = std::move(*v);
    } else if (iequals(name, "uri")) {
      out.uri = std::move(*v);
    } else if (iequals(name, "response")) {
      out.response = std::move(*v);
    } else if (iequals(name, "cnonce")) {
      out.cnonce = std::move(*v);
    } else if (iequals(name, "nc")) {
      out.count = std::move(*v);
    } else if (iequals(name, "qop")) {
      if (!iequals(*v, "auth")) return fail("unsupported Digest qop");
      out.qop_auth = true;
    } else if (iequals(name, "algorithm")) {
      if (!iequals(*v, "MD5")) return fail("unsupported Digest algorithm");
    }
  }
  if (!have_user || out.nonce.empty() || out.uri.empty())
    return fail("Digest credentials without username, nonce or uri");
  if (out.response.size() != 32 || !is_hex(out.response))
    return fail("Digest response is not 32 hex digits");
  if (out.qop_auth && (out.cnonce.empty() || out.count.size() != 8 || !is_hex(out.count)))
    return fail("Digest qop=auth without cnonce or nc");
  return out;
}

bool digest_matches(const Credentials& c, std::string_view method, std::string_view password) {
  if (c.scheme != Challenge::Scheme::Digest || c.response.size() != 32) return false;
  const std::string expected = digest_response(c.user, c.realm, password, method, c.uri, c.nonce,
                                               c.qop_auth, c.count, c.cnonce);
  std::string given = c.response;
  for (auto& ch : given)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

}  // namespace firstmile::rtsp
