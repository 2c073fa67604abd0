#pragma once
// HTTP authentication as RTSP uses it (RFC 2326 refers to RFC 2617; RFC 7826 to RFC 7616 and
// RFC 7617), both sides. Client: a server's WWW-Authenticate challenges read, and the
// Authorization header answering them: Basic, or Digest with MD5 (with or without qop=auth,
// which is what IP cameras offer). Server: challenges written, a client's Authorization read,
// and a Digest answer checked against a candidate password. Pure functions of the peer's input
// (fuzzed): bounded, never throw.
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

// A challenge as a WWW-Authenticate value (the server's side).
std::string write_challenge(const Challenge& challenge);

// What a client sent in its Authorization header.
struct Credentials {
  Challenge::Scheme scheme = Challenge::Scheme::Basic;
  std::string user;
  std::string password;  // Basic only: Digest never carries it
  // Digest only: what the response was computed from.
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;
  std::string cnonce;
  std::string count;  // "nc", 8 hex digits
  bool qop_auth = false;
};

// An Authorization value: "Basic base64(user:password)" or "Digest username=..., ...". Digest
// needs username, realm, nonce, uri and a 32-digit response, with MD5 as its algorithm, and
// cnonce and nc when qop=auth; other schemes are an error.
Result<Credentials> parse_credentials(std::string_view value);

// Digest: whether `password` gives the client's response for a request of `method` (the uri is
// the one the client hashed). The comparison takes the same time wherever the responses differ.
bool digest_matches(const Credentials& credentials, std::string_view method,
                    std::string_view password);

// MD5 of `text` as 32 lowercase hex digits.
std::string md5_hex(std::string_view text);

}  // namespace firstmile::rtsp
