#include "format/rtp/parameter_sets.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

namespace firstmile::format::rtp {
namespace {

using firstmile::test::from_hex;

TEST(ParameterSets, SpropParameterSets) {
  // RFC 6184 8.2.1's form: base64 SPS and PPS, comma-separated.
  auto units = parse_sprop_nal_units("Z0LAHtkDxWhAAAADAEAAAAwDxYuS,aM48gA==");
  ASSERT_TRUE(units) << units.error().message;
  ASSERT_EQ(units->size(), 2u);
  EXPECT_EQ((*units)[0][0], 0x67);
  EXPECT_EQ((*units)[1], from_hex("68ce3c80"));
  // A trailing comma and an empty value are tolerated.
  auto tolerant = parse_sprop_nal_units("aM48gA==,");
  ASSERT_TRUE(tolerant);
  EXPECT_EQ(tolerant->size(), 1u);
  EXPECT_TRUE(parse_sprop_nal_units("")->empty());
}

TEST(ParameterSets, RefusesWhatIsNotAParameterSetList) {
  EXPECT_FALSE(parse_sprop_nal_units("Z0LA HtkD"));
  EXPECT_FALSE(parse_sprop_nal_units("not*base64"));
  EXPECT_FALSE(parse_sprop_nal_units(std::string(6000, 'A')));
  std::string many;
  for (int i = 0; i < 17; ++i)
    many += "aM48gA==,";
  EXPECT_FALSE(parse_sprop_nal_units(many));
}

TEST(ParameterSets, FmtpLines) {
  const Bytes sps = from_hex("6742c01ed9");
  const Bytes pps = from_hex("68ce3c80");
  EXPECT_EQ(
      h264_fmtp({sps}, {pps}),
      "packetization-mode=1; profile-level-id=42c01e; sprop-parameter-sets=Z0LAHtk=,aM48gA==");
  EXPECT_EQ(h264_fmtp({}, {}), "packetization-mode=1");
  EXPECT_EQ(h265_fmtp({from_hex("4001")}, {from_hex("4201")}, {from_hex("4401")}),
            "sprop-vps=QAE=; sprop-sps=QgE=; sprop-pps=RAE=");
}

}  // namespace
}  // namespace firstmile::format::rtp
