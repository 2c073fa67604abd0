// SDP arrives from any RTSP client (ANNOUNCE), any camera (DESCRIBE) and any WebRTC peer (offer)
// before it is authenticated. Checks: what parses writes out as text that parses back to the
// same description; rtpmap and fmtp of every media section parse or are refused cleanly.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "format/sdp.hpp"

using namespace firstmile::format;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = sdp::parse(text);
  if (!s) return 0;
  const std::string written = sdp::write(*s);
  // Written output adds CRLF and the o=, s= and t= lines a description may lack.
  sdp::Limits roomy;
  roomy.max_bytes = 2 * size + 1024;
  roomy.max_lines += 8;
  auto again = sdp::parse(written, roomy);
  if (!again || !(*again == *s)) __builtin_trap();
  if (sdp::write(*again) != written) __builtin_trap();
  for (const auto& m : s->media) {
    for (const auto& f : m.formats) {
      if (f.size() > 3) continue;
      unsigned pt = 0;
      for (char c : f)
        pt = pt * 10 + static_cast<unsigned>(c - '0');
      if (pt > 127) continue;
      auto map = sdp::rtpmap_for(m, static_cast<uint8_t>(pt));
      if (map && (map->clock_rate == 0 || map->encoding.empty())) __builtin_trap();
      auto fmtp = sdp::fmtp_for(m, static_cast<uint8_t>(pt));
      if (fmtp && fmtp->payload_type != pt) __builtin_trap();
    }
  }
  return 0;
}
