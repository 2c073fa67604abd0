// Fuzzes the server side of the handshake on arbitrary C0+C1 bytes (padded or cut to 1537 so
// the digest search runs on every input), and c2_is_plausible on the answer.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "protocol/rtmp/wire/handshake.hpp"

using namespace firstmile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes c0c1(1 + rtmp::kHandshakeSize, 0);
  std::memcpy(c0c1.data(), data, std::min(size, c0c1.size()));
  auto fixed = [](std::span<uint8_t> out) { std::memset(out.data(), 0x42, out.size()); };

  auto resp = rtmp::server_handshake_response(c0c1, fixed);
  if (resp) {
    if (resp->size() != 1 + 2 * rtmp::kHandshakeSize || (*resp)[0] != rtmp::kRtmpVersion) abort();
    ByteSpan s1 = ByteSpan(*resp).subspan(1, rtmp::kHandshakeSize);
    // Our own answer must satisfy the client-side check, digest or not.
    if (!rtmp::verify_server_response(*resp, c0c1)) abort();
    // The input's tail as a C2.
    Bytes c2(rtmp::kHandshakeSize, 0);
    if (size > c0c1.size()) {
      std::memcpy(c2.data(), data + c0c1.size(), std::min(size - c0c1.size(), c2.size()));
    }
    (void)rtmp::c2_is_plausible(c2, s1);
  }
  // The exact-size requirement holds for any other length.
  (void)rtmp::server_handshake_response(ByteSpan(data, size), fixed);
  return 0;
}
