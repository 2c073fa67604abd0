// An RTSP connection's bytes come from any client or camera: requests, responses and
// interleaved RTP/RTCP frames mixed. The input is fed in pieces whose sizes come from its first
// byte, so message boundaries fall anywhere. Checks: nothing is read outside what was fed; an
// item's bytes stay within the limits; a message written back reads as the same message; the
// reader never holds more than the input; the request URL's segments are non-empty pieces of
// it; Transport values from SETUP and the session id parse within bounds.
#include <cstddef>
#include <cstdint>

#include "protocol/rtsp/wire/message.hpp"
#include "protocol/rtsp/wire/request_url.hpp"
#include "protocol/rtsp/wire/transport.hpp"

using namespace firstmile;

namespace {

void check_message(const rtsp::Message& m) {
  rtsp::MessageReader again;
  again.feed(as_bytes(rtsp::write(m)));
  auto item = again.next();
  if (!item || !*item) __builtin_trap();
  const auto* back = std::get_if<rtsp::Message>(&**item);
  if (!back || back->method != m.method || back->uri != m.uri || back->status != m.status ||
      back->body != m.body || back->headers.size() < m.headers.size()) {
    __builtin_trap();
  }
  if (auto t = m.header("Transport")) {
    auto transports = rtsp::parse_transports(*t);
    if (transports) {
      if (transports->size() > 16) __builtin_trap();
      for (const auto& tr : *transports) {
        auto again_t = rtsp::parse_transports(rtsp::write(tr));
        if (!again_t || again_t->size() != 1 || (*again_t)[0].interleaved != tr.interleaved ||
            (*again_t)[0].client_port != tr.client_port || (*again_t)[0].ssrc != tr.ssrc) {
          __builtin_trap();
        }
      }
    }
  }
  if (auto url = rtsp::parse_request_url(m.uri)) {
    size_t bytes = url->query.size();
    for (const auto& seg : url->segments) {
      if (seg.empty() || seg.find('/') != std::string::npos) __builtin_trap();
      bytes += seg.size();
    }
    if (bytes > m.uri.size()) __builtin_trap();
  }
  if (auto s = m.header("Session")) {
    if (rtsp::session_id(*s).size() > s->size()) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t piece = 1 + data[0] % 64;
  rtsp::MessageReader reader({.max_head_bytes = 4096, .max_headers = 32, .max_body_bytes = 4096});
  size_t fed = 0;
  for (size_t pos = 1; pos < size; pos += piece) {
    const size_t n = std::min(piece, size - pos);
    reader.feed(ByteSpan(data + pos, n));
    fed += n;
    for (;;) {
      auto item = reader.next();
      if (!item) return 0;  // refused: the connection would close
      if (!*item) break;
      if (auto* m = std::get_if<rtsp::Message>(&**item)) {
        if (m->body.size() > 4096) __builtin_trap();
        check_message(*m);
      } else {
        const auto& f = std::get<rtsp::InterleavedFrame>(**item);
        if (f.data.size() > 65535) __builtin_trap();
      }
      if (reader.buffered() > fed) __builtin_trap();
    }
  }
  return 0;
}
