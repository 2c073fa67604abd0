#include "protocol/rtmp/wire/handshake.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>

namespace firstmile::rtmp {
namespace {

constexpr size_t kDigestSize = 32;
constexpr size_t kBlockSize = 764;    // key and digest blocks of C1/S1
constexpr size_t kDigestRange = 728;  // 764 - 4 offset bytes - 32 digest bytes
constexpr size_t kSignedSize = kHandshakeSize - kDigestSize;  // 1504: S2/C2 data before the HMAC

using Digest = std::array<uint8_t, kDigestSize>;

// "Genuine Adobe Flash Player 001" / "Genuine Adobe Flash Media Server 001", each followed by
// the same 32 constant bytes. C1/S1 digests use only the text part, C2/S2 keys the whole.
constexpr uint8_t kKeySuffix[32] = {
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};
constexpr std::string_view kPlayerText = "Genuine Adobe Flash Player 001";        // 30 bytes
constexpr std::string_view kServerText = "Genuine Adobe Flash Media Server 001";  // 36 bytes

template <size_t N>
constexpr std::array<uint8_t, N + sizeof kKeySuffix> make_key(std::string_view text) {
  std::array<uint8_t, N + sizeof kKeySuffix> k{};
  for (size_t i = 0; i < N; ++i)
    k[i] = static_cast<uint8_t>(text[i]);
  for (size_t i = 0; i < sizeof kKeySuffix; ++i)
    k[N + i] = kKeySuffix[i];
  return k;
}
constexpr auto kPlayerKey = make_key<kPlayerText.size()>(kPlayerText);  // 62 bytes
constexpr auto kServerKey = make_key<kServerText.size()>(kServerText);  // 68 bytes

ByteSpan player_key_text() {
  return ByteSpan(kPlayerKey.data(), kPlayerText.size());
}
ByteSpan server_key_text() {
  return ByteSpan(kServerKey.data(), kServerText.size());
}
ByteSpan player_key_full() {
  return kPlayerKey;
}
ByteSpan server_key_full() {
  return kServerKey;
}

Digest hmac_sha256(ByteSpan key, ByteSpan data) {
  Digest out{};
  unsigned int len = 0;
  // HMAC() is OpenSSL's one-shot API (not deprecated in 3.0, unlike HMAC_CTX).
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &len);
  return out;
}

// HMAC over a 1536-byte C1/S1 with the 32 digest bytes at `offset` left out.
Digest packet_digest(ByteSpan packet, size_t offset, ByteSpan key) {
  std::array<uint8_t, kSignedSize> joined;
  std::memcpy(joined.data(), packet.data(), offset);
  std::memcpy(joined.data() + offset, packet.data() + offset + kDigestSize,
              kHandshakeSize - offset - kDigestSize);
  return hmac_sha256(key, joined);
}

bool digest_matches(ByteSpan packet, DigestScheme scheme, ByteSpan key) {
  size_t off = digest_offset(packet, scheme);
  Digest d = packet_digest(packet, off, key);
  return CRYPTO_memcmp(d.data(), packet.data() + off, kDigestSize) == 0;
}

std::optional<DigestScheme> find_digest(ByteSpan packet, ByteSpan key) {
  if (packet.size() != kHandshakeSize) return std::nullopt;
  for (DigestScheme s : {DigestScheme::kScheme1, DigestScheme::kScheme0}) {
    if (digest_matches(packet, s, key)) return s;
  }
  return std::nullopt;
}

// Writes the digest of `packet` (1536 bytes, already filled) in place under `scheme`.
void imprint_digest(std::span<uint8_t> packet, DigestScheme scheme, ByteSpan key) {
  size_t off = digest_offset(packet, scheme);
  Digest d = packet_digest(packet, off, key);
  std::memcpy(packet.data() + off, d.data(), kDigestSize);
}

// The answer packet (S2 or C2) to a peer digest: random bytes then an HMAC keyed by
// HMAC(full key, peer digest).
void fill_answer(std::span<uint8_t> packet, ByteSpan peer_digest, ByteSpan full_key) {
  Digest k = hmac_sha256(full_key, peer_digest);
  Digest sig = hmac_sha256(k, packet.first(kSignedSize));
  std::memcpy(packet.data() + kSignedSize, sig.data(), kDigestSize);
}

bool answer_matches(ByteSpan packet, ByteSpan peer_digest, ByteSpan full_key) {
  Digest k = hmac_sha256(full_key, peer_digest);
  Digest sig = hmac_sha256(k, packet.first(kSignedSize));
  return CRYPTO_memcmp(sig.data(), packet.data() + kSignedSize, kDigestSize) == 0;
}

void fill_random(std::span<uint8_t> out, const RandomFn& random) {
  if (random) {
    random(out);
    return;
  }
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) == 1) return;
  // The handshake's random bytes need no secrecy; only uniqueness matters if RAND fails.
  std::random_device rd;
  for (auto& b : out)
    b = static_cast<uint8_t>(rd());
}

