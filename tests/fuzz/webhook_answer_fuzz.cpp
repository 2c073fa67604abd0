// The answer of a decision webhook (on_publish, on_play) as the backend sends it: the first
// two bytes are the HTTP status (mod 600), the third says whether the response came cut short
// and whether renames are allowed, the rest is the body.
// Checks: no response is Unreachable, a cut-short one an Error, a non-2xx a refusal whose
// reason is the fixed text plus the backend's reason made safe for a log line; an allow
// renames only to a valid name, only when renames are allowed, and only as the body says.
#include <boost/json.hpp>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "control/webhook_answer.hpp"
#include "core/stream_name.hpp"

using firstmile::control::WebhookAnswer;
using Kind = WebhookAnswer::Kind;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const int status = (data[0] << 8 | data[1]) % 600;
  const bool cut_short = data[2] & 1;
  const size_t max_name = (data[2] & 2) ? 256 : 0;
  const std::string_view error = cut_short ? "timeout" : "";
  const std::string_view body(reinterpret_cast<const char*>(data + 3), size - 3);

  auto a = firstmile::control::judge_webhook_answer(status, error, body, max_name);
  if (status == 0) {
    if (a.kind != Kind::Unreachable) __builtin_trap();
    return 0;
  }
  if (cut_short) {
    if (a.kind != Kind::Error) __builtin_trap();
    return 0;
  }
  const bool two_xx = status >= 200 && status < 300;
  if (!two_xx) {
    constexpr std::string_view kPrefix = "refused by the authorization service";
    if (a.kind != Kind::Refused || a.reason.rfind(kPrefix, 0) != 0) __builtin_trap();
    if (a.reason.size() > kPrefix.size() + 2 + 200) __builtin_trap();
    for (char c : a.reason)
      if (static_cast<unsigned char>(c) < 0x20 || c == '"') __builtin_trap();
    return 0;
  }
  if (a.kind == Kind::Refused || a.kind == Kind::Unreachable) __builtin_trap();
  if (a.kind == Kind::Error) {
    if (a.reason.empty()) __builtin_trap();
    return 0;
  }
  if (!a.stream) return 0;
  if (max_name == 0 || !firstmile::valid_name(*a.stream, max_name)) __builtin_trap();
  // The name is the body's "stream" member (the body read after any leading white space,
  // which the judge skips as C's isspace() knows it, form feeds included).
  std::string_view json = body;
  while (!json.empty() && std::isspace(static_cast<unsigned char>(json.front())))
    json.remove_prefix(1);
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) __builtin_trap();
  auto* s = v.as_object().if_contains("stream");
  if (!s || !s->is_string() || std::string_view(s->as_string()) != *a.stream) __builtin_trap();
  return 0;
}
