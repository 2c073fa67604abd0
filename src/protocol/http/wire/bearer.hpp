#pragma once
// The API's credential check on an Authorization header field (RFC 6750, 2.1: "Bearer"
// followed by the token). Pure function of the peer's input (fuzzed).
#include <string_view>

namespace firstmile::http {

// True when `authorization` is exactly "Bearer " followed by `token`. The comparison of the
// token takes a time that depends only on the lengths, so a client cannot learn the token a
// byte at a time. The scheme is matched as "Bearer " with one space, as curl and every HTTP
// client library send it. An empty token never matches.
bool bearer_matches(std::string_view authorization, std::string_view token);

}  // namespace firstmile::http
