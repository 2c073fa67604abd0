// RFC 3640 mpeg4-generic AAC payloads: fmtp parameters, depacketizer, packetizer.
#include "format/rtp/aac.hpp"

#include <gtest/gtest.h>

#include <string>

#include "format/rtp/aac_test_util.hpp"
#include "format/rtp/latm.hpp"  // aac_audio_specific_config
#include "hex.hpp"
#include "media/codec/aac.hpp"

namespace firstmile::format::rtp {
namespace {

using test::from_hex;

Mpeg4GenericParams generic_params(std::string_view value) {
  auto p = parse_mpeg4_generic_fmtp(fmtp(value));
  EXPECT_TRUE(p) << p.error().message;
  return p ? *p : Mpeg4GenericParams{};
}

constexpr std::string_view kHbr48k =
    "96 streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; "
    "indexdeltalength=3; config=1190";

// ---- mpeg4-generic parameters ----------------------------------------------------------------

TEST(RtpAacFmtp, WhatFfmpegAnnounces) {
  // libavformat's sdp.c for AAC: no streamtype, no space between parameters but one before
  // config (it is appended as "; config="). Its AAC encoder's extradata ends with the explicit
  // "SBR absent" signal 56 e5 00 (sync extension 0x2b7, object type 5, sbrPresentFlag 0); here
  // 12 10 is AAC-LC (00010), 44.1 kHz (0100), stereo (0010).
  const auto params = fmtp(
      "97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; "
      "config=121056E500");
  auto p = parse_mpeg4_generic_fmtp(params);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->mode, "AAC-hbr");
  EXPECT_EQ(p->size_length, 13u);
  EXPECT_EQ(p->index_length, 3u);
  EXPECT_EQ(p->index_delta_length, 3u);
  EXPECT_TRUE(p->has_au_headers());
  EXPECT_EQ(p->config, from_hex("12 10 56 e5 00"));
  auto asc = aac_audio_specific_config("MPEG4-GENERIC", params);
  ASSERT_TRUE(asc) << asc.error().message;
  EXPECT_EQ(*asc, from_hex("12 10 56 e5 00"));
  auto info = media::parse_audio_specific_config(*asc);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sample_rate, 44100u);
  EXPECT_EQ(info->channels(), 2u);
  // The same line with the plain two-byte config.
  auto plain = aac_audio_specific_config(
      "mpeg4-generic",
      fmtp("97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; "
           "config=1210"));
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(*plain, from_hex("12 10"));
}

