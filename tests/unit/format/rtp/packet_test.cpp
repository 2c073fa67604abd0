#include "format/rtp/packet.hpp"

#include <gtest/gtest.h>

namespace firstmile::format::rtp {
namespace {

Bytes bytes_of(std::initializer_list<int> v) {
  Bytes out;
  for (int b : v)
    out.push_back(static_cast<uint8_t>(b));
  return out;
}

Bytes copy(ByteSpan s) {
  return Bytes(s.begin(), s.end());
}

TEST(RtpPacket, FixedHeaderAndPayload) {
  // V=2, no padding, no extension, no CSRC; M=1, PT=96; seq 0x1234; ts 0xDEADBEEF; SSRC
  // 0x01020304; payload "abc".
  const Bytes wire = bytes_of(
      {0x80, 0xE0, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, 'a', 'b', 'c'});
  auto p = parse(wire);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->marker);
  EXPECT_EQ(p->payload_type, 96);
  EXPECT_EQ(p->sequence, 0x1234);
  EXPECT_EQ(p->timestamp, 0xDEADBEEFu);
  EXPECT_EQ(p->ssrc, 0x01020304u);
  EXPECT_TRUE(p->csrcs.empty());
  EXPECT_FALSE(p->has_extension);
  EXPECT_EQ(copy(p->payload), bytes_of({'a', 'b', 'c'}));
  EXPECT_EQ(p->padding, 0);
  Bytes out;
  write(*p, out);
  EXPECT_EQ(out, wire);
}

TEST(RtpPacket, CsrcsExtensionAndPadding) {
  // P=1, X=1, CC=2; M=0, PT=8; two CSRCs; a one-byte extension of two words: element 1 (one
  // byte 0xAA), a padding byte, element 3 (three bytes "xyz"), one padding byte; payload 0x55
  // 0x66; four bytes of padding (the last is the count).
  const Bytes wire = bytes_of({0xB2, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0xCA, 0xFE,
                               0xBA, 0xBE, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x09,  // CSRCs
                               0xBE, 0xDE, 0x00, 0x02,                          // profile, 2 words
                               0x10, 0xAA, 0x00, 0x32, 'x',  'y',  'z',  0x00,  // elements
                               0x55, 0x66,                                      // payload
                               0x00, 0x00, 0x00, 0x04});                        // padding
  auto p = parse(wire);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_FALSE(p->marker);
  EXPECT_EQ(p->payload_type, 8);
  EXPECT_EQ(p->csrcs, (std::vector<uint32_t>{7, 9}));
  ASSERT_TRUE(p->has_extension);
  EXPECT_EQ(p->extension_profile, kOneByteExtensionProfile);
  EXPECT_EQ(p->extension.size(), 8u);
  EXPECT_EQ(copy(p->payload), bytes_of({0x55, 0x66}));
  EXPECT_EQ(p->padding, 4);
  auto elements = parse_extension_elements(p->extension_profile, p->extension);
  ASSERT_TRUE(elements) << elements.error().message;
  ASSERT_EQ(elements->size(), 2u);
  EXPECT_EQ((*elements)[0].id, 1);
  EXPECT_EQ(copy((*elements)[0].data), bytes_of({0xAA}));
  EXPECT_EQ((*elements)[1].id, 3);
  EXPECT_EQ(copy((*elements)[1].data), bytes_of({'x', 'y', 'z'}));
  EXPECT_EQ(copy(*find_extension_element(*p, 3)), bytes_of({'x', 'y', 'z'}));
  EXPECT_FALSE(find_extension_element(*p, 2));
  Bytes out;
  write(*p, out);
  EXPECT_EQ(out, wire);  // the padding bytes were zeros, as write() makes them
}

TEST(RtpPacket, TwoByteExtensionElements) {
  // RFC 8285 4.3: id, length, data; a zero-length element; padding.
  const Bytes data = bytes_of({0x05, 0x00, 0x00, 0x06, 0x02, 0x12, 0x34, 0x00});
  auto elements = parse_extension_elements(0x1001, data);
  ASSERT_TRUE(elements) << elements.error().message;
  ASSERT_EQ(elements->size(), 2u);
  EXPECT_EQ((*elements)[0].id, 5);
  EXPECT_TRUE((*elements)[0].data.empty());
  EXPECT_EQ((*elements)[1].id, 6);
  EXPECT_EQ(copy((*elements)[1].data), bytes_of({0x12, 0x34}));
  // The one-byte form stops at id 15.
  auto stopped =
      parse_extension_elements(kOneByteExtensionProfile, bytes_of({0x10, 0x01, 0xF0, 0x77}));
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->size(), 1u);
}

