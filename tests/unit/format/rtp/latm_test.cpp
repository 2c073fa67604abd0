// RFC 6416 MP4A-LATM AAC payloads: StreamMuxConfig, fmtp parameters, depacketizer, packetizer.
#include "format/rtp/latm.hpp"

#include <gtest/gtest.h>

#include <string>

#include "format/rtp/aac_test_util.hpp"
#include "hex.hpp"
#include "media/codec/aac.hpp"

namespace firstmile::format::rtp {
namespace {

using test::from_hex;

LatmParams latm_params(std::string_view value) {
  auto p = parse_latm_fmtp(fmtp(value));
  EXPECT_TRUE(p) << p.error().message;
  return p ? *p : LatmParams{};
}

// ---- MP4A-LATM StreamMuxConfig ---------------------------------------------------------------

TEST(RtpAacLatmConfig, FfmpegFortyEightKilohertzStereo) {
  // 40 00 23 20 3f c0, bit by bit:
  //   0            audioMuxVersion 0
  //   1            allStreamsSameTimeFraming
  //   000000       numSubFrames 0 (one frame per AudioMuxElement)
  //   0000         numProgram 0 (one)
  //   000          numLayer 0 (one)
  //   00010        AudioSpecificConfig: audioObjectType 2 (AAC-LC)
  //   0011         samplingFrequencyIndex 3 (48 kHz)
  //   0010         channelConfiguration 2
  //   000          GASpecificConfig: frameLengthFlag, dependsOnCoreCoder, extensionFlag
  //   000          frameLengthType 0
  //   11111111     latmBufferFullness 0xFF
  //   0 0          otherDataPresent, crcCheckPresent; then 4 padding bits
  const Bytes wire = from_hex("40 00 23 20 3f c0");
  auto c = parse_stream_mux_config(wire);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->audio_mux_version, 0u);
  EXPECT_EQ(c->num_sub_frames, 0u);
  EXPECT_EQ(c->audio_specific_config, from_hex("11 90"));
  EXPECT_EQ(c->latm_buffer_fullness, 0xFFu);
  EXPECT_FALSE(c->other_data_present);
  EXPECT_FALSE(c->crc_check_present);
  auto built = build_stream_mux_config(from_hex("11 90"));
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(*built, wire);
}

TEST(RtpAacLatmConfig, GstreamerConfigCutAfterTheAudioSpecificConfig) {
  // 40 00 24 10 is often quoted for 48 kHz stereo; it is 44.1 kHz mono. After the 15 header
  // bits (0100 0000 0000 000), the AudioSpecificConfig starts at the last bit of 0x00:
  //   0 + 0010 (of 0x24) -> audioObjectType 00010 = 2
  //   0100 (rest of 0x24) -> samplingFrequencyIndex 4 = 44100 Hz
  //   0001 (of 0x10)      -> channelConfiguration 1, mono
  //   000                 -> GASpecificConfig
  //   0                   -> the first bit of frameLengthType, and the config ends.
  // GStreamer's rtpmp4apay writes 40 00 and then its codec_data shifted right by one bit
  // (12 08 -> 24 10), nothing after it. 48 kHz stereo would be 40 00 23 20 (GStreamer) or
  // 40 00 23 20 3f c0 (ffmpeg).
  auto c = parse_stream_mux_config(from_hex("40 00 24 10"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->audio_specific_config, from_hex("12 08"));
  EXPECT_EQ(c->latm_buffer_fullness, 0xFFu);
  auto asc = media::parse_audio_specific_config(c->audio_specific_config);
  ASSERT_TRUE(asc);
  EXPECT_EQ(asc->sample_rate, 44100u);
  EXPECT_EQ(asc->channels(), 1u);
}

TEST(RtpAacLatmConfig, SyncExtensionInsideTheConfig) {
  // GStreamer with ffmpeg's encoder (avenc_aac), whose codec_data is 12 08 56 e5 00: shifted
  // by one bit, the config's sync extension (0x2b7, object type 5, sbrPresentFlag 0) fills
  // ad ca; frameLengthType follows in the last byte. Reading 0xad as frameLengthType 2 (the
  // config ending after GASpecificConfig) would be wrong.
  auto c = parse_stream_mux_config(from_hex("40 00 24 10 ad ca 00"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->audio_specific_config, from_hex("12 08 56 e5 00"));
  EXPECT_FALSE(c->other_data_present);
  // Built from ffmpeg's 44.1 kHz stereo config, the extension goes in whole (33 bits).
  auto built = build_stream_mux_config(from_hex("12 10 56 e5 00"));
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(*built, from_hex("40 00 24 20 ad ca 1f e0"));
  auto back = parse_stream_mux_config(*built);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->audio_specific_config, from_hex("12 10 56 e5 00"));
}

TEST(RtpAacLatmConfig, ExplicitParametricStereo) {
  // audioObjectType 29 (11101), 24 kHz (0110), mono (0001), extension rate 48 kHz (0011), core
  // object type 2 (00010), GASpecificConfig 000: 25 bits, eb 09 88 00 once byte-aligned.
  auto c = parse_stream_mux_config(from_hex("40 01 d6 13 10 1f e0"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->audio_specific_config, from_hex("eb 09 88 00"));
  auto asc = media::parse_audio_specific_config(c->audio_specific_config);
  ASSERT_TRUE(asc);
  EXPECT_EQ(asc->object_type, 29u);
  EXPECT_EQ(asc->sample_rate, 24000u);
  LatmParams params;
  params.mux = *c;
  LatmDepacketizer d(params, 48000);
  EXPECT_EQ(d.frame_duration(), 2048u);  // 1024 core samples at 24 kHz on a 48 kHz clock
}

TEST(RtpAacLatmConfig, AudioMuxVersionOne) {
  // 1 0 (version 1, versionA 0), taraBufferFullness LatmGetValue (00, ff), 1 000000 0000 000,
  // ascLen LatmGetValue (00, 16 bits), 11 90, frameLengthType 000, ff, 0, 0.
  auto c = parse_stream_mux_config(from_hex("8f f8 00 01 01 19 01 fe 00"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->audio_mux_version, 1u);
  EXPECT_EQ(c->audio_specific_config, from_hex("11 90"));
  EXPECT_EQ(c->latm_buffer_fullness, 0xFFu);
}

TEST(RtpAacLatmConfig, SubFramesOtherDataAndCrc) {
  auto sub = parse_stream_mux_config(from_hex("41 00 23 20 3f c0"));
  ASSERT_TRUE(sub) << sub.error().message;
  EXPECT_EQ(sub->num_sub_frames, 1u);
  // After latmBufferFullness: otherDataPresent 1, otherDataLenEsc 0, otherDataLenTmp 16,
  // crcCheckPresent 1, crcCheckSum 0x5a.
  auto other = parse_stream_mux_config(from_hex("40 00 23 20 3f e1 0a d0"));
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_TRUE(other->other_data_present);
  EXPECT_EQ(other->other_data_len_bits, 16u);
  EXPECT_TRUE(other->crc_check_present);
}

TEST(RtpAacLatmConfig, Refusals) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"00 00 23 20 3f c0", "allStreamsSameTimeFraming 0"},
      {"40 10 23 20", "2 programs"},
      {"40 02 23 20", "2 layers"},
      {"40 00 23 20 7f e0", "frameLengthType 1"},
      {"c0", "audioMuxVersionA 1"},
      {"40 00 23 00 3f c0", "program_config_element"},
      {"40 00 83 10 3f c0", "audio object type 8"},
      {"40 00", "truncated"},
      {"40 00 23", "truncated"},
      {"", "truncated"},
  };
  for (const auto& [hex, reason] : cases) {
    auto c = parse_stream_mux_config(from_hex(hex));
    ASSERT_FALSE(c) << hex;
    EXPECT_NE(c.error().message.find(reason), std::string::npos)
        << hex << " -> " << c.error().message;
  }
  auto pce = build_stream_mux_config(from_hex("10 00"));  // channelConfiguration 0
  ASSERT_FALSE(pce);
  EXPECT_NE(pce.error().message.find("program_config_element"), std::string::npos);
}

// ---- MP4A-LATM parameters --------------------------------------------------------------------

TEST(RtpAacLatmFmtp, WhatCamerasAnnounce) {
  const auto params =
      fmtp("96 profile-level-id=15;object=2;cpresent=0;config=400024203FC0;bitrate=64000");
  auto p = parse_latm_fmtp(params);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->config, from_hex("40 00 24 20 3f c0"));
  EXPECT_EQ(p->mux.audio_specific_config, from_hex("12 10"));  // 44.1 kHz stereo
  EXPECT_EQ(p->object, 2u);
  EXPECT_EQ(p->bitrate, 64000u);
  EXPECT_EQ(p->profile_level_id, 15u);
  auto asc = aac_audio_specific_config("mp4a-latm", params);
  ASSERT_TRUE(asc) << asc.error().message;
  EXPECT_EQ(*asc, from_hex("12 10"));
  // No cpresent: taken as 0 when a config is there.
  auto bare = parse_latm_fmtp(fmtp("96 config=400023203fc0"));
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(bare->mux.audio_specific_config, from_hex("11 90"));
}

