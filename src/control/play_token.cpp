#include "control/play_token.hpp"

#include <charconv>

#include "control/crypto.hpp"

namespace firstmile::control {

namespace {
std::string expected_token(std::string_view secret, std::string_view app, std::string_view stream,
                           std::string_view expires) {
  std::string message;
  message.reserve(app.size() + stream.size() + expires.size() + 2);
  message.append(app).append("/").append(stream).append(":").append(expires);
  return to_hex(hmac_sha256(secret, message));
}
}  // namespace

std::string play_token(std::string_view secret, std::string_view app, std::string_view stream,
                       std::string_view expires) {
  return expected_token(secret, app, stream, expires);
}

std::string sign_play_query(std::string_view secret, std::string_view app, std::string_view stream,
                            int64_t expires) {
  std::string e = std::to_string(expires);
  return "expires=" + e + "&token=" + expected_token(secret, app, stream, e);
}

TokenCheck check_play_token(std::string_view secret, std::string_view app, std::string_view stream,
                            const format::QueryParams& params, int64_t now_unix) {
  auto token = format::query_value(params, "token");
  auto expires = format::query_value(params, "expires");
  if (!token || !expires) return TokenCheck::Missing;
  int64_t when = 0;
  auto [end, ec] = std::from_chars(expires->data(), expires->data() + expires->size(), when);
  if (ec != std::errc() || end != expires->data() + expires->size() || expires->empty())
    return TokenCheck::Invalid;
  // The signature is checked before the expiry, so a tampered expiry reads as invalid.
  if (!constant_time_equal(*token, expected_token(secret, app, stream, *expires)))
    return TokenCheck::Invalid;
  if (when < now_unix) return TokenCheck::Expired;
  return TokenCheck::Ok;
}

const char* describe(TokenCheck c) {
  switch (c) {
    case TokenCheck::Ok:
      return "ok";
    case TokenCheck::Missing:
      return "token required";
    case TokenCheck::Expired:
      return "token expired";
    case TokenCheck::Invalid:
      return "invalid token";
  }
  return "invalid token";
}

}  // namespace firstmile::control
