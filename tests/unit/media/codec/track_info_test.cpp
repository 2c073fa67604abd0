#include "media/codec/track_info.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

#include "media/codec/h264.hpp"
#include "media/codec/h265.hpp"

namespace firstmile::media {
namespace {

using test::from_hex;

TrackInfo track(Codec codec, const Bytes& config) {
  TrackInfo t;
  t.kind = codec_kind(codec);
  t.codec = codec;
  t.config = Buffer::copy(config);
  return t;
}

// Codec private data as ffmpeg 5.1 writes it into MP4 for libx264 / libx265 / aac / libopus
// output; expected values are ffprobe's for the same files.

TEST(DescribeTrack, H264Main) {
  TrackInfo t = track(Codec::H264,
                      from_hex("01 4d 40 1f ff e1 00 19 67 4d 40 1f ec a0 28 02 dd 80 88 00 00 03 "
                               "00 08 00 00 03 01 e0 78 c1 8c b0 01 00 05 68 eb e3 cb 20"));
  ASSERT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.width, 1280u);
  EXPECT_EQ(t.height, 720u);
  EXPECT_DOUBLE_EQ(t.frame_rate, 30.0);
  EXPECT_EQ(t.profile, "Main");
  EXPECT_DOUBLE_EQ(t.level, 3.1);
  EXPECT_EQ(t.codec_string, "avc1.4d401f");
}

TEST(DescribeTrack, H264HighWithCropping) {
  TrackInfo t = track(Codec::H264,
                      from_hex("01 64 00 28 ff e1 00 1b 67 64 00 28 ac d9 40 78 02 27 e5 c0 44 00 "
                               "00 03 00 04 00 00 03 00 f0 3c 60 c6 58 01 00 06 68 eb e3 cb 22 c0 "
                               "fd f8 f8 00"));
  ASSERT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.width, 1920u);
  EXPECT_EQ(t.height, 1080u);
  EXPECT_EQ(t.profile, "High");
  EXPECT_DOUBLE_EQ(t.level, 4.0);
  EXPECT_EQ(t.codec_string, "avc1.640028");
}

TEST(DescribeTrack, H264ConstrainedBaseline) {
  TrackInfo t = track(Codec::H264,
                      from_hex("01 42 c0 1e ff e1 00 19 67 42 c0 1e d9 00 d8 3d e6 f0 11 00 00 03 "
                               "00 01 00 00 03 00 32 0f 16 2e 48 01 00 05 68 cb 83 cb 20"));
  ASSERT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.width, 854u);
  EXPECT_EQ(t.height, 480u);
  EXPECT_DOUBLE_EQ(t.frame_rate, 25.0);
  EXPECT_EQ(t.profile, "Constrained Baseline");
  EXPECT_DOUBLE_EQ(t.level, 3.0);
  EXPECT_EQ(t.codec_string, "avc1.42c01e");
}

TEST(DescribeTrack, H264WithoutTimingKeepsTheMeasuredRate) {
  // Baseline 320x240 SPS without VUI (ffmpeg's trace_headers parses it).
  TrackInfo t = track(
      Codec::H264, build_avcc({from_hex("67 42 c0 0d da 05 07 e4")}, {from_hex("68 cb 83 cb 20")}));
  t.frame_rate = 29.5;
  ASSERT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.width, 320u);
  EXPECT_EQ(t.height, 240u);
  EXPECT_DOUBLE_EQ(t.frame_rate, 29.5);
  EXPECT_DOUBLE_EQ(t.level, 1.3);
}

TEST(DescribeTrack, H265Main) {
  TrackInfo t = track(
      Codec::H265,
      from_hex("01 01 60 00 00 00 90 00 00 00 00 00 5d f0 00 fc fd f8 f8 00 00 0f 03 a0 00 01 00 "
               "18 40 01 0c 01 ff ff 01 60 00 00 03 00 90 00 00 03 00 00 03 00 5d 95 98 09 a1 00 "
               "01 00 2b 42 01 01 01 60 00 00 03 00 90 00 00 03 00 00 03 00 5d a0 02 80 80 2d 16 "
               "59 59 a4 93 2b c0 5a 02 00 00 03 00 02 00 00 03 00 3c 10 a2 00 01 00 07 44 01 c1 "
               "72 b4 62 40"));
  ASSERT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.width, 1280u);
  EXPECT_EQ(t.height, 720u);
  EXPECT_DOUBLE_EQ(t.frame_rate, 30.0);
  EXPECT_EQ(t.profile, "Main");
  EXPECT_DOUBLE_EQ(t.level, 3.1);
  EXPECT_EQ(t.codec_string, "hvc1.1.6.L93.90");
}

