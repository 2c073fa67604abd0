#pragma once
// Signed playback URLs: `?expires=UNIX&token=HEX`, token = HMAC-SHA256(secret,
// "APP/STREAM:EXPIRES") in lowercase hex. The operator's backend signs a URL for each viewer;
// the server checks it for HLS, HTTP-FLV and RTMP play without asking anyone.
#include <cstdint>
#include <string>
#include <string_view>

#include "format/query_string.hpp"

namespace firstmile::control {

enum class TokenCheck { Ok, Missing, Expired, Invalid };

// "expires=1700000000&token=…"
std::string sign_play_query(std::string_view secret, std::string_view app, std::string_view stream,
                            int64_t expires);

// The token for `expires` as written in the URL (the decimal Unix time).
std::string play_token(std::string_view secret, std::string_view app, std::string_view stream,
                       std::string_view expires);

TokenCheck check_play_token(std::string_view secret, std::string_view app, std::string_view stream,
                            const format::QueryParams& params, int64_t now_unix);

const char* describe(TokenCheck c);

}  // namespace firstmile::control
