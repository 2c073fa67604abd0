#pragma once
// The RTMP handshake (Adobe RTMP specification, December 2012, section 5.2), both the plain
// form of the spec and the "digest" (a.k.a. complex, Flash Player 9+) form that Flash Player,
// librtmp, FFmpeg, OBS and nginx-rtmp use, where C1/S1 carry an HMAC-SHA256 digest at an
// offset derived from the packet itself and C2/S2 prove they answer that digest.
//
// Digest layout of a 1536-byte C1/S1: time(4) version(4) then two 764-byte blocks. The digest
// block holds a 4-byte offset seed, then 728 bytes among which the 32-byte digest sits:
//   scheme 0: blocks key|digest; digest at (c[772]+c[773]+c[774]+c[775]) % 728 + 776
//   scheme 1: blocks digest|key; digest at (c[8]+c[9]+c[10]+c[11]) % 728 + 12
// (naming as in SRS; Flash Player and FFmpeg send scheme 1 for plain RTMP, scheme 0 for RTMPE).
// The digest is HMAC-SHA256 over the packet minus those 32 bytes, keyed with the first 30 bytes
// of the Flash Player key (C1) or the first 36 of the Flash Media Server key (S1). S2 is 1504
// random bytes and HMAC-SHA256(HMAC-SHA256(full 68-byte server key, C1 digest), S2[0:1504]);
// C2 mirrors it with the full 62-byte player key and the S1 digest.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::rtmp {

inline constexpr size_t kHandshakeSize = 1536;  // C1, C2, S1, S2
inline constexpr uint8_t kRtmpVersion = 3;      // spec 5.2.2

enum class DigestScheme : uint8_t { kScheme0 = 0, kScheme1 = 1 };

// Fills its argument with random bytes. The default (an empty function) uses OpenSSL's
// RAND_bytes; tests pass a deterministic one.
using RandomFn = std::function<void(std::span<uint8_t>)>;

// Offset of the digest in a 1536-byte C1/S1 under `scheme`: in [12, 740) for scheme 1,
// [776, 1504) for scheme 0; 0 if `packet` is not 1536 bytes.
size_t digest_offset(ByteSpan packet, DigestScheme scheme);

// The scheme under which `c1` carries a valid client (Flash Player) digest, trying scheme 1 then
// scheme 0 as Flash Media Server does; nullopt for a plain C1 or one of the wrong size.
std::optional<DigestScheme> find_client_digest(ByteSpan c1);
// Same for an S1 with a server (Flash Media Server) digest.
std::optional<DigestScheme> find_server_digest(ByteSpan s1);

// ---- server side ------------------------------------------------------------------------------

// Given C0+C1 (1537 bytes), returns S0+S1+S2 (3073 bytes). Only version 3 is accepted: 6 and 8
// (RTMPE, encrypted) cannot be served without the DH/RC4 layer and anything else is not an
// RTMP client (a byte >= 32 is typically HTTP or TLS hitting the RTMP port); spec 5.2.2 lets a
// server answer 3 to an unknown version, but no real client relies on it, so we refuse.
// A C1 carrying a valid digest gets a digest S1 (same scheme) and the S2 Flash expects;
// any other C1 gets the plain handshake of the spec: S2 echoes C1.
Result<Bytes> server_handshake_response(ByteSpan c0c1, const RandomFn& random = {});

// Cheap check of a client's C2 against the S1 we sent: true if it echoes S1's random bytes
// (plain handshake, also what FFmpeg sends when publishing) or carries the digest answer to
// our S1 digest. Many clients send a C2 that is neither, so servers should log, not refuse.
bool c2_is_plausible(ByteSpan c2, ByteSpan s1);

// ---- client side (tests, benchmark load generator) ---------------------------------------------

// C0+C1: version 3, time 0, then either zero version bytes and random data (plain) or a
// Flash Player version and a client digest under `scheme`.
Bytes client_c0c1(bool digest, DigestScheme scheme = DigestScheme::kScheme1,
                  const RandomFn& random = {});

// Checks a server's S0+S1+S2 against the C0+C1 we sent: with a digest C1 and a digest S1, the
// S1 digest must be valid under the client's scheme and S2 must carry the HMAC keyed by the C1
// digest (what Flash Player checks); otherwise S2 must echo C1's random bytes.
Status verify_server_response(ByteSpan s0s1s2, ByteSpan c0c1);

// C2 for a server's S0+S1+S2 (verified first with verify_server_response): the digest answer
// when both sides used digests, else an echo of S1.
Result<Bytes> client_c2(ByteSpan s0s1s2, ByteSpan c0c1, const RandomFn& random = {});

}  // namespace firstmile::rtmp