TEST(RtpAacFmtp, NamesAndModeAreCaseInsensitive) {
  auto p = parse_mpeg4_generic_fmtp(
      fmtp("96 StreamType=5; Mode=aac-HBR; SizeLength=13; IndexLength=3; IndexDeltaLength=3; "
           "CONFIG=1190"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->size_length, 13u);
  EXPECT_EQ(p->config, from_hex("11 90"));
}

TEST(RtpAacFmtp, LengthsDefaultToTheMode) {
  auto hbr = generic_params("96 mode=AAC-hbr; config=1190");
  EXPECT_EQ(hbr.size_length, 13u);
  EXPECT_EQ(hbr.index_length, 3u);
  EXPECT_EQ(hbr.index_delta_length, 3u);
  auto lbr = generic_params("96 mode=AAC-lbr; config=1190");
  EXPECT_EQ(lbr.size_length, 6u);
  EXPECT_EQ(lbr.index_length, 2u);
  EXPECT_EQ(lbr.index_delta_length, 2u);
  // No mode (the RFC requires one): the lengths given, here none, so no AU headers at all.
  auto bare = generic_params("96 config=1190");
  EXPECT_EQ(bare.mode, "generic");
  EXPECT_FALSE(bare.has_au_headers());
  auto generic = generic_params(
      "96 mode=generic; sizelength=16; ctsdeltalength=8; randomaccessindication=1; "
      "streamstateindication=4; auxiliarydatasizelength=10; constantduration=2048; config=1190");
  EXPECT_EQ(generic.size_length, 16u);
  EXPECT_EQ(generic.index_length, 0u);
  EXPECT_EQ(generic.cts_delta_length, 8u);
  EXPECT_TRUE(generic.random_access_indication);
  EXPECT_EQ(generic.stream_state_indication, 4u);
  EXPECT_EQ(generic.auxiliary_data_size_length, 10u);
  EXPECT_EQ(generic.constant_duration, 2048u);
}

TEST(RtpAacFmtp, Refusals) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"96 streamtype=4; mode=AAC-hbr; config=1190", "streamtype 4 is not audio"},
      {"96 streamtype=x; mode=AAC-hbr; config=1190", "streamtype=x is not a number"},
      {"96 mode=CELP-cbr; config=1190", "CELP speech"},
      {"96 mode=AAC-xyz; config=1190", "mode=AAC-xyz is not supported"},
      {"96 mode=AAC-hbr; sizelength=13", "no config"},
      {"96 mode=AAC-hbr; config=119", "not hexadecimal"},
      {"96 mode=AAC-hbr; config=11zz", "not hexadecimal"},
      {"96 mode=AAC-hbr; config=1690", "sampling frequency index 13 is reserved"},
      {"96 mode=AAC-hbr; config=11", "truncated"},
      {"96 mode=AAC-hbr; sizelength=40; config=1190", "sizelength=40 is over 32"},
      {"96 mode=AAC-hbr; sizelength=-1; config=1190", "sizelength=-1 is not a number"},
      {"96 mode=AAC-hbr; randomaccessindication=2; config=1190", "over 1"},
  };
  for (const auto& [line, reason] : cases) {
    auto p = parse_mpeg4_generic_fmtp(fmtp(line));
    ASSERT_FALSE(p) << line;
    EXPECT_NE(p.error().message.find(reason), std::string::npos)
        << line << " -> " << p.error().message;
    EXPECT_EQ(p.error().message.rfind("mpeg4-generic", 0), 0u) << p.error().message;
  }
  auto other = aac_audio_specific_config("L16", fmtp("96 config=1190"));
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("L16 is not AAC"), std::string::npos);
}

TEST(RtpAacFmtp, AnnouncedLineParsesBack) {
  const std::string line = mpeg4_generic_fmtp(from_hex("11 90"));
  EXPECT_EQ(line,
            "streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; "
            "indexdeltalength=3; config=1190");
  auto p = generic_params("96 " + line);
  EXPECT_EQ(p.config, from_hex("11 90"));
  EXPECT_EQ(p.size_length, 13u);
}

// ---- mpeg4-generic depacketizer --------------------------------------------------------------

TEST(RtpAacGeneric, OneAuAsFfmpegSendsIt) {
  // AU-headers-length 16 bits; one AU header: AU-size 4 (13 bits) and AU-Index 0 (3 bits),
  // 4 << 3 = 0x0020; then the frame.
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  EXPECT_EQ(d.frame_duration(), 1024u);
  std::vector<AacAccessUnit> out;
  const Bytes payload = from_hex("00 10 00 20 de ad be ef");
  ASSERT_TRUE(d.push(packet(7, 1000, true, payload), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].timestamp, 1000u);
  EXPECT_EQ(out[0].data, from_hex("de ad be ef"));
  EXPECT_EQ(d.stats().packets, 1u);
  EXPECT_EQ(d.stats().access_units, 1u);
}

TEST(RtpAacGeneric, SeveralAusFollowOnByOneFrame) {
  // AU-headers-length 48: three headers with AU-size 2, 3, 1 (0x0010, 0x0018, 0x0008).
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  std::vector<AacAccessUnit> out;
  const Bytes payload = from_hex("00 30  00 10 00 18 00 08  a1 a2  b1 b2 b3  c1");
  ASSERT_TRUE(d.push(packet(1, 5000, true, payload), out));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].timestamp, 5000u);
  EXPECT_EQ(out[0].data, from_hex("a1 a2"));
  EXPECT_EQ(out[1].timestamp, 6024u);
  EXPECT_EQ(out[1].data, from_hex("b1 b2 b3"));
  EXPECT_EQ(out[2].timestamp, 7048u);
  EXPECT_EQ(out[2].data, from_hex("c1"));
}

