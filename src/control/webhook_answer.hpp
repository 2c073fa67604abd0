#pragma once
// What one answer of a decision webhook (on_publish, on_play) says: allow, allow under another
// name, or refuse, and why. The backend's HTTP status and JSON body are input from outside the
// server, so this is a pure function of them (unit-tested and fuzzed); ControlPlane counts,
// logs and applies auth.webhook_fail_open.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace firstmile::control {

struct WebhookAnswer {
  enum class Kind {
    Allow,        // a 2xx with a JSON object body (or an empty body)
    Unreachable,  // no response at all (status 0): the backend is down or slow
    Refused,      // the backend said no: a non-2xx status
    Error,        // an answer the server cannot use: cut short, not JSON, a bad stream name
  };
  Kind kind = Kind::Error;
  // Refused and Error: the reason to count and to show the client ("refused by the
  // authorization service: <the backend's reason, cleaned>").
  std::string reason;
  // Allow: the name the backend gave the stream ({"stream": "..."}), when it gave one and
  // renames are allowed.
  std::optional<std::string> stream;
};

// `status` 0 means no response header came; `error` non-empty means the response was not
// complete (timeout, over the size limit, ...). `max_name` is the longest allowed rename; 0
// ignores "stream" (players cannot be renamed).
WebhookAnswer judge_webhook_answer(int status, std::string_view error, std::string_view body,
                                   size_t max_name);

}  // namespace firstmile::control
