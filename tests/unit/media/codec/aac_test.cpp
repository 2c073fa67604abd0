#include "media/codec/aac.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

namespace firstmile::media::aac_test {
namespace {

using test::from_hex;

// ffmpeg 5.1's native AAC encoder (`-c:a aac -f adts`), then the same streams remuxed to MP4:
// the first ADTS header of each file, its aac_frame_length (the offset at which the next
// syncword was found), and the AudioSpecificConfig the MP4 muxer wrote. Sample rate and
// channels are ffprobe's.
struct AacCase {
  const char* name;
  const char* adts;
  size_t frame_length;
  const char* asc;
  uint32_t sample_rate_index;
  uint32_t sample_rate;
  uint32_t channel_config;
  uint32_t channels;
};

const AacCase kCases[] = {
    {"44100_stereo", "ff f1 50 80 2b 3f fc", 345, "12 10", 4, 44100, 2, 2},
    {"48000_mono", "ff f1 4c 40 1b 7f fc", 219, "11 88", 3, 48000, 1, 1},
    {"22050_stereo", "ff f1 5c 80 4e 1f fc", 624, "13 90", 7, 22050, 2, 2},
    {"96000_5_1", "ff f1 41 80 1e 3f fc", 241, "10 30", 0, 96000, 6, 6},
};

class AacTest : public testing::TestWithParam<AacCase> {};

TEST_P(AacTest, ParsesAudioSpecificConfig) {
  const AacCase& c = GetParam();
  auto asc = parse_audio_specific_config(from_hex(c.asc));
  ASSERT_TRUE(asc.ok()) << asc.error().message;
  EXPECT_EQ(asc->object_type, 2u);
  EXPECT_EQ(asc->sample_rate_index, c.sample_rate_index);
  EXPECT_EQ(asc->sample_rate, c.sample_rate);
  EXPECT_EQ(asc->channel_config, c.channel_config);
  EXPECT_EQ(asc->channels(), c.channels);
  EXPECT_EQ(aac_codec_string(*asc), "mp4a.40.2");
  EXPECT_EQ(build_audio_specific_config(*asc), from_hex(c.asc));
}

TEST_P(AacTest, ParsesAdtsHeader) {
  const AacCase& c = GetParam();
  auto h = parse_adts_header(from_hex(c.adts));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->header_size, 7u);
  EXPECT_EQ(h->frame_length, c.frame_length);
  EXPECT_EQ(h->raw_blocks, 1u);
  EXPECT_EQ(h->config.object_type, 2u);
  EXPECT_EQ(h->config.sample_rate, c.sample_rate);
  EXPECT_EQ(h->config.channel_config, c.channel_config);
  // The ADTS header carries the same configuration as the MP4's AudioSpecificConfig.
  EXPECT_EQ(build_audio_specific_config(h->config), from_hex(c.asc));
}

TEST_P(AacTest, WritesTheSameAdtsHeaderAsFfmpeg) {
  const AacCase& c = GetParam();
  auto asc = parse_audio_specific_config(from_hex(c.asc));
  ASSERT_TRUE(asc.ok());
  Bytes out = {0xaa};  // appends
  write_adts_header(out, *asc, c.frame_length - kAdtsHeaderSize);
  Bytes expected = {0xaa};
  for (uint8_t b : from_hex(c.adts))
    expected.push_back(b);
  EXPECT_EQ(out, expected);
}

INSTANTIATE_TEST_SUITE_P(FfmpegAac, AacTest, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<AacCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(Adts, FrameLengthLeadsToTheNextHeader) {
  // The first frame of the 48 kHz mono file and the next frame's header.
  const Bytes stream = from_hex(
      "ff f1 4c 40 1b 7f fc de 02 00 4c 61 76 63 35 39 2e 33 37 2e 31 30 30 00 02 68 aa 59 ea 10 "
      "4d 13 0b 56 eb 75 fb 7d fa df 4f 37 ad f1 57 22 4a 48 76 c8 d4 89 02 09 ba 61 f4 ef 89 dc "
      "5d 93 d9 57 48 1d 5d c1 2c 93 33 70 80 e7 af 1a a5 c8 70 d7 19 ef 45 eb dc 4e b5 da 7a 37 "
      "03 b7 79 ef 62 f4 9e 55 71 b3 56 67 b8 ce bd 9c e8 56 5b 94 ed 6b 1b 8a b8 d9 b4 1b 36 36 "
      "c5 61 ad 62 6e 56 5b 94 ed 6a b3 3d 4b 3d 4b 25 59 8e 8d a6 9d a6 9d a6 9d ad 46 c7 52 c9 "
      "3e b6 7d 54 a5 f9 ac 35 4d 74 d9 d3 67 45 6a 2b 53 67 4d 8d 36 33 31 99 9d 36 74 56 a2 b5 "
      "16 74 d8 cc c6 66 33 31 a2 b5 15 a8 ad 45 2a a9 a4 9a 4a 24 a2 4a 24 9a a9 aa 9a a9 aa 9a "
      "4a 24 a1 e8 92 8a a6 a9 b8 ff f1 4c 40 23 ff fc");
  auto first = parse_adts_header(stream);
  ASSERT_TRUE(first.ok());
  ASSERT_LT(first->frame_length, stream.size());
  auto second = parse_adts_header(ByteSpan(stream).subspan(first->frame_length));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->frame_length, 0x11fu);
  EXPECT_EQ(second->config.sample_rate, 48000u);
}

TEST(Adts, CrcHeaderIsNineBytes) {
  // protection_absent 0 (13818-7 6.2.1): header followed by crc_check.
  const Bytes with_crc = from_hex("ff f0 50 80 2b 3f fc 12 34");
  auto h = parse_adts_header(with_crc);
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->header_size, 9u);
  EXPECT_EQ(h->frame_length, 345u);
  EXPECT_FALSE(parse_adts_header(ByteSpan(with_crc).first(7)).ok());  // CRC missing
  // aac_frame_length 8 is shorter than a 9-byte header; 7 is fine without CRC, 6 is not.
  EXPECT_FALSE(parse_adts_header(from_hex("ff f0 50 80 01 1f fc 12 34")).ok());
  EXPECT_TRUE(parse_adts_header(from_hex("ff f1 50 80 00 ff fc")).ok());
  EXPECT_FALSE(parse_adts_header(from_hex("ff f1 50 80 00 df fc")).ok());
}

