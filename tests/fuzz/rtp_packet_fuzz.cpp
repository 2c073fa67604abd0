// RTP packets arrive from any RTSP client or camera (UDP, or interleaved in the RTSP
// connection) and, after SRTP, from WebRTC peers. Checks: nothing is read outside the datagram;
// what parses writes back as a packet that parses to the same fields and payload; header
// extension elements stay inside the extension; the unwrapper never goes backwards by more
// than half its range.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "format/rtp/packet.hpp"

using namespace firstmile;
using namespace firstmile::format;

namespace {

bool same(ByteSpan a, ByteSpan b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);
  auto p = rtp::parse(input);
  if (p) {
    Bytes out;
    rtp::write(*p, out);
    if (out.size() != size) __builtin_trap();
    auto q = rtp::parse(out);
    if (!q || q->marker != p->marker || q->payload_type != p->payload_type ||
        q->sequence != p->sequence || q->timestamp != p->timestamp || q->ssrc != p->ssrc ||
        q->csrcs != p->csrcs || q->has_extension != p->has_extension ||
        q->extension_profile != p->extension_profile || !same(q->extension, p->extension) ||
        !same(q->payload, p->payload) || q->padding != p->padding) {
      __builtin_trap();
    }
    if (p->has_extension) {
      auto elements = rtp::parse_extension_elements(p->extension_profile, p->extension);
      if (elements) {
        for (const auto& e : *elements) {
          if (e.data.data() < p->extension.data() ||
              e.data.data() + e.data.size() > p->extension.data() + p->extension.size()) {
            __builtin_trap();
          }
        }
      }
    }
  }
  // The input as a run of 16-bit sequence numbers.
  rtp::SequenceUnwrapper u;
  uint64_t highest = 0;
  for (size_t i = 0; i + 1 < size; i += 2) {
    const uint64_t v = u.unwrap(static_cast<uint16_t>(data[i] << 8 | data[i + 1]));
    if (v + 32768 < highest) __builtin_trap();
    if (v > highest) highest = v;
  }
  return 0;
}