// C1/S1 bytes 4..7 are zero in the plain handshake (spec 5.2.3) and a version otherwise.
bool has_version(ByteSpan packet) {
  return packet[4] != 0 || packet[5] != 0 || packet[6] != 0 || packet[7] != 0;
}

// Random bytes 8..1535 must match: spec 5.2.4 lets the peer put its own time in bytes 4..7.
bool echoes(ByteSpan answer, ByteSpan original) {
  return answer.size() == kHandshakeSize && original.size() == kHandshakeSize &&
         std::equal(answer.begin() + 8, answer.end(), original.begin() + 8);
}

}  // namespace

size_t digest_offset(ByteSpan packet, DigestScheme scheme) {
  if (packet.size() != kHandshakeSize) return 0;
  size_t base = scheme == DigestScheme::kScheme0 ? 8 + kBlockSize : 8;
  size_t sum = 0;
  for (size_t i = 0; i < 4; ++i)
    sum += packet[base + i];
  return sum % kDigestRange + base + 4;
}

std::optional<DigestScheme> find_client_digest(ByteSpan c1) {
  return find_digest(c1, player_key_text());
}

std::optional<DigestScheme> find_server_digest(ByteSpan s1) {
  return find_digest(s1, server_key_text());
}

Result<Bytes> server_handshake_response(ByteSpan c0c1, const RandomFn& random) {
  if (c0c1.size() != 1 + kHandshakeSize) {
    return fail("rtmp handshake: C0+C1 of ", c0c1.size(), " bytes, need ", 1 + kHandshakeSize);
  }
  uint8_t version = c0c1[0];
  if (version == 6 || version == 8) {
    return fail("rtmp handshake: version ", version, " (RTMPE, encrypted) is not supported");
  }
  if (version != kRtmpVersion) return fail("rtmp handshake: unsupported version ", version);

  ByteSpan c1 = c0c1.subspan(1);
  Bytes out(1 + 2 * kHandshakeSize);
  out[0] = kRtmpVersion;
  std::span<uint8_t> s1(out.data() + 1, kHandshakeSize);
  std::span<uint8_t> s2(out.data() + 1 + kHandshakeSize, kHandshakeSize);

  // S1: time 0 (spec 5.2.3 allows it), then version bytes and random data.
  fill_random(s1.subspan(8), random);
  std::optional<DigestScheme> scheme = find_client_digest(c1);
  if (!scheme) {
    // Plain handshake: S1 bytes 4..7 zero (spec 5.2.3), S2 echoes C1 (spec 5.2.4).
    std::memcpy(s2.data(), c1.data(), kHandshakeSize);
    return out;
  }
  // A server version >= 3.0 in S1: FFmpeg only verifies the S1 digest when the first version
  // byte is >= 3, and Flash treats a zero version as a pre-digest server.
  constexpr uint8_t kServerVersion[4] = {4, 5, 0, 1};
  std::memcpy(s1.data() + 4, kServerVersion, 4);
  imprint_digest(s1, *scheme, server_key_text());

  size_t c1_off = digest_offset(c1, *scheme);
  fill_random(s2.first(kSignedSize), random);
  fill_answer(s2, c1.subspan(c1_off, kDigestSize), server_key_full());
  return out;
}