TEST(Adts, FieldsAndRejects) {
  // Main profile (0), 4 raw data blocks, 32 kHz, channel configuration 7 (8 channels).
  auto h = parse_adts_header(from_hex("ff f1 15 c0 2b 3f ff"));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->config.object_type, 1u);
  EXPECT_EQ(h->config.sample_rate, 32000u);
  EXPECT_EQ(h->config.channels(), 8u);
  EXPECT_EQ(h->raw_blocks, 4u);

  EXPECT_FALSE(parse_adts_header({}).ok());
  EXPECT_FALSE(parse_adts_header(from_hex("ff f1 50 80 2b 3f")).ok());     // short
  EXPECT_FALSE(parse_adts_header(from_hex("ff e1 50 80 2b 3f fc")).ok());  // syncword
  EXPECT_FALSE(parse_adts_header(from_hex("ff f3 50 80 2b 3f fc")).ok());  // layer 1
  EXPECT_FALSE(parse_adts_header(from_hex("ff f1 74 80 2b 3f fc")).ok());  // index 13
}

TEST(Adts, WriterMapsObjectTypesAndClampsLength) {
  AudioSpecificConfig he;
  he.object_type = 5;  // SBR cannot be signalled in ADTS: written as LC
  he.sample_rate = 44100;
  Bytes out;
  write_adts_header(out, he, 338);
  EXPECT_EQ(out, from_hex("ff f1 50 80 2b 3f fc"));
  out.clear();
  write_adts_header(out, he, 100000);
  auto h = parse_adts_header(out);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->frame_length, 0x1fffu);
}