TEST(RtpAacLatmFmtp, Refusals) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"96 cpresent=1", "cpresent=1 (the StreamMuxConfig in band) is not supported"},
      {"96 cpresent=1; config=400023203fc0", "cpresent=1"},
      {"96 cpresent=2; config=400023203fc0", "cpresent=2 is not 0 or 1"},
      {"96 cpresent=0", "no config"},
      {"96 cpresent=0; config=40002", "not hexadecimal"},
      {"96 cpresent=0; config=000023203fc0", "MP4A-LATM: config: StreamMuxConfig: "},
  };
  for (const auto& [line, reason] : cases) {
    auto p = parse_latm_fmtp(fmtp(line));
    ASSERT_FALSE(p) << line;
    EXPECT_NE(p.error().message.find(reason), std::string::npos)
        << line << " -> " << p.error().message;
  }
}

TEST(RtpAacLatmFmtp, AnnouncedLine) {
  auto line = latm_fmtp(from_hex("11 90"));
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(*line, "profile-level-id=41; object=2; cpresent=0; config=400023203fc0");
  auto p = latm_params("96 " + *line);
  EXPECT_EQ(p.mux.audio_specific_config, from_hex("11 90"));
  auto low = latm_fmtp(from_hex("13 08"));  // 24 kHz mono
  ASSERT_TRUE(low);
  EXPECT_EQ(low->rfind("profile-level-id=40;", 0), 0u);
  EXPECT_FALSE(latm_fmtp(from_hex("16 90")));  // reserved sampling frequency index
}