TEST(RtpAacGeneric, TimestampsWrap) {
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 0xFFFFFF00, true, from_hex("00 20 00 08 00 08 aa bb")), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].timestamp, 0xFFFFFF00u + 1024u);  // 0x300, modulo 2^32
}

// A 10-byte AU in three fragments (ffmpeg's layout): each carries the whole AU's size,
// 10 << 3 = 0x0050.
const Bytes kFragment1 = from_hex("00 10 00 50 00 01 02 03");
const Bytes kFragment2 = from_hex("00 10 00 50 04 05 06 07");
const Bytes kFragment3 = from_hex("00 10 00 50 08 09");

TEST(RtpAacGeneric, FragmentedAu) {
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 9000, false, kFragment1), out));
  ASSERT_TRUE(d.push(packet(2, 9000, false, kFragment2), out));
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(d.push(packet(3, 9000, true, kFragment3), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].timestamp, 9000u);
  EXPECT_EQ(out[0].data, from_hex("00 01 02 03 04 05 06 07 08 09"));
  EXPECT_EQ(d.stats().dropped_access_units, 0u);
}

TEST(RtpAacGeneric, LostMiddleFragmentDropsTheAuOnce) {
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 9000, false, kFragment1), out));
  ASSERT_TRUE(d.push(packet(3, 9000, true, kFragment3), out));  // 2 is lost
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.stats().lost_packets, 1u);
  EXPECT_EQ(d.stats().dropped_access_units, 1u);
  // The next AU is whole again.
  ASSERT_TRUE(d.push(packet(4, 10024, true, from_hex("00 10 00 08 ee")), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, from_hex("ee"));
  EXPECT_EQ(d.stats().dropped_access_units, 1u);
}

TEST(RtpAacGeneric, LostFirstFragmentEndsShortAtTheMarker) {
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(2, 9000, false, kFragment2), out));
  ASSERT_TRUE(d.push(packet(3, 9000, true, kFragment3), out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.stats().dropped_access_units, 1u);
}

TEST(RtpAacGeneric, LostLastFragmentAndANewAuBegins) {
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 9000, false, kFragment1), out));
  ASSERT_TRUE(d.push(packet(2, 9000, false, kFragment2), out));
  // 3 (the end) is lost; a new fragmented AU starts at another timestamp.
  ASSERT_TRUE(d.push(packet(4, 10024, false, kFragment1), out));
  ASSERT_TRUE(d.push(packet(5, 10024, false, kFragment2), out));
  ASSERT_TRUE(d.push(packet(6, 10024, true, kFragment3), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].timestamp, 10024u);
  EXPECT_EQ(d.stats().dropped_access_units, 1u);
  EXPECT_EQ(d.stats().lost_packets, 1u);
}

TEST(RtpAacGeneric, TimestampChangeInsideAFragmentedAu) {
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 9000, false, kFragment1), out));
  // No gap, but the next packet starts another AU: the first never ended.
  ASSERT_TRUE(d.push(packet(2, 10024, true, from_hex("00 10 00 08 ee")), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(d.stats().dropped_access_units, 1u);
}

TEST(RtpAacGeneric, FragmentedAuOverTheLimitIsDropped) {
  AacDepacketizerLimits limits;
  limits.max_au_bytes = 8;
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k), 0, limits);
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 9000, false, kFragment1), out));
  ASSERT_TRUE(d.push(packet(2, 9000, false, kFragment2), out));
  ASSERT_TRUE(d.push(packet(3, 9000, true, kFragment3), out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.stats().dropped_access_units, 1u);
  EXPECT_EQ(d.stats().malformed_packets, 0u);
}

TEST(RtpAacGeneric, FragmentsLongerThanTheirAuSize) {
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  std::vector<AacAccessUnit> out;
  // AU-size 6 (0x0030), 4 bytes each time: the second pushes it to 8.
  ASSERT_TRUE(d.push(packet(1, 0, false, from_hex("00 10 00 30 01 02 03 04")), out));
  auto s = d.push(packet(2, 0, true, from_hex("00 10 00 30 05 06 07 08")), out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("exceed their AU-size of 6"), std::string::npos);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.stats().dropped_access_units, 1u);
  EXPECT_EQ(d.stats().malformed_packets, 1u);
}

