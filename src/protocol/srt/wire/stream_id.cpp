#include "protocol/srt/wire/stream_id.hpp"

#include "core/stream_name.hpp"
#include "format/query_string.hpp"

namespace firstmile::srt {

namespace {

// "app/stream" or "stream" (the default app), with an optional "?query" kept for auth.
Status split_resource(std::string_view resource, size_t max, SrtStreamId& out) {
  if (auto q = resource.find('?'); q != std::string_view::npos) {
    auto extra = resource.substr(q + 1);
    if (!format::parse_query(extra)) return fail("malformed query string in the stream id");
    if (!out.query.empty() && !extra.empty()) out.query += '&';
    out.query += extra;
    resource = resource.substr(0, q);
  }
  auto slash = resource.find('/');
  std::string_view app = kDefaultApp, stream = resource;
  if (slash != std::string_view::npos) {
    app = resource.substr(0, slash);
    stream = resource.substr(slash + 1);
  }
  if (!valid_name(app, max)) return fail("invalid application name in the stream id");
  if (!valid_name(stream, max)) return fail("invalid stream name in the stream id");
  out.app = std::string(app);
  out.stream = std::string(stream);
  return Status{};
}

void add_param(std::string& query, std::string_view key, std::string_view value) {
  if (!query.empty()) query += '&';
  query += format::query_escape(key);
  query += '=';
  query += format::query_escape(value);
}

// "#!::k=v,k=v": r = resource, m = mode, u/h/s/t and custom keys go to the query.
Result<SrtStreamId> parse_access_control(std::string_view body, size_t max) {
  SrtStreamId out;
  std::string_view resource;
  bool have_resource = false;
  size_t pairs = 0;
  while (!body.empty()) {
    auto comma = body.find(',');
    auto pair = body.substr(0, comma);
    body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
    if (pair.empty()) continue;
    if (++pairs > 32) return fail("too many keys in the stream id");
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) return fail("stream id key without a value");
    auto key = pair.substr(0, eq);
    auto value = pair.substr(eq + 1);
    if (key == "r") {
      if (have_resource) return fail("two resources in the stream id");
      resource = value;
      have_resource = true;
    } else if (key == "m") {
      if (value == "publish") {
        out.mode = SrtMode::Publish;
      } else if (value == "request") {
        out.mode = SrtMode::Request;
      } else {
        // "bidirectional" has no meaning for a live server.
        return fail("unsupported stream id mode '", value.substr(0, 32), "'");
      }
    } else {
      add_param(out.query, key, value);
    }
  }
  if (!have_resource) return fail("stream id has no resource (r=)");
  if (auto st = split_resource(resource, max, out); !st) return st.error();
  return out;
}

}  // namespace

Result<SrtStreamId> parse_stream_id(std::string_view id, size_t max_name_length) {
  if (id.empty()) return fail("empty stream id");
  if (id.size() > kMaxStreamIdLength) return fail("stream id over ", kMaxStreamIdLength, " bytes");
  if (id.find('\0') != std::string_view::npos) return fail("NUL byte in the stream id");
  if (id.substr(0, 4) == "#!::") return parse_access_control(id.substr(4), max_name_length);
  if (id.substr(0, 2) == "#!") return fail("unsupported stream id syntax (expected #!::)");
  SrtStreamId out;
  std::string_view resource = id;
  if (id.substr(0, 8) == "publish:") {
    resource = id.substr(8);
  } else if (id.substr(0, 5) == "read:") {
    out.mode = SrtMode::Request;
    resource = id.substr(5);
  }
  if (auto st = split_resource(resource, max_name_length, out); !st) return st.error();
  return out;
}

}  // namespace firstmile::srt