TEST(RtpPacket, Refusals) {
  auto message = [](Bytes wire) {
    auto p = parse(wire);
    return p ? std::string("(accepted)") : p.error().message;
  };
  const Bytes header = bytes_of({0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1});
  EXPECT_EQ(message(Bytes(header.begin(), header.begin() + 11)),
            "RTP packet of 11 bytes, under the 12-byte header");
  Bytes v1 = header;
  v1[0] = 0x40;
  EXPECT_EQ(message(v1), "RTP version 1, not 2");
  Bytes csrc = header;
  csrc[0] = 0x81;
  EXPECT_EQ(message(csrc), "RTP packet: 1 CSRCs do not fit in 12 bytes");
  Bytes ext = header;
  ext[0] = 0x90;
  EXPECT_EQ(message(ext), "RTP packet: header extension cut short");
  ext.insert(ext.end(), {0xBE, 0xDE, 0x00, 0x01});
  EXPECT_EQ(message(ext), "RTP packet: header extension of 4 bytes does not fit");
  Bytes pad = header;
  pad[0] = 0xA0;
  EXPECT_EQ(message(pad), "RTP packet: padding bit set and no payload");
  pad.push_back(0);
  EXPECT_EQ(message(pad), "RTP packet: padding count 0 with 1 bytes after the header");
  pad.back() = 2;
  EXPECT_EQ(message(pad), "RTP packet: padding count 2 with 1 bytes after the header");
  pad.back() = 1;  // padding only, an empty payload: allowed
  EXPECT_TRUE(parse(pad));
  EXPECT_TRUE(parse(pad)->payload.empty());

  EXPECT_EQ(
      parse_extension_elements(kOneByteExtensionProfile, bytes_of({0x13, 0x01})).error().message,
      "RTP header extension: element 1 of 4 bytes does not fit");
  EXPECT_EQ(parse_extension_elements(0x1000, bytes_of({0x07})).error().message,
            "RTP header extension: element 7 cut short");
  EXPECT_EQ(parse_extension_elements(0x1000, bytes_of({0x07, 0x03, 0x00})).error().message,
            "RTP header extension: element 7 of 3 bytes does not fit");
  EXPECT_EQ(parse_extension_elements(0xABCD, {}).error().message,
            "RTP header extension profile 0xabcd is not RFC 8285's");
}

TEST(RtpUnwrapper, SequenceNumbersAcrossTheWrapAndReordering) {
  SequenceUnwrapper u;
  const uint64_t base = 65536;
  EXPECT_EQ(u.unwrap(65534), base + 65534);
  EXPECT_EQ(u.unwrap(65535), base + 65535);
  EXPECT_EQ(u.unwrap(0), base + 65536);
  EXPECT_EQ(u.unwrap(2), base + 65538);
  EXPECT_EQ(u.unwrap(1), base + 65537);      // late: before its successor
  EXPECT_EQ(u.unwrap(3), base + 65539);      // the reference stayed at 2
  EXPECT_EQ(u.unwrap(65530), base + 65530);  // late from before the wrap
  EXPECT_EQ(u.unwrap(4), base + 65540);
  u.reset();
  EXPECT_EQ(u.unwrap(7), base + 7);
  EXPECT_EQ(u.unwrap(65535), base - 1);  // a packet from before the first one
}

TEST(RtpUnwrapper, TimestampsJumpForwardByHalfTheRangeAtMost) {
  TimestampUnwrapper u;
  const uint64_t base = uint64_t{1} << 32;
  EXPECT_EQ(u.unwrap(0xFFFFF000u), base + 0xFFFFF000u);
  EXPECT_EQ(u.unwrap(0x00001000u), base + 0x100001000u);  // wrapped forward by 0x2000
  EXPECT_EQ(u.unwrap(0x7FFFF000u), base + 0x17FFFF000u);  // forward by just under half the range
  EXPECT_EQ(u.unwrap(0x00000000u), base + 0x100000000u);  // and as far back
}

}  // namespace
}  // namespace firstmile::format::rtp