TEST(RtpAacGeneric, AuxiliarySectionIsSkipped) {
  // auxiliary-data-size (8 bits) = 16, then 16 bits of auxiliary data: 3 bytes, then the AU.
  Mpeg4GenericDepacketizer d(
      generic_params("96 mode=AAC-hbr; auxiliarydatasizelength=8; "
                     "config=1190"));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 0, true, from_hex("00 10 00 18  10 aa bb  01 02 03")), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, from_hex("01 02 03"));
  // An auxiliary section longer than the packet.
  std::vector<AacAccessUnit> none;
  ASSERT_FALSE(d.push(packet(2, 1024, true, from_hex("00 10 00 18  ff aa")), none));
  EXPECT_TRUE(none.empty());
}

TEST(RtpAacGeneric, CtsDeltaAndRandomAccessFlag) {
  // sizelength 6, indexlength 2, indexdeltalength 2, ctsdeltalength 4, RAP flag:
  //   AU 1: size 000001, index 00, CTS-flag 0, RAP-flag 1                (10 bits)
  //   AU 2: size 000010, delta 00, CTS-flag 1, CTS-delta 0110 (6), RAP 0 (14 bits)
  // 24 bits: 0000 0100 0100 0010 0010 1100 = 04 42 2c.
  Mpeg4GenericDepacketizer d(generic_params(
      "96 mode=generic; sizelength=6; indexlength=2; indexdeltalength=2; ctsdeltalength=4; "
      "randomaccessindication=1; config=1190"));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 100, true, from_hex("00 18 04 42 2c  11  22 33")), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].timestamp, 100u);
  EXPECT_EQ(out[0].data, from_hex("11"));
  EXPECT_EQ(out[1].timestamp, 106u);
  EXPECT_EQ(out[1].data, from_hex("22 33"));
  // CTS-delta is two's complement: 1110 is -2.
  out.clear();
  ASSERT_TRUE(d.push(packet(2, 100, true, from_hex("00 18 04 42 3c  11  22 33")), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].timestamp, 98u);
}

TEST(RtpAacGeneric, MalformedPayloads) {
  const std::pair<Bytes, std::string_view> cases[] = {
      {from_hex("00"), "do not fit"},
      {from_hex("00 20 00 10"), "do not fit"},
      {from_hex("00 20 00 10 00 10 aa bb"), "2 AUs of 4 bytes in 2 bytes"},
      {from_hex("00 20 00 08 00 09 aa bb"), "AU-Index-delta 1 (interleaving)"},
      {from_hex("00 0c 00 10 aa"), "ends inside an AU header"},
  };
  for (const auto& [payload, reason] : cases) {
    Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
    std::vector<AacAccessUnit> out;
    auto s = d.push(packet(1, 0, true, payload), out);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find(reason), std::string::npos) << s.error().message;
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(d.stats().malformed_packets, 1u);
  }
  AacDepacketizerLimits limits;
  limits.max_aus_per_packet = 2;
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k), 0, limits);
  std::vector<AacAccessUnit> out;
  auto s = d.push(packet(1, 0, true, from_hex("00 30 00 08 00 08 00 08 aa bb cc")), out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("over 2 AU headers"), std::string::npos);
}

TEST(RtpAacGeneric, EmptyAuHeaderSectionGivesNothing) {
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 0, true, from_hex("00 00")), out));
  EXPECT_TRUE(out.empty());
}

TEST(RtpAacGeneric, FrameDurations) {
  // 11 94: 48 kHz stereo with frameLengthFlag 1, 960-sample frames.
  Mpeg4GenericDepacketizer d960(generic_params("96 mode=AAC-hbr; config=1194"));
  EXPECT_EQ(d960.frame_duration(), 960u);
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d960.push(packet(1, 0, true, from_hex("00 20 00 08 00 08 aa bb")), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].timestamp, 960u);
  // 13 10: 24 kHz core (HE-AAC signalled implicitly) on a 48 kHz RTP clock.
  Mpeg4GenericDepacketizer he(generic_params("96 mode=AAC-hbr; config=1310"), 48000);
  EXPECT_EQ(he.frame_duration(), 2048u);
  // constantduration wins.
  Mpeg4GenericDepacketizer fixed(
      generic_params("96 mode=AAC-hbr; constantduration=2048; config=1190"));
  EXPECT_EQ(fixed.frame_duration(), 2048u);
}

