#pragma once
// RTP packets (RFC 3550 5.1): the fixed header, CSRCs, the header extension with its RFC 8285
// elements (one-byte and two-byte forms), padding; and the unwrapping of 16-bit sequence
// numbers and 32-bit timestamps into 64-bit counters. Protocol-neutral: RTSP (interleaved and
// UDP) and WebRTC (after SRTP) read and write packets through this. Parsing reads peer input:
// it never reads outside the datagram and never throws; the parsed packet points into it.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::format::rtp {

constexpr size_t kFixedHeaderBytes = 12;
constexpr uint16_t kOneByteExtensionProfile = 0xBEDE;  // RFC 8285 4.2
// RFC 8285 4.3: 0x100 in the top 12 bits, "appbits" in the low 4.
constexpr uint16_t kTwoByteExtensionProfileMask = 0xFFF0;
constexpr uint16_t kTwoByteExtensionProfile = 0x1000;

struct Packet {
  bool marker = false;
  uint8_t payload_type = 0;  // 0-127
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::vector<uint32_t> csrcs;  // at most 15
  // The header extension (X bit): its 16-bit profile and its data (a multiple of 4 bytes).
  bool has_extension = false;
  uint16_t extension_profile = 0;
  ByteSpan extension;
  ByteSpan payload;     // without padding
  uint8_t padding = 0;  // padding bytes after the payload, the count byte included; 0 = none
};

// Reads one packet from a datagram (or an interleaved frame's body). Refused: under 12 bytes,
// a version other than 2, CSRCs or an extension longer than the packet, a padding count of 0
// or longer than what follows the header.
Result<Packet> parse(ByteSpan datagram);

// Appends the packet's bytes: header, CSRCs, extension (its length in words from
// extension.size(), which must be a multiple of 4), payload, then `padding` bytes (the last
// holding the count). parse() reads it back as the same packet.
void write(const Packet& packet, Bytes& out);

// One element of an RFC 8285 header extension.
struct ExtensionElement {
  uint8_t id = 0;  // 1-14 in the one-byte form, 1-255 in the two-byte form
  ByteSpan data;
};

// The elements of a one-byte (profile 0xBEDE) or two-byte (0x100X) header extension; padding
// bytes (id 0) are skipped, and in the one-byte form id 15 ends the list (RFC 8285 4.2).
// Refused: another profile, an element longer than the extension.
Result<std::vector<ExtensionElement>> parse_extension_elements(uint16_t profile, ByteSpan data);

// The value of element `id` (nullopt when absent or the extension is not RFC 8285).
std::optional<ByteSpan> find_extension_element(const Packet& packet, uint8_t id);

// 16-bit RTP sequence numbers (or 32-bit timestamps) unwrapped into a 64-bit count: each value
// is placed at the distance from the previous one that is shortest modulo 2^bits, so a reordered
// packet lands before its successors and a wrap continues upwards (RFC 3550 A.1's idea).
template <int Bits>
class Unwrapper {
 public:
  static_assert(Bits == 16 || Bits == 32);
  static constexpr uint64_t kModulo = uint64_t{1} << Bits;

  // The first value maps to itself plus 2^Bits (room below for packets reordered before it).
  uint64_t unwrap(uint64_t value) {
    value &= kModulo - 1;
    if (!last_) {
      last_ = kModulo + value;
      return *last_;
    }
    const uint64_t last_low = *last_ & (kModulo - 1);
    const uint64_t forward = (value - last_low) & (kModulo - 1);  // steps ahead, modulo
    uint64_t result;
    if (forward < kModulo / 2) {
      result = *last_ + forward;
    } else {
      const uint64_t back = kModulo - forward;
      result = *last_ >= back ? *last_ - back : value;  // never below zero
    }
    // Only moving forward changes the reference: a late packet leaves it where it was.
    if (result > *last_) last_ = result;
    return result;
  }
  void reset() { last_.reset(); }

 private:
  std::optional<uint64_t> last_;
};

using SequenceUnwrapper = Unwrapper<16>;
using TimestampUnwrapper = Unwrapper<32>;

}  // namespace firstmile::format::rtp
