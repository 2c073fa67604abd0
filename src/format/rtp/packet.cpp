#include "format/rtp/packet.hpp"

#include <string>

namespace firstmile::format::rtp {

Result<Packet> parse(ByteSpan datagram) {
  if (datagram.size() < kFixedHeaderBytes) {
    return fail("RTP packet of ", datagram.size(), " bytes, under the 12-byte header");
  }
  ByteReader r(datagram);
  const uint8_t b0 = r.u8();
  const uint8_t b1 = r.u8();
  if ((b0 >> 6) != 2) return fail("RTP version ", b0 >> 6, ", not 2");
  Packet p;
  const bool padded = (b0 & 0x20) != 0;
  p.has_extension = (b0 & 0x10) != 0;
  const size_t csrc_count = b0 & 0x0F;
  p.marker = (b1 & 0x80) != 0;
  p.payload_type = b1 & 0x7F;
  p.sequence = r.u16();
  p.timestamp = r.u32();
  p.ssrc = r.u32();
  if (r.remaining() < csrc_count * 4) {
    return fail("RTP packet: ", csrc_count, " CSRCs do not fit in ", datagram.size(), " bytes");
  }
  p.csrcs.reserve(csrc_count);
  for (size_t i = 0; i < csrc_count; ++i)
    p.csrcs.push_back(r.u32());
  if (p.has_extension) {
    if (r.remaining() < 4) return fail("RTP packet: header extension cut short");
    p.extension_profile = r.u16();
    const size_t words = r.u16();
    if (r.remaining() < words * 4) {
      return fail("RTP packet: header extension of ", words * 4, " bytes does not fit");
    }
    p.extension = r.bytes(words * 4);
  }
  ByteSpan rest = r.rest();
  if (padded) {
    if (rest.empty()) return fail("RTP packet: padding bit set and no payload");
    const uint8_t count = rest.back();
    if (count == 0 || count > rest.size()) {
      return fail("RTP packet: padding count ", count, " with ", rest.size(),
                  " bytes after the header");
    }
    p.padding = count;
    rest = rest.first(rest.size() - count);
  }
  p.payload = rest;
  return p;
}

void write(const Packet& p, Bytes& out) {
  ByteWriter w(out);
  const size_t csrcs = p.csrcs.size() > 15 ? 15 : p.csrcs.size();
  w.u8(static_cast<uint8_t>(0x80 | (p.padding ? 0x20 : 0) | (p.has_extension ? 0x10 : 0) | csrcs));
  w.u8(static_cast<uint8_t>((p.marker ? 0x80 : 0) | (p.payload_type & 0x7F)));
  w.u16(p.sequence);
  w.u32(p.timestamp);
  w.u32(p.ssrc);
  for (size_t i = 0; i < csrcs; ++i)
    w.u32(p.csrcs[i]);
  if (p.has_extension) {
    w.u16(p.extension_profile);
    w.u16(static_cast<uint16_t>(p.extension.size() / 4));
    w.bytes(p.extension.first(p.extension.size() / 4 * 4));
  }
  w.bytes(p.payload);
  if (p.padding) {
    w.fill(0, p.padding - 1u);
    w.u8(p.padding);
  }
}

Result<std::vector<ExtensionElement>> parse_extension_elements(uint16_t profile, ByteSpan data) {
  std::vector<ExtensionElement> out;
  if (profile == kOneByteExtensionProfile) {
    size_t i = 0;
    while (i < data.size()) {
      const uint8_t head = data[i];
      if (head == 0) {  // padding
        ++i;
        continue;
      }
      const uint8_t id = head >> 4;
      if (id == 15) break;  // reserved: stop reading (RFC 8285 4.2)
      const size_t length = (head & 0x0F) + 1u;
      if (data.size() - i - 1 < length) {
        return fail("RTP header extension: element ", id, " of ", length, " bytes does not fit");
      }
      out.push_back({id, data.subspan(i + 1, length)});
      i += 1 + length;
    }
    return out;
  }
  if ((profile & kTwoByteExtensionProfileMask) == kTwoByteExtensionProfile) {
    size_t i = 0;
    while (i < data.size()) {
      const uint8_t id = data[i];
      if (id == 0) {  // padding
        ++i;
        continue;
      }
      if (data.size() - i < 2) return fail("RTP header extension: element ", id, " cut short");
      const size_t length = data[i + 1];
      if (data.size() - i - 2 < length) {
        return fail("RTP header extension: element ", id, " of ", length, " bytes does not fit");
      }
      out.push_back({id, data.subspan(i + 2, length)});
      i += 2 + length;
    }
    return out;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex = "0x";
  for (int shift = 12; shift >= 0; shift -= 4)
    hex += kHex[(profile >> shift) & 0xF];
  return fail("RTP header extension profile ", hex, " is not RFC 8285's");
}

std::optional<ByteSpan> find_extension_element(const Packet& packet, uint8_t id) {
  if (!packet.has_extension) return std::nullopt;
  auto elements = parse_extension_elements(packet.extension_profile, packet.extension);
  if (!elements) return std::nullopt;
  for (const auto& e : *elements)
    if (e.id == id) return e.data;
  return std::nullopt;
}

}  // namespace firstmile::format::rtp
