// The API's Authorization header check. The first byte gives the length of the configured
// token taken from the input after it; the rest is the header value a client sent.
// Checks: it matches exactly "Bearer " + a non-empty token, and the header built that way
// from the token always matches.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/http/wire/bearer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t token_size = std::min<size_t>(data[0], size - 1);
  const std::string_view token(reinterpret_cast<const char*>(data + 1), token_size);
  const std::string_view header(reinterpret_cast<const char*>(data + 1 + token_size),
                                size - 1 - token_size);
  using firstmile::http::bearer_matches;
  const std::string expected = "Bearer " + std::string(token);
  if (bearer_matches(header, token) != (!token.empty() && header == expected)) __builtin_trap();
  if (bearer_matches(expected, token) != !token.empty()) __builtin_trap();
  // A header is never a credential for the token read from it with the scheme cut off wrongly.
  if (header.size() > 7 && bearer_matches(header, header.substr(6))) __builtin_trap();
  return 0;
}