TEST(AudioSpecificConfig, EscapedObjectTypeAndExplicitRate) {
  // 1.6.2.1: audioObjectType 31 escapes to 32 + 6 bits (42 = USAC), 48 kHz, stereo.
  auto asc = parse_audio_specific_config(from_hex("f9 46 40"));
  ASSERT_TRUE(asc.ok()) << asc.error().message;
  EXPECT_EQ(asc->object_type, 42u);
  EXPECT_EQ(asc->sample_rate, 48000u);
  EXPECT_EQ(asc->channel_config, 2u);
  EXPECT_EQ(aac_codec_string(*asc), "mp4a.40.42");
  EXPECT_EQ(build_audio_specific_config(*asc), from_hex("f9 46 40"));
  // ER AAC ELD (39), 48 kHz, mono, GASpecificConfig cut off: still fine.
  asc = parse_audio_specific_config(from_hex("f8 e6 20"));
  ASSERT_TRUE(asc.ok()) << asc.error().message;
  EXPECT_EQ(asc->object_type, 39u);
  EXPECT_EQ(asc->channels(), 1u);

  // samplingFrequencyIndex 15: 24-bit rate 37800 follows.
  asc = parse_audio_specific_config(from_hex("17 80 49 d4 10"));
  ASSERT_TRUE(asc.ok()) << asc.error().message;
  EXPECT_EQ(asc->object_type, 2u);
  EXPECT_EQ(asc->sample_rate_index, 15u);
  EXPECT_EQ(asc->sample_rate, 37800u);
  EXPECT_EQ(asc->channel_config, 2u);
  EXPECT_EQ(build_audio_specific_config(*asc), from_hex("17 80 49 d4 10"));
}

TEST(AudioSpecificConfig, IgnoresExtensions) {
  // Explicit HE-AAC: object type 5 (SBR), 24 kHz core, stereo, 48 kHz extension, core AAC-LC.
  auto asc = parse_audio_specific_config(from_hex("2b 11 88 00"));
  ASSERT_TRUE(asc.ok()) << asc.error().message;
  EXPECT_EQ(asc->object_type, 5u);
  EXPECT_EQ(asc->sample_rate, 24000u);
  EXPECT_EQ(asc->channels(), 2u);
  EXPECT_EQ(aac_codec_string(*asc), "mp4a.40.5");
  // Backward-compatible SBR signalling: LC config then syncExtensionType 0x2b7.
  asc = parse_audio_specific_config(from_hex("12 10 56 e5 00"));
  ASSERT_TRUE(asc.ok()) << asc.error().message;
  EXPECT_EQ(asc->object_type, 2u);
  EXPECT_EQ(asc->sample_rate, 44100u);
}

TEST(AudioSpecificConfig, Rejects) {
  EXPECT_FALSE(parse_audio_specific_config({}).ok());
  EXPECT_FALSE(parse_audio_specific_config(from_hex("12")).ok());
  EXPECT_FALSE(parse_audio_specific_config(from_hex("f9 46")).ok());     // escape cut off
  EXPECT_FALSE(parse_audio_specific_config(from_hex("17 80 49")).ok());  // explicit rate cut off
  EXPECT_FALSE(parse_audio_specific_config(from_hex("02 10")).ok());     // object type 0
  EXPECT_FALSE(parse_audio_specific_config(from_hex("16 90")).ok());     // index 13 reserved
  EXPECT_FALSE(parse_audio_specific_config(from_hex("17 80 00 00 10")).ok());  // rate 0
  auto asc = parse_audio_specific_config(from_hex("12 40"));  // channel configuration 8
  ASSERT_FALSE(asc.ok());
  EXPECT_NE(asc.error().message.find("channel configuration 8"), std::string::npos);
}

TEST(AudioSpecificConfig, SampleRateTable) {
  const uint32_t rates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                            22050, 16000, 12000, 11025, 8000,  7350};
  for (uint32_t i = 0; i < 13; ++i) {
    EXPECT_EQ(aac_sample_rate_from_index(i), rates[i]);
    EXPECT_EQ(aac_index_from_sample_rate(rates[i]), i);
  }
  EXPECT_EQ(aac_sample_rate_from_index(13), 0u);
  EXPECT_EQ(aac_sample_rate_from_index(15), 0u);
  EXPECT_EQ(aac_index_from_sample_rate(37800), 15u);
}

}  // namespace
}  // namespace firstmile::media::aac_test