TEST(DescribeTrack, H265Main10) {
  TrackInfo t = track(
      Codec::H265,
      from_hex("01 02 20 00 00 00 90 00 00 00 00 00 78 f0 00 fc fd fa fa 00 00 0f 03 a0 00 01 00 "
               "18 40 01 0c 01 ff ff 02 20 00 00 03 00 90 00 00 03 00 00 03 00 78 95 98 09 a1 00 "
               "01 00 2a 42 01 01 02 20 00 00 03 00 90 00 00 03 00 00 03 00 78 a0 03 c0 80 10 e4 "
               "d9 65 66 92 4c af 01 68 08 00 00 1f 48 00 03 a9 80 40 a2 00 01 00 07 44 01 c1 72 "
               "b4 62 40"));
  ASSERT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.width, 1920u);
  EXPECT_EQ(t.height, 1080u);
  EXPECT_DOUBLE_EQ(t.frame_rate, 30000.0 / 1001.0);
  EXPECT_EQ(t.profile, "Main 10");
  EXPECT_DOUBLE_EQ(t.level, 4.0);
  EXPECT_EQ(t.codec_string, "hvc1.2.4.L120.90");
}

TEST(DescribeTrack, H265ProfileFromCompatibilityFlags) {
  // general_profile_idc 0 with general_profile_compatibility_flag[2]: named Main 10.
  const Bytes sps = from_hex(
      "42 01 01 00 20 00 00 03 00 90 00 00 03 00 00 03 00 78 a0 03 c0 80 10 e4 d9 65 66 92 4c af "
      "01 68 08 00 00 1f 48 00 03 a9 80 40");
  auto hvcc = build_hvcc({}, {sps}, {});
  ASSERT_TRUE(hvcc.ok()) << hvcc.error().message;
  TrackInfo t = track(Codec::H265, *hvcc);
  ASSERT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.profile, "Main 10");
  EXPECT_EQ(t.codec_string, "hvc1.0.4.L120.90");
}

TEST(DescribeTrack, Aac) {
  TrackInfo t = track(Codec::AAC, from_hex("12 10"));
  ASSERT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.sample_rate, 44100u);
  EXPECT_EQ(t.channels, 2u);
  EXPECT_EQ(t.object_type, 2u);
  EXPECT_EQ(t.codec_string, "mp4a.40.2");

  t = track(Codec::AAC, from_hex("10 30"));
  ASSERT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.sample_rate, 96000u);
  EXPECT_EQ(t.channels, 6u);
}

TEST(DescribeTrack, OpusWithAndWithoutMagic) {
  // libopus stereo in MP4: ffmpeg keeps the whole OpusHead, magic included, as extradata.
  TrackInfo t = track(Codec::Opus, from_hex("4f 70 75 73 48 65 61 64 01 02 38 01 80 bb 00 00 "
                                            "00 00 00"));
  ASSERT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.sample_rate, 48000u);
  EXPECT_EQ(t.channels, 2u);
  EXPECT_EQ(t.codec_string, "opus");
  // The mono file's OpusHead without the 8-byte magic (the dOps body layout).
  t = track(Codec::Opus, from_hex("01 01 38 01 80 bb 00 00 00 00 00"));
  ASSERT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.channels, 1u);
  EXPECT_EQ(t.sample_rate, 48000u);
}

TEST(DescribeTrack, FailureLeavesFieldsAlone) {
  const Bytes main_avcc = from_hex(
      "01 4d 40 1f ff e1 00 19 67 4d 40 1f ec a0 28 02 dd 80 88 00 00 03 00 08 00 00 03 01 e0 78 "
      "c1 8c b0 01 00 05 68 eb e3 cb 20");
  Bytes broken_sps = main_avcc;
  broken_sps[8 + 5] = 0x00;  // width field becomes a long run of zero bits
  broken_sps[8 + 6] = 0x00;
  broken_sps[8 + 7] = 0x00;
  broken_sps[8 + 8] = 0x00;
  const std::vector<Bytes> configs = {Bytes{}, from_hex("01 4d 40"), broken_sps};
  for (const Bytes& config : configs) {
    TrackInfo t = track(Codec::H264, config);
    t.width = 7;
    t.profile = "kept";
    t.codec_string = "kept";
    auto status = describe_track(t);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().message.rfind("h264 track: ", 0), 0u) << status.error().message;
    EXPECT_EQ(t.width, 7u);
    EXPECT_EQ(t.profile, "kept");
    EXPECT_EQ(t.codec_string, "kept");
  }
  TrackInfo aac = track(Codec::AAC, from_hex("02 10"));
  aac.sample_rate = 8000;
  EXPECT_FALSE(describe_track(aac).ok());
  EXPECT_EQ(aac.sample_rate, 8000u);
  TrackInfo opus = track(Codec::Opus, from_hex("4f 70 75 73 48 65 61 64 01"));
  EXPECT_FALSE(describe_track(opus).ok());
  EXPECT_EQ(opus.sample_rate, 0u);
  TrackInfo hevc = track(Codec::H265, from_hex("01 01 60 00"));
  EXPECT_FALSE(describe_track(hevc).ok());
}

TEST(DescribeTrack, CodecsWithoutParserAreLeftAsTheyAre) {
  TrackInfo t = track(Codec::VP9, from_hex("01 02 03"));
  t.width = 640;
  EXPECT_TRUE(describe_track(t).ok());
  EXPECT_EQ(t.width, 640u);
  EXPECT_TRUE(t.codec_string.empty());
}

}  // namespace
}  // namespace firstmile::media
