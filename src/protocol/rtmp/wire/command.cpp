#include "protocol/rtmp/wire/command.hpp"

namespace firstmile::rtmp {

namespace amf0 = format::amf0;

namespace {
// Splits "name?query" at the first '?'.
std::pair<std::string, std::string> split_query(std::string_view s) {
  auto q = s.find('?');
  if (q == std::string_view::npos) return {std::string(s), {}};
  return {std::string(s.substr(0, q)), std::string(s.substr(q + 1))};
}
}  // namespace

const amf0::Value& Command::command_object() const {
  static const amf0::Value kNull;
  return args.empty() ? kNull : args.front();
}

ByteSpan amf0_body(ByteSpan amf3_body) {
  if (!amf3_body.empty() && amf3_body[0] == 0) return amf3_body.subspan(1);
  return amf3_body;
}

Result<Command> parse_command(ByteSpan body) {
  auto values = amf0::decode_all(body, kCommandDecodeLimits);
  if (!values) return wrap("malformed command", values.error());
  auto& v = *values;
  if (v.empty() || !v[0].is_string()) return fail("command without a name");
  Command cmd;
  cmd.name = std::string(v[0].as_string());
  cmd.transaction = v.size() > 1 ? v[1].as_number() : 0;
  if (v.size() > 2) {
    cmd.args.assign(std::make_move_iterator(v.begin() + 2), std::make_move_iterator(v.end()));
  }
  return cmd;
}

ConnectRequest parse_connect(const amf0::Value& command_object) {
  ConnectRequest out;
  auto [app, query] = split_query(command_object.get_string("app"));
  while (!app.empty() && app.back() == '/')
    app.pop_back();
  out.app = std::move(app);
  out.query = std::move(query);
  out.tc_url = std::string(command_object.get_string("tcUrl"));
  out.object_encoding = command_object.get_number("objectEncoding", 0);
  return out;
}

StreamRequest parse_stream_request(const std::vector<amf0::Value>& args) {
  auto [name, query] = split_query(args.size() > 1 ? args[1].as_string() : std::string_view());
  return StreamRequest{std::move(name), std::move(query)};
}

}  // namespace firstmile::rtmp
