#include "format/rtp/nal_packetizer.hpp"

#include <gtest/gtest.h>

#include "format/rtp/nal_depacketizer.hpp"
#include "format/rtp/packet.hpp"
#include "hex.hpp"

namespace firstmile::format::rtp {
namespace {

using firstmile::test::from_hex;

Bytes avcc_of(const std::vector<Bytes>& nals) {
  Bytes out;
  for (const auto& n : nals) {
    const auto size = static_cast<uint32_t>(n.size());
    for (int s = 24; s >= 0; s -= 8)
      out.push_back(static_cast<uint8_t>(size >> s));
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

Bytes filled(std::initializer_list<uint8_t> header, size_t total, uint8_t seed) {
  Bytes b(header);
  while (b.size() < total)
    b.push_back(static_cast<uint8_t>(seed + b.size()));
  return b;
}

TEST(NalPacketizer, ASmallUnitIsOnePacketWithTheMarker) {
  NalPacketizer p({.codec = media::Codec::H264,
                   .payload_type = 96,
                   .ssrc = 0x11223344,
                   .first_sequence = 0xfffe,
                   .max_payload = 1200});
  std::vector<Bytes> out;
  ASSERT_TRUE(p.packetize(from_hex("00000003 419a02"), 0xabcdef01, out));
  ASSERT_EQ(out.size(), 1u);
  // V=2, M=1, PT=96, seq fffe, ts, ssrc, then the NAL unit itself (RFC 6184 5.6).
  EXPECT_EQ(out[0], from_hex("80e0fffe abcdef01 11223344 419a02"));
  EXPECT_EQ(p.next_sequence(), 0xffff);
}

TEST(NalPacketizer, ParameterSetsShareAStapAAndALargeSliceIsFragmented) {
  NalPacketizer p(
      {.codec = media::Codec::H264, .ssrc = 1, .first_sequence = 10, .max_payload = 100});
  const Bytes aud = from_hex("09f0");
  const Bytes sps = from_hex("6742c01e d9");
  const Bytes pps = from_hex("68ce3c80");
  const Bytes idr = filled({0x65}, 250, 7);
  std::vector<Bytes> out;
  ASSERT_TRUE(p.packetize(avcc_of({aud, sps, pps, idr}), 9000, out));
  // STAP-A(SPS, PPS), then 249 bytes of the IDR's data in FU-A fragments of 98 bytes at most.
  ASSERT_EQ(out.size(), 4u);
  auto first = parse(out[0]);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->marker);
  EXPECT_EQ(Bytes(first->payload.begin(), first->payload.end()),
            from_hex("78 0005 6742c01ed9 0004 68ce3c80"));
  size_t data = 0;
  for (size_t i = 1; i < out.size(); ++i) {
    auto pk = parse(out[i]);
    ASSERT_TRUE(pk);
    EXPECT_LE(pk->payload.size(), 100u);
    EXPECT_EQ(pk->sequence, 10 + i);
    EXPECT_EQ(pk->timestamp, 9000u);
    EXPECT_EQ(pk->marker, i + 1 == out.size());
    EXPECT_EQ(pk->payload[0], 0x7c);  // NRI of the IDR (3), type 28
    const uint8_t fu = pk->payload[1];
    EXPECT_EQ(fu, (i == 1 ? 0x85 : i + 1 == out.size() ? 0x45 : 0x05));
    data += pk->payload.size() - 2;
  }
  EXPECT_EQ(data, idr.size() - 1);

  // Read back: the same units, the delimiter left out.
  NalDepacketizer d(media::Codec::H264);
  std::vector<AccessUnit> units;
  for (const auto& b : out)
    d.push(*parse(b), units);
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].nals, avcc_of({sps, pps, idr}));
  EXPECT_TRUE(units[0].keyframe);
  EXPECT_FALSE(units[0].damaged);
}

TEST(NalPacketizer, H265RoundTrip) {
  NalPacketizer p({.codec = media::Codec::H265, .ssrc = 9, .max_payload = 64});
  const Bytes vps = from_hex("40010c01ffff");
  const Bytes sps = from_hex("42010101");
  const Bytes pps = from_hex("4401c172");
  const Bytes aud = from_hex("460150");  // type 35
  const Bytes idr = filled({0x26, 0x01}, 300, 3);
  const Bytes trail = filled({0x02, 0x01}, 20, 5);
  std::vector<Bytes> out;
  ASSERT_TRUE(p.packetize(avcc_of({aud, vps, sps, pps, idr, trail}), 123, out));
  auto ap = parse(out[0]);
  ASSERT_TRUE(ap);
  // AP header: type 48, LayerId 0, TID 1 (RFC 7798 4.4.2).
  EXPECT_EQ(Bytes(ap->payload.begin(), ap->payload.begin() + 2), from_hex("6001"));
  auto fu = parse(out[1]);
  ASSERT_TRUE(fu);
  EXPECT_EQ(Bytes(fu->payload.begin(), fu->payload.begin() + 3), from_hex("6201 93"));
  NalDepacketizer d(media::Codec::H265);
  std::vector<AccessUnit> units;
  for (const auto& b : out) {
    auto pk = parse(b);
    ASSERT_TRUE(pk);
    EXPECT_LE(pk->payload.size(), 64u);
    d.push(*pk, units);
  }
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].nals, avcc_of({vps, sps, pps, idr, trail}));
  EXPECT_TRUE(units[0].keyframe);
  EXPECT_TRUE(parse(out.back())->marker);
}

TEST(NalPacketizer, RefusesAMalformedUnit) {
  NalPacketizer p({});
  std::vector<Bytes> out;
  EXPECT_FALSE(p.packetize(from_hex("00000005 6501"), 0, out));  // length past the end
  EXPECT_FALSE(p.packetize(from_hex("00000000"), 0, out));       // an empty NAL unit
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(p.next_sequence(), 0);
}

}  // namespace
}  // namespace firstmile::format::rtp