TEST(RtpAacGeneric, WithoutAuHeaders) {
  // constantsize: the payload is whole AUs of that size.
  Mpeg4GenericDepacketizer d(generic_params("96 mode=generic; constantsize=3; config=1190"));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(2, 2048, true, from_hex("01 02 03 04 05 06")), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].timestamp, 2048u);
  EXPECT_EQ(out[1].timestamp, 3072u);
  EXPECT_EQ(out[1].data, from_hex("04 05 06"));
  // Neither AU-size nor constantsize: one AU, in parts until the marker.
  Mpeg4GenericDepacketizer single(generic_params("96 config=1190"));
  out.clear();
  ASSERT_TRUE(single.push(packet(1, 0, false, from_hex("01 02")), out));
  ASSERT_TRUE(single.push(packet(2, 0, true, from_hex("03")), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, from_hex("01 02 03"));
}

TEST(RtpAacGeneric, AdtsWrappedAuIsUnwrapped) {
  // Some cameras put the ADTS header in front of each AU.
  media::AudioSpecificConfig asc;  // 48 kHz stereo AAC-LC
  Bytes au;
  media::write_adts_header(au, asc, 3);
  au.insert(au.end(), {0x21, 0x10, 0x05});
  Bytes payload = from_hex("00 10");
  payload.push_back(static_cast<uint8_t>(au.size() >> 5));
  payload.push_back(static_cast<uint8_t>((au.size() & 0x1F) << 3));
  payload.insert(payload.end(), au.begin(), au.end());
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 0, true, payload), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, from_hex("21 10 05"));
}

TEST(RtpAacGeneric, DuplicateAndLatePacketsAreIgnored) {
  Mpeg4GenericDepacketizer d(generic_params(kHbr48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(10, 0, true, from_hex("00 10 00 08 aa")), out));
  ASSERT_TRUE(d.push(packet(10, 0, true, from_hex("00 10 00 08 aa")), out));
  ASSERT_TRUE(d.push(packet(9, 0, true, from_hex("00 10 00 08 bb")), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(d.stats().late_packets, 2u);
  EXPECT_EQ(d.stats().lost_packets, 0u);
  // Forward by 19990: 19989 lost. Then 20001 behind, past the reorder window: a restarted
  // sender, taken as it comes. 65535 -> 0 is the next packet; 0 -> 5 loses 4.
  const uint16_t sequences[] = {20000, 65535, 0, 5};
  for (uint16_t sequence : sequences)
    ASSERT_TRUE(d.push(packet(sequence, 1024, true, from_hex("00 10 00 08 cc")), out));
  EXPECT_EQ(out.size(), 5u);
  EXPECT_EQ(d.stats().lost_packets, 19989u + 4u);
  EXPECT_EQ(d.stats().late_packets, 2u);
}

// ---- mpeg4-generic packetizer ----------------------------------------------------------------

TEST(RtpAacGenericPacketizer, AggregatesFramesThatFollowOn) {
  AacPacketizerOptions options;
  options.max_frames_per_packet = 3;
  Mpeg4GenericPacketizer p(options);
  std::vector<AacRtpPayload> out;
  ASSERT_TRUE(p.push(from_hex("a1 a2"), 5000, out));
  ASSERT_TRUE(p.push(from_hex("b1 b2 b3"), 6024, out));
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(p.push(from_hex("c1"), 7048, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload, from_hex("00 30  00 10 00 18 00 08  a1 a2  b1 b2 b3  c1"));
  EXPECT_EQ(out[0].timestamp, 5000u);
  EXPECT_TRUE(out[0].marker);
}

TEST(RtpAacGenericPacketizer, AGapInTimestampsStartsAPacket) {
  Mpeg4GenericPacketizer p;
  std::vector<AacRtpPayload> out;
  ASSERT_TRUE(p.push(from_hex("a1"), 0, out));
  ASSERT_TRUE(p.push(from_hex("b1"), 5000, out));  // not 1024: a receiver would misplace it
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload, from_hex("00 10 00 08 a1"));
  EXPECT_EQ(out[0].timestamp, 0u);
  p.flush(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].payload, from_hex("00 10 00 08 b1"));
  EXPECT_EQ(out[1].timestamp, 5000u);
  p.flush(out);
  EXPECT_EQ(out.size(), 2u);
}

TEST(RtpAacGenericPacketizer, ThePayloadSizeBoundsAggregation) {
  AacPacketizerOptions options;
  options.max_payload_bytes = 64;
  Mpeg4GenericPacketizer p(options);
  std::vector<AacRtpPayload> out;
  const Bytes frame(30, 0x5a);
  ASSERT_TRUE(p.push(frame, 0, out));
  ASSERT_TRUE(p.push(frame, 1024, out));  // 2 + 4 + 60 = 66 bytes would not fit
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload.size(), 2u + 2u + 30u);
  p.flush(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].timestamp, 1024u);
}