// ---- MP4A-LATM depacketizer ------------------------------------------------------------------

constexpr std::string_view kLatm48k = "96 cpresent=0; config=400023203fc0";

TEST(RtpAacLatm, OneElement) {
  LatmDepacketizer d(latm_params(kLatm48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 3000, true, from_hex("04 de ad be ef")), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].timestamp, 3000u);
  EXPECT_EQ(out[0].data, from_hex("de ad be ef"));
}

TEST(RtpAacLatm, LengthOverTwoHundredFiftyFour) {
  // PayloadLengthInfo: 0xff + 0x05 = 260 bytes.
  LatmDepacketizer d(latm_params(kLatm48k));
  Bytes payload = from_hex("ff 05");
  const Bytes frame(260, 0x77);
  payload.insert(payload.end(), frame.begin(), frame.end());
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 0, true, payload), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, frame);
}

TEST(RtpAacLatm, SubFramesAndSeveralElements) {
  // numSubFrames 1: each element holds two frames.
  LatmDepacketizer d(latm_params("96 cpresent=0; config=410023203fc0"));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 0, true, from_hex("02 a1 a2 01 b1")), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, from_hex("a1 a2"));
  EXPECT_EQ(out[1].timestamp, 1024u);
  EXPECT_EQ(out[1].data, from_hex("b1"));
  // Two elements of one frame in a packet.
  LatmDepacketizer two(latm_params(kLatm48k));
  out.clear();
  ASSERT_TRUE(two.push(packet(1, 0, true, from_hex("01 aa 02 bb cc")), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].timestamp, 1024u);
  EXPECT_EQ(out[1].data, from_hex("bb cc"));
}

TEST(RtpAacLatm, OtherDataIsSkipped) {
  // otherDataLenBits 16: two bytes after the frame.
  LatmDepacketizer d(latm_params("96 cpresent=0; config=400023203fe10ad0"));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 0, true, from_hex("01 aa 55 66  01 bb 77 88")), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, from_hex("aa"));
  EXPECT_EQ(out[1].data, from_hex("bb"));
}

TEST(RtpAacLatm, FragmentedElement) {
  LatmDepacketizer d(latm_params(kLatm48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 0, false, from_hex("0a 00 01 02")), out));
  ASSERT_TRUE(d.push(packet(2, 0, false, from_hex("03 04 05 06")), out));
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(d.push(packet(3, 0, true, from_hex("07 08 09")), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, from_hex("00 01 02 03 04 05 06 07 08 09"));
}

