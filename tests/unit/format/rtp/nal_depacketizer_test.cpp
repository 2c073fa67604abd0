#include "format/rtp/nal_depacketizer.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

namespace firstmile::format::rtp {
namespace {

using firstmile::test::from_hex;

struct Feed {
  explicit Feed(media::Codec codec, NalDepacketizer::Limits limits = NalDepacketizer::Limits{})
      : d(codec, limits) {}
  // Keeps the payload alive: Packet only points at it.
  void push(uint16_t seq, uint32_t ts, bool marker, std::string_view payload_hex) {
    payloads.push_back(from_hex(payload_hex));
    Packet p;
    p.sequence = seq;
    p.timestamp = ts;
    p.marker = marker;
    p.payload = payloads.back();
    d.push(p, units);
  }
  NalDepacketizer d;
  std::vector<Bytes> payloads;
  std::vector<AccessUnit> units;
};

TEST(NalDepacketizer, SingleNalUnitsEndAtTheMarker) {
  Feed f(media::Codec::H264);
  f.push(10, 3000, false, "06 05 01 aa");  // SEI
  EXPECT_TRUE(f.units.empty());
  f.push(11, 3000, true, "65 88 84 00");  // IDR slice
  ASSERT_EQ(f.units.size(), 1u);
  const AccessUnit& u = f.units[0];
  EXPECT_EQ(u.timestamp, 3000u);
  EXPECT_EQ(u.nals, from_hex("00000004 060501aa 00000004 65888400"));
  EXPECT_EQ(u.nal_count, 2u);
  EXPECT_TRUE(u.keyframe);
  EXPECT_FALSE(u.damaged);
  EXPECT_EQ(f.d.counters().packets, 2u);
}

TEST(NalDepacketizer, StapAHoldsParameterSets) {
  // RFC 6184 5.7.1: indicator (NRI 3, type 24), then size + NAL unit for each.
  Feed f(media::Codec::H264);
  f.push(1, 90, false, "78 0004 67420a1f 0003 68ce38");
  f.push(2, 90, true, "41 9a 02");  // non-IDR slice
  ASSERT_EQ(f.units.size(), 1u);
  EXPECT_EQ(f.units[0].nals, from_hex("00000004 67420a1f 00000003 68ce38 00000003 419a02"));
  EXPECT_FALSE(f.units[0].keyframe);
}

TEST(NalDepacketizer, FuARebuildsTheNalHeader) {
  // RFC 6184 5.8: indicator F|NRI|28 = 0x7c (NRI 3), header S|E|R|type: 0x85 start of an IDR,
  // 0x05 middle, 0x45 end. The rebuilt header is F|NRI from the indicator, type from the header.
  Feed f(media::Codec::H264);
  f.push(100, 1000, false, "7c 85 aa bb");
  f.push(101, 1000, false, "7c 05 cc");
  f.push(102, 1000, true, "7c 45 dd ee");
  ASSERT_EQ(f.units.size(), 1u);
  EXPECT_EQ(f.units[0].nals, from_hex("00000006 65 aabbccddee"));
  EXPECT_TRUE(f.units[0].keyframe);
  EXPECT_FALSE(f.units[0].damaged);
}

TEST(NalDepacketizer, H265ApAndFu) {
  // RFC 7798 4.4.2 AP: payload header type 48 (0x60 0x01), then size + NAL unit: a VPS (type
  // 32: 40 01), SPS (33: 42 01), PPS (34: 44 01).
  Feed f(media::Codec::H265);
  f.push(7, 500, false, "6001 0003 4001aa 0003 4201bb 0003 4401cc");
  // 4.4.3 FU: payload header type 49 (0x62 0x01), FU header S|E|type: an IDR_W_RADL (19) is
  // 0x93 at the start, 0x53 at the end. The rebuilt header is 19 << 1 = 0x26, 0x01.
  f.push(8, 500, false, "6201 93 0102");
  f.push(9, 500, true, "6201 53 0304");
  ASSERT_EQ(f.units.size(), 1u);
  EXPECT_EQ(f.units[0].nals,
            from_hex("00000003 4001aa 00000003 4201bb 00000003 4401cc 00000006 2601 01020304"));
  EXPECT_EQ(f.units[0].nal_count, 4u);
  EXPECT_TRUE(f.units[0].keyframe);
}

TEST(NalDepacketizer, ATimestampChangeEndsAUnitWithoutMarker) {
  // Some cameras never set the marker bit.
  Feed f(media::Codec::H264);
  f.push(1, 0, false, "65 01");
  f.push(2, 3000, false, "41 02");
  ASSERT_EQ(f.units.size(), 1u);
  EXPECT_EQ(f.units[0].timestamp, 0u);
  EXPECT_EQ(f.units[0].nals, from_hex("00000002 6501"));
  auto last = f.d.flush();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->timestamp, 3000u);
  EXPECT_EQ(last->nals, from_hex("00000002 4102"));
  EXPECT_FALSE(f.d.flush());
}

TEST(NalDepacketizer, ALostFragmentDamagesItsUnitOnly) {
  Feed f(media::Codec::H264);
  f.push(1, 0, false, "06 01");     // SEI
  f.push(2, 0, false, "7c 85 aa");  // FU start
  /* 3 lost */                      //
  f.push(4, 0, true, "7c 45 cc");   // FU end: nothing to attach it to
  f.push(5, 3000, true, "41 9a");   // the next unit is whole
  ASSERT_EQ(f.units.size(), 2u);
  EXPECT_TRUE(f.units[0].damaged);
  EXPECT_EQ(f.units[0].nals, from_hex("00000002 0601"));  // the broken NAL unit is gone
  EXPECT_FALSE(f.units[1].damaged);
  EXPECT_EQ(f.d.counters().lost_packets, 1u);
  EXPECT_EQ(f.d.counters().damaged_units, 1u);
}

TEST(NalDepacketizer, AGapBeforeANewTimestampDamagesTheNewUnit) {
  // The lost packet may have been the new unit's first.
  Feed f(media::Codec::H264);
  f.push(1, 0, true, "65 01");
  f.push(3, 3000, true, "41 02");
  ASSERT_EQ(f.units.size(), 2u);
  EXPECT_FALSE(f.units[0].damaged);
  EXPECT_TRUE(f.units[1].damaged);
  // The sequence wraps without a gap.
  Feed g(media::Codec::H264);
  g.push(65535, 0, true, "65 01");
  g.push(0, 3000, true, "41 02");
  EXPECT_EQ(g.d.counters().lost_packets, 0u);
  EXPECT_FALSE(g.units[1].damaged);
}

TEST(NalDepacketizer, AFragmentedUnitWithoutItsEnd) {
  Feed f(media::Codec::H264);
  f.push(1, 0, false, "7c 85 aa");
  f.push(2, 0, true, "41 9a");  // a new NAL unit before the FU's end
  ASSERT_EQ(f.units.size(), 1u);
  EXPECT_TRUE(f.units[0].damaged);
  EXPECT_EQ(f.units[0].nals, from_hex("00000002 419a"));
  EXPECT_EQ(f.d.counters().malformed_packets, 1u);
  // The marker inside a fragmented unit: the unit ends without it.
  Feed g(media::Codec::H264);
  g.push(1, 0, true, "7c 85 aa");
  ASSERT_EQ(g.units.size(), 1u);
  EXPECT_TRUE(g.units[0].damaged);
  EXPECT_EQ(g.units[0].nal_count, 0u);
}

TEST(NalDepacketizer, RefusesWhatItCannotRead) {
  const std::pair<std::string_view, std::string_view> bad[] = {
      {"", "shorter than its header"},
      {"e5 01", "forbidden bit"},
      {"19 0002 6501", "unsupported payload structure (type 25)"},  // STAP-B
      {"1a 00", "type 26"},                                         // MTAP16
      {"1d 85 00", "type 29"},                                      // FU-B
      {"00 01", "type 0"},
      {"1e 01", "type 30"},
      {"78 00", "truncated size field"},
      {"78", "empty aggregation packet"},
      {"78 0005 6501", "longer than its packet"},
      {"78 0000", "empty NAL unit"},
      {"7c", "no data"},
      {"7c c5 01", "both start and end"},
  };
  for (auto [payload, why] : bad) {
    Feed f(media::Codec::H264);
    f.push(1, 0, true, payload);
    EXPECT_EQ(f.d.counters().malformed_packets, 1u) << payload;
    EXPECT_NE(f.d.last_error().find(why), std::string::npos) << payload << ": " << f.d.last_error();
    ASSERT_EQ(f.units.size(), 1u) << payload;
    EXPECT_TRUE(f.units[0].damaged);
  }
  // Inside an aggregation or a fragment: nothing nested, nothing unspecified or broken.
  const std::string_view inner[] = {"78 0002 7801", "78 0002 0001", "78 0002 e501", "7c 9c 01",
                                    "7c 9e 01"};
  for (auto payload : inner) {
    Feed f(media::Codec::H264);
    f.push(1, 0, true, payload);
    EXPECT_NE(f.d.last_error().find("aggregated or fragmented NAL unit"), std::string::npos)
        << payload << ": " << f.d.last_error();
    EXPECT_EQ(f.units[0].nal_count, 0u);
  }
  Feed h(media::Codec::H265);
  h.push(1, 0, true, "6401 00");  // PACI
  EXPECT_NE(h.d.last_error().find("type 50"), std::string::npos) << h.d.last_error();
  h.push(2, 0, true, "6c01 00");  // type 54: not specified
  EXPECT_NE(h.d.last_error().find("unspecified"), std::string::npos) << h.d.last_error();
  h.push(3, 0, true, "40");  // one byte of a two-byte header
  EXPECT_NE(h.d.last_error().find("shorter"), std::string::npos) << h.d.last_error();
}

TEST(NalDepacketizer, BoundsWhatItHolds) {
  Feed f(media::Codec::H264, {.max_access_unit_bytes = 16, .max_nals = 3});
  f.push(1, 0, false, "7c 85 0102030405");      // 4 + 6 bytes held
  f.push(2, 0, false, "7c 05 06070809101112");  // 10 + 7 bytes: over 16, dropped
  f.push(3, 0, true, "7c 45 11");
  ASSERT_EQ(f.units.size(), 1u);
  EXPECT_TRUE(f.units[0].damaged);
  EXPECT_EQ(f.units[0].nal_count, 0u);
  EXPECT_EQ(f.d.counters().oversized_units, 1u);

  Feed g(media::Codec::H264, {.max_access_unit_bytes = 1024, .max_nals = 3});
  g.push(1, 0, true, "78 0001 06 0001 06 0001 06 0001 06");
  ASSERT_EQ(g.units.size(), 1u);
  EXPECT_EQ(g.units[0].nal_count, 3u);
  EXPECT_TRUE(g.units[0].damaged);
}

}  // namespace
}  // namespace firstmile::format::rtp