TEST(RtpAacGenericPacketizer, FragmentsAFrameLargerThanAPacket) {
  AacPacketizerOptions options;
  options.max_payload_bytes = 64;
  Mpeg4GenericPacketizer p(options);
  std::vector<AacRtpPayload> out;
  ASSERT_TRUE(p.push(from_hex("a1"), 0, out));
  Bytes frame(150);
  for (size_t i = 0; i < frame.size(); ++i)
    frame[i] = static_cast<uint8_t>(i);
  ASSERT_TRUE(p.push(frame, 1024, out));
  // The pending frame first, then 60 + 60 + 30 bytes, each behind AU-size 150 (0x04b0).
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].payload, from_hex("00 10 00 08 a1"));
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(Bytes(out[i].payload.begin(), out[i].payload.begin() + 4), from_hex("00 10 04 b0"));
    EXPECT_EQ(out[i].timestamp, 1024u);
    EXPECT_EQ(out[i].marker, i == 3);
  }
  EXPECT_EQ(out[1].payload.size(), 64u);
  EXPECT_EQ(out[3].payload.size(), 34u);
  EXPECT_EQ(Bytes(out[3].payload.begin() + 4, out[3].payload.end()),
            Bytes(frame.begin() + 120, frame.end()));
}

TEST(RtpAacGenericPacketizer, Refusals) {
  Mpeg4GenericPacketizer p;
  std::vector<AacRtpPayload> out;
  EXPECT_FALSE(p.push({}, 0, out));
  auto s = p.push(Bytes(8192, 0), 0, out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("13-bit AU-size"), std::string::npos);
  EXPECT_TRUE(p.push(Bytes(8191, 0), 0, out));
  EXPECT_TRUE(out.size() > 1);
}

TEST(RtpAacGenericPacketizer, RoundTrip) {
  const auto frames = sample_frames();
  Mpeg4GenericPacketizer p;
  std::vector<AacRtpPayload> payloads;
  for (const auto& [timestamp, frame] : frames)
    ASSERT_TRUE(p.push(frame, timestamp, payloads));
  p.flush(payloads);
  Mpeg4GenericDepacketizer d(generic_params("96 " + mpeg4_generic_fmtp(from_hex("11 90"))));
  std::vector<AacAccessUnit> out;
  uint16_t sequence = 65530;
  for (const auto& payload : payloads) {
    EXPECT_LE(payload.payload.size(), 1200u);
    ASSERT_TRUE(
        d.push(packet(sequence++, payload.timestamp, payload.marker, payload.payload), out));
  }
  ASSERT_EQ(out.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(out[i].timestamp, frames[i].first) << i;
    EXPECT_EQ(out[i].data, frames[i].second) << i;
  }
  EXPECT_EQ(d.stats().dropped_access_units, 0u);
  EXPECT_EQ(d.stats().malformed_packets, 0u);
}

}  // namespace
}  // namespace firstmile::format::rtp