bool c2_is_plausible(ByteSpan c2, ByteSpan s1) {
  if (c2.size() != kHandshakeSize || s1.size() != kHandshakeSize) return false;
  if (echoes(c2, s1)) return true;
  std::optional<DigestScheme> scheme = find_server_digest(s1);
  if (!scheme) return false;
  size_t off = digest_offset(s1, *scheme);
  return answer_matches(c2, s1.subspan(off, kDigestSize), player_key_full());
}

Bytes client_c0c1(bool digest, DigestScheme scheme, const RandomFn& random) {
  Bytes out(1 + kHandshakeSize);
  out[0] = kRtmpVersion;
  std::span<uint8_t> c1(out.data() + 1, kHandshakeSize);
  fill_random(c1.subspan(8), random);
  if (digest) {
    // Flash Player 10.0.45.2: any non-zero version announces a digest C1.
    constexpr uint8_t kPlayerVersion[4] = {10, 0, 45, 2};
    std::memcpy(c1.data() + 4, kPlayerVersion, 4);
    imprint_digest(c1, scheme, player_key_text());
  }
  return out;
}

Status verify_server_response(ByteSpan s0s1s2, ByteSpan c0c1) {
  if (s0s1s2.size() != 1 + 2 * kHandshakeSize || c0c1.size() != 1 + kHandshakeSize) {
    return fail("rtmp handshake: S0+S1+S2 of ", s0s1s2.size(), " bytes, need ",
                1 + 2 * kHandshakeSize);
  }
  if (s0s1s2[0] != kRtmpVersion) return fail("rtmp handshake: server version ", s0s1s2[0]);
  ByteSpan c1 = c0c1.subspan(1);
  ByteSpan s1 = s0s1s2.subspan(1, kHandshakeSize);
  ByteSpan s2 = s0s1s2.subspan(1 + kHandshakeSize);
  std::optional<DigestScheme> client_scheme = find_client_digest(c1);
  if (!client_scheme || !has_version(s1)) {
    if (!echoes(s2, c1)) return fail("rtmp handshake: S2 does not echo C1");
    return {};
  }
  if (!digest_matches(s1, *client_scheme, server_key_text())) {
    return fail("rtmp handshake: S1 digest invalid under the client's scheme ",
                static_cast<int>(*client_scheme));
  }
  size_t c1_off = digest_offset(c1, *client_scheme);
  if (!answer_matches(s2, c1.subspan(c1_off, kDigestSize), server_key_full())) {
    return fail("rtmp handshake: S2 signature does not match the C1 digest");
  }
  return {};
}

Result<Bytes> client_c2(ByteSpan s0s1s2, ByteSpan c0c1, const RandomFn& random) {
  if (Status st = verify_server_response(s0s1s2, c0c1); !st) return st.error();
  ByteSpan s1 = s0s1s2.subspan(1, kHandshakeSize);
  Bytes c2(kHandshakeSize);
  // verify_server_response has checked the S1 digest under the client's scheme.
  std::optional<DigestScheme> scheme = find_client_digest(c0c1.subspan(1));
  if (!scheme || !has_version(s1)) {
    std::memcpy(c2.data(), s1.data(), kHandshakeSize);
    return c2;
  }
  fill_random(std::span<uint8_t>(c2).first(kSignedSize), random);
  fill_answer(c2, s1.subspan(digest_offset(s1, *scheme), kDigestSize), player_key_full());
  return c2;
}

}  // namespace firstmile::rtmp
