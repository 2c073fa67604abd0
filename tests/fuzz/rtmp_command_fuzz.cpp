// The payloads of what an RTMP peer sends besides media: the protocol control messages (set
// chunk size, abort, acknowledgement, window acknowledgement size, set peer bandwidth: spec
// 5.4), user control events (7.1.7) and command messages (7.2) down to the structs the session
// acts on (connect's app, publish's and play's stream name). The first byte is the message
// type id, the rest the payload, so every parser sees every input.
// Checks: what parses is re-encoded by the writers and parses back the same; the names taken
// from commands keep the split rules the session relies on.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "format/amf0.hpp"
#include "protocol/rtmp/wire/command.hpp"
#include "protocol/rtmp/wire/message.hpp"

using namespace firstmile;
using namespace firstmile::rtmp;
namespace amf0 = firstmile::format::amf0;

namespace {

bool same_number(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

void control(ByteSpan payload) {
  if (auto v = parse_set_chunk_size(payload); v) {
    if (*v == 0 || *v > kMaxSpecChunkSize) __builtin_trap();
    auto back = parse_set_chunk_size(encode_set_chunk_size(*v));
    if (!back || *back != *v) __builtin_trap();
  }
  if (auto v = parse_abort(payload); v) {
    auto back = parse_abort(encode_abort(*v));
    if (!back || *back != *v) __builtin_trap();
  }
  if (auto v = parse_acknowledgement(payload); v) {
    auto back = parse_acknowledgement(encode_acknowledgement(*v));
    if (!back || *back != *v) __builtin_trap();
  }
  if (auto v = parse_window_ack_size(payload); v) {
    auto back = parse_window_ack_size(encode_window_ack_size(*v));
    if (!back || *back != *v) __builtin_trap();
  }
  if (auto pb = parse_set_peer_bandwidth(payload); pb) {
    auto back = parse_set_peer_bandwidth(encode_set_peer_bandwidth(pb->window, pb->limit));
    if (!back || back->window != pb->window || back->limit != pb->limit) __builtin_trap();
  }
  if (auto uc = parse_user_control(payload); uc) {
    switch (uc->event) {
      case UserControlEvent::kSetBufferLength: {
        auto back = parse_user_control(encode_set_buffer_length(uc->value, uc->buffer_length_ms));
        if (!back || back->event != uc->event || back->value != uc->value ||
            back->buffer_length_ms != uc->buffer_length_ms)
          __builtin_trap();
        break;
      }
      default: {
        // Known events carry their value; unknown ones the first four data bytes (or 0).
        auto back = parse_user_control(encode_user_control(uc->event, uc->value));
        if (!back || back->event != uc->event || back->value != uc->value) __builtin_trap();
        break;
      }
    }
  }
}

void command(ByteSpan body) {
  auto cmd = parse_command(body);
  if (!cmd) return;
  // Re-encoded as a peer would send it, the command decodes to the same name, transaction id
  // and arguments (a transaction id that was absent or not a number is written as 0).
  std::vector<amf0::Value> values{cmd->name, cmd->transaction};
  values.insert(values.end(), cmd->args.begin(), cmd->args.end());
  auto again = parse_command(amf0::encode_all(values));
  if (!again || again->name != cmd->name || !same_number(again->transaction, cmd->transaction) ||
      again->args != cmd->args)
    __builtin_trap();

  {
    const auto& object = cmd->command_object();
    auto c = parse_connect(object);
    // The app never keeps a query string or a trailing slash, and it is what precedes the
    // query in the peer's value.
    if (c.app.find('?') != std::string::npos) __builtin_trap();
    if (!c.app.empty() && c.app.back() == '/') __builtin_trap();
    std::string_view sent = object.get_string("app");
    if (sent.substr(0, c.app.size()) != c.app) __builtin_trap();
    if (!c.query.empty() && sent.substr(sent.size() - c.query.size()) != c.query) __builtin_trap();
    if (c.tc_url != object.get_string("tcUrl")) __builtin_trap();
  }
  auto s = parse_stream_request(cmd->args);
  // "name?query": the name holds no '?', and the two joined give the peer's value back.
  if (s.name.find('?') != std::string::npos) __builtin_trap();
  std::string_view sent = cmd->args.size() > 1 ? cmd->args[1].as_string() : std::string_view();
  std::string joined = sent.find('?') == std::string_view::npos ? s.name : s.name + "?" + s.query;
  if (joined != sent) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t type = data[0];
  const ByteSpan payload(data + 1, size - 1);
  control(payload);
  switch (type) {
    case msg_type::kCommandAmf3:
    case msg_type::kDataAmf3:
      command(amf0_body(payload));
      break;
    default:
      command(payload);
      break;
  }
  return 0;
}