TEST(RtpAacLatm, LostFragment) {
  LatmDepacketizer d(latm_params(kLatm48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 0, false, from_hex("0a 00 01 02")), out));
  ASSERT_TRUE(d.push(packet(3, 0, true, from_hex("07 08 09")), out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.stats().lost_packets, 1u);
  EXPECT_EQ(d.stats().dropped_access_units, 1u);
  ASSERT_TRUE(d.push(packet(4, 1024, true, from_hex("01 aa")), out));
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(d.stats().dropped_access_units, 1u);
}

TEST(RtpAacLatm, ElementOverTheLimitIsDropped) {
  AacDepacketizerLimits limits;
  limits.max_au_bytes = 4;
  LatmDepacketizer d(latm_params(kLatm48k), 0, limits);
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 0, false, from_hex("0a 00 01 02")), out));
  ASSERT_TRUE(d.push(packet(2, 0, false, from_hex("03 04 05 06")), out));
  ASSERT_TRUE(d.push(packet(3, 0, true, from_hex("07 08 09")), out));
  ASSERT_TRUE(d.push(packet(4, 1024, true, from_hex("05 01 02 03 04 05")), out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.stats().dropped_access_units, 2u);
}

TEST(RtpAacLatm, MalformedElement) {
  LatmDepacketizer d(latm_params(kLatm48k));
  std::vector<AacAccessUnit> out;
  auto s = d.push(packet(1, 0, true, from_hex("05 01 02")), out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("frame of 5 bytes, 2 left"), std::string::npos);
  auto cut = d.push(packet(2, 0, true, from_hex("01 aa ff")), out);
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.error().message.find("PayloadLengthInfo cut short"), std::string::npos);
  EXPECT_TRUE(out.empty());  // nothing from a packet that does not parse whole
  EXPECT_EQ(d.stats().malformed_packets, 2u);
}

TEST(RtpAacLatm, WholeElementWithoutTheMarker) {
  LatmDepacketizer d(latm_params(kLatm48k));
  std::vector<AacAccessUnit> out;
  ASSERT_TRUE(d.push(packet(1, 0, false, from_hex("02 aa bb")), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, from_hex("aa bb"));
}

// ---- MP4A-LATM packetizer --------------------------------------------------------------------

TEST(RtpAacLatmPacketizer, SmallFrame) {
  LatmPacketizer p;
  std::vector<AacRtpPayload> out;
  ASSERT_TRUE(p.push(from_hex("de ad be"), 77, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload, from_hex("03 de ad be"));
  EXPECT_EQ(out[0].timestamp, 77u);
  EXPECT_TRUE(out[0].marker);
  EXPECT_FALSE(p.push({}, 0, out));
}

TEST(RtpAacLatmPacketizer, LargeFrameInPieces) {
  AacPacketizerOptions options;
  options.max_payload_bytes = 10;  // taken as 64
  LatmPacketizer p(options);
  Bytes frame(300);
  for (size_t i = 0; i < frame.size(); ++i)
    frame[i] = static_cast<uint8_t>(i);
  std::vector<AacRtpPayload> out;
  ASSERT_TRUE(p.push(frame, 5, out));
  // 300 = 255 + 45: ff 2d, then the frame; 302 bytes in 64, 64, 64, 64, 46.
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].payload[0], 0xff);
  EXPECT_EQ(out[0].payload[1], 0x2d);
  EXPECT_EQ(out[0].payload.size(), 64u);
  EXPECT_EQ(out[4].payload.size(), 46u);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].marker, i == 4);
    EXPECT_EQ(out[i].timestamp, 5u);
  }
}

TEST(RtpAacLatmPacketizer, RoundTrip) {
  const auto frames = sample_frames();
  AacPacketizerOptions options;
  options.max_payload_bytes = 500;
  LatmPacketizer p(options);
  std::vector<AacRtpPayload> payloads;
  for (const auto& [timestamp, frame] : frames)
    ASSERT_TRUE(p.push(frame, timestamp, payloads));
  auto line = latm_fmtp(from_hex("11 90"));
  ASSERT_TRUE(line);
  LatmDepacketizer d(latm_params("96 " + *line));
  std::vector<AacAccessUnit> out;
  uint16_t sequence = 100;
  for (const auto& payload : payloads)
    ASSERT_TRUE(
        d.push(packet(sequence++, payload.timestamp, payload.marker, payload.payload), out));
  ASSERT_EQ(out.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(out[i].timestamp, frames[i].first) << i;
    EXPECT_EQ(out[i].data, frames[i].second) << i;
  }
  EXPECT_EQ(d.stats().dropped_access_units, 0u);
}

}  // namespace
}  // namespace firstmile::format::rtp