#pragma once
// HTTP authentication as RTSP uses it (RFC 2326 refers to RFC 2617; RFC 7826 to RFC 7616 and
// RFC 7617): a server's WWW-Authenticate challenges read, and the Authorization header a
// client answers with: Basic, or Digest with MD5 (with or without qop=auth, which is what IP
// cameras offer). Pure functions of the peer's input (fuzzed): bounded, never throw.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace firstmile::rtsp {

struct Challenge {
  enum class Scheme { Basic, Digest };
  Scheme scheme = Scheme::Basic;
  std::string realm;
  // Digest only.
  std::string nonce;
  std::string opaque;
  bool qop_auth = false;  // the server offers qop "auth" (then the client uses it)
  bool stale = false;     // the nonce expired; the credentials were right
};

// The challenges in one WWW-Authenticate value ("Digest realm=\"x\", nonce=\"y\"", or several
// separated by commas). Schemes other than Basic and Digest, and Digest with an algorithm
// other than MD5, are skipped; an error when the value cannot be read at all.
Result<std::vector<Challenge>> parse_challenges(std::string_view value);

// The Authorization value answering `challenge` for a request of `method` on `uri`. `count` is
// the nonce count and `cnonce` the client nonce (used with qop=auth).
std::string authorization(const Challenge& challenge, std::string_view user,
                          std::string_view password, std::string_view method, std::string_view uri,
                          uint32_t count, std::string_view cnonce);

// MD5 of `text` as 32 lowercase hex digits.
std::string md5_hex(std::string_view text);

}  // namespace firstmile::rtsp
