#include "control/webhook_answer.hpp"

#include <boost/json.hpp>

#include <cctype>

#include "core/stream_name.hpp"

namespace firstmile::control {

namespace json = boost::json;

namespace {

constexpr size_t kMaxReasonLength = 200;

// A reason from a webhook answer, made safe for a log line and a client message.
std::string clean_reason(std::string_view r) {
  std::string out;
  for (char c : r.substr(0, kMaxReasonLength))
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == '"' ? ' ' : c);
  return out;
}

WebhookAnswer answer(WebhookAnswer::Kind kind, std::string reason = {}) {
  WebhookAnswer a;
  a.kind = kind;
  a.reason = std::move(reason);
  return a;
}

}  // namespace

WebhookAnswer judge_webhook_answer(int status, std::string_view error, std::string_view body,
                                   size_t max_name) {
  using Kind = WebhookAnswer::Kind;
  if (status == 0) return answer(Kind::Unreachable);
  if (!error.empty()) return answer(Kind::Error, "authorization answer refused");
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front())))
    body.remove_prefix(1);
  boost::system::error_code ec;
  json::value v = body.empty() ? json::value(json::object()) : json::parse(body, ec);
  if (status < 200 || status >= 300) {
    std::string reason = "refused by the authorization service";
    if (!ec && v.is_object()) {
      if (auto* r = v.as_object().if_contains("reason"); r && r->is_string())
        reason += ": " + clean_reason(r->as_string());
    }
    return answer(Kind::Refused, std::move(reason));
  }
  if (ec || !v.is_object()) return answer(Kind::Error, "authorization answer is not a JSON object");
  WebhookAnswer allow = answer(Kind::Allow);
  if (auto* s = v.as_object().if_contains("stream"); max_name > 0 && s && !s->is_null()) {
    if (!s->is_string() || !firstmile::valid_name(std::string_view(s->as_string()), max_name))
      return answer(Kind::Error, "authorization answer names an invalid stream");
    allow.stream = std::string(s->as_string());
  }
  return allow;
}

}  // namespace firstmile::control
