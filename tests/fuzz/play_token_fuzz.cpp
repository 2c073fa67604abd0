// Signed playback URLs: a player's query string (expires=UNIX&token=HEX) checked against the
// app and stream it asks for. The input is "app 0xff stream 0xff query", all from the player.
// Checks: Ok only for the token the server itself would sign, before the expiry; a URL the
// server signs is Ok (or Expired) for that app and stream, and Invalid for any other stream or
// with its token changed.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "control/play_token.hpp"
#include "core/stream_name.hpp"
#include "format/query_string.hpp"

using namespace firstmile;
using control::TokenCheck;

namespace {
constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";
constexpr int64_t kNow = 1800000000;

std::string_view take_field(std::string_view& input) {
  auto at = input.find('\xff');
  auto field = input.substr(0, at);
  input.remove_prefix(at == std::string_view::npos ? input.size() : at + 1);
  return field;
}

TokenCheck check(std::string_view app, std::string_view stream, std::string_view query) {
  auto params = format::parse_query(query);
  if (!params) return TokenCheck::Invalid;
  return control::check_play_token(kSecret, app, stream, *params, kNow);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view app = take_field(input);
  const std::string_view stream = take_field(input);
  const std::string_view query = input;

  auto params = format::parse_query(query);
  if (params) {
    auto result = control::check_play_token(kSecret, app, stream, *params, kNow);
    (void)control::describe(result);
    if (result == TokenCheck::Ok || result == TokenCheck::Expired) {
      // Only the server's own signature passes: re-signing the expiry gives the same token.
      auto expires = format::query_value(*params, "expires");
      auto token = format::query_value(*params, "token");
      if (!expires || !token) __builtin_trap();
      int64_t when = 0;
      std::from_chars(expires->data(), expires->data() + expires->size(), when);
      if (std::to_string(when) == *expires) {
        auto signed_query = control::sign_play_query(kSecret, app, stream, when);
        if (signed_query.substr(signed_query.size() - 64) != *token) __builtin_trap();
      }
      if ((result == TokenCheck::Ok) != (when >= kNow)) __builtin_trap();
    }
  }

  // The URL the server would sign for this app and stream, with an expiry from the input.
  int64_t expires = kNow - 1000;
  for (char c : query.substr(0, 4))
    expires += static_cast<unsigned char>(c) * 7;
  auto signed_query = control::sign_play_query(kSecret, app, stream, expires);
  auto ok = check(app, stream, signed_query);
  if (ok != (expires >= kNow ? TokenCheck::Ok : TokenCheck::Expired)) __builtin_trap();
  // Names are checked before tokens (valid_name: no '/' or ':'), which keeps "APP/STREAM:EXP"
  // unambiguous: a token signed for one stream is no good for another.
  if (valid_name(app) && valid_name(stream) && app != stream &&
      check(stream, app, signed_query) != TokenCheck::Invalid)
    __builtin_trap();
  std::string tampered = signed_query;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  if (check(app, stream, tampered) != TokenCheck::Invalid) __builtin_trap();
  return 0;
}
