#include "media/codec/nal.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

namespace firstmile::media {
namespace {

using test::from_hex;

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<Bytes> to_vectors(const std::vector<ByteSpan>& spans) {
  std::vector<Bytes> out;
  for (ByteSpan s : spans)
    out.emplace_back(s.begin(), s.end());
  return out;
}

// Parameter sets and the start of the SEI and IDR slice of the libx264 main-profile stream
// (ffmpeg `-f h264`, which writes 4-byte start codes for parameter sets and the first NAL unit
// of an access unit and 3-byte ones elsewhere).
const Bytes kSps =
    from_hex("67 4d 40 1f ec a0 28 02 dd 80 88 00 00 03 00 08 00 00 03 01 e0 78 c1 8c b0");
const Bytes kPps = from_hex("68 eb e3 cb 20");
const Bytes kSei =
    from_hex("06 05 ff ff aa dc 45 e9 bd e6 d9 48 b7 96 2c d8 20 d9 23 ee ef 78 32 36");
const Bytes kIdr = from_hex("65 88 84 00 67 5f 7e 79 cb 52 64 35 18 88 54");
const Bytes kStart4 = {0, 0, 0, 1};
const Bytes kStart3 = {0, 0, 1};

TEST(SplitAnnexb, ThreeAndFourByteStartCodes) {
  const Bytes stream = concat({kStart4, kSps, kStart4, kPps, kStart3, kSei, kStart3, kIdr});
  EXPECT_EQ(to_vectors(split_annexb(stream)), (std::vector<Bytes>{kSps, kPps, kSei, kIdr}));
}

TEST(SplitAnnexb, LeadingGarbageAndTrailingZeros) {
  // Bytes before the first start code (a stream joined mid-NAL) are dropped; trailing_zero_8bits
  // after a NAL unit and at the end of the stream are not part of it.
  const Bytes stream = concat({from_hex("12 34 00 00 56"), kStart3, kSps, from_hex("00 00 00"),
                               kStart4, kPps, from_hex("00 00 00 00 00")});
  EXPECT_EQ(to_vectors(split_annexb(stream)), (std::vector<Bytes>{kSps, kPps}));
}

TEST(SplitAnnexb, KeepsEmulationPreventionAndSkipsEmptyUnits) {
  // 00 00 03 inside a NAL unit is not a start code; back-to-back start codes give nothing.
  const Bytes stream = concat({kStart4, kStart3, kSps, kStart3, kStart4, kPps});
  EXPECT_EQ(to_vectors(split_annexb(stream)), (std::vector<Bytes>{kSps, kPps}));
}

TEST(SplitAnnexb, NoStartCodeNoUnits) {
  EXPECT_TRUE(split_annexb({}).empty());
  EXPECT_TRUE(split_annexb(kSps).empty());
  EXPECT_TRUE(split_annexb(from_hex("00 00")).empty());
  EXPECT_TRUE(split_annexb(from_hex("00 00 01")).empty());
  EXPECT_TRUE(split_annexb(from_hex("00 00 00 01 00 00")).empty());
  EXPECT_EQ(to_vectors(split_annexb(from_hex("00 00 01 09"))), std::vector<Bytes>{{0x09}});
}

TEST(AvccFraming, RoundTripsThroughAnnexb) {
  const Bytes avcc = concat({from_hex("00 00 00 19"), kSps, from_hex("00 00 00 05"), kPps,
                             from_hex("00 00 00 0f"), kIdr});
  Bytes annexb = {0xee};  // appends
  ASSERT_TRUE(avcc_to_annexb(avcc, annexb));
  EXPECT_EQ(annexb, concat({{0xee}, kStart4, kSps, kStart4, kPps, kStart4, kIdr}));
  EXPECT_EQ(annexb_to_avcc(ByteSpan(annexb).subspan(1)), avcc);
}

TEST(AvccFraming, OtherLengthSizes) {
  const Bytes one = concat({{0x05}, kPps, {0x19}, kSps});
  const Bytes two = concat({{0x00, 0x05}, kPps, {0x00, 0x19}, kSps});
  const Bytes three = concat({{0x00, 0x00, 0x05}, kPps});
  const Bytes expected = concat({kStart4, kPps, kStart4, kSps});
  Bytes out;
  ASSERT_TRUE(avcc_to_annexb(one, out, 1));
  EXPECT_EQ(out, expected);
  out.clear();
  ASSERT_TRUE(avcc_to_annexb(two, out, 2));
  EXPECT_EQ(out, expected);
  out.clear();
  ASSERT_TRUE(avcc_to_annexb(three, out, 3));
  EXPECT_EQ(out, concat({kStart4, kPps}));
  out.clear();
  EXPECT_FALSE(avcc_to_annexb(one, out, 0));
  EXPECT_FALSE(avcc_to_annexb(one, out, 5));
  EXPECT_TRUE(out.empty());
}

TEST(AvccFraming, MalformedKeepsTheWellFormedPrefix) {
  Bytes out;
  // Second length runs past the end.
  EXPECT_FALSE(
      avcc_to_annexb(concat({from_hex("00 00 00 05"), kPps, from_hex("00 00 01 00 67")}), out));
  EXPECT_EQ(out, concat({kStart4, kPps}));
  out.clear();
  // Length field itself cut short.
  EXPECT_FALSE(avcc_to_annexb(concat({from_hex("00 00 00 05"), kPps, from_hex("00 00")}), out));
  EXPECT_EQ(out, concat({kStart4, kPps}));
  out.clear();
  // A zero length is skipped, not written as a bare start code.
  EXPECT_TRUE(avcc_to_annexb(concat({from_hex("00 00 00 00 00 00 00 05"), kPps}), out));
  EXPECT_EQ(out, concat({kStart4, kPps}));
}

TEST(AvccFraming, ForEachNalVisitsUnits) {
  const Bytes avcc = concat({from_hex("00 00 00 05"), kPps, from_hex("00 00 00 19"), kSps});
  std::vector<Bytes> seen;
  EXPECT_TRUE(
      for_each_nal_avcc(avcc, [&](ByteSpan nal) { seen.emplace_back(nal.begin(), nal.end()); }));
  EXPECT_EQ(seen, (std::vector<Bytes>{kPps, kSps}));
}

TEST(NalToRbsp, RemovesEmulationPrevention) {
  // 7.4.1: every 00 00 03 loses its 03, including one followed by another 03 (a real 03 byte).
  EXPECT_EQ(nal_to_rbsp(kSps),
            from_hex("67 4d 40 1f ec a0 28 02 dd 80 88 00 00 00 08 00 00 01 e0 78 c1 8c b0"));
  EXPECT_EQ(nal_to_rbsp(from_hex("67 64 00 1e ac 11 00 00 03 03 e9 00 00 bb")),
            from_hex("67 64 00 1e ac 11 00 00 03 e9 00 00 bb"));
  EXPECT_EQ(nal_to_rbsp(from_hex("00 00 03 00 00 03")), from_hex("00 00 00 00"));
  EXPECT_EQ(nal_to_rbsp(from_hex("00 03 00 03")), from_hex("00 03 00 03"));
  EXPECT_TRUE(nal_to_rbsp({}).empty());
}

}  // namespace
}  // namespace firstmile::media
