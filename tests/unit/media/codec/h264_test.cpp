#include "media/codec/h264.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

namespace firstmile::media::h264_test {
namespace {

using test::from_hex;

// SPS NAL units from libx264 (ffmpeg 5.1), `-f h264` Annex-B output. The expected values are
// what ffprobe 5.1 reports for the same files (width, height, profile, level, r_frame_rate).
// timing_end is the NAL length at which the VUI timing information (through
// fixed_frame_rate_flag) is complete, from the bit positions ffmpeg's trace_headers prints:
// any shorter prefix must fail, any longer one must give the same result.
struct SpsCase {
  const char* name;
  const char* hex;
  size_t timing_end;
  uint8_t profile_idc;
  uint8_t constraint_flags;
  uint8_t level_idc;
  uint32_t chroma_format_idc;
  uint32_t bit_depth;
  bool frame_mbs_only;
  uint32_t width;
  uint32_t height;
  double frame_rate;
  const char* codec_string;
  const char* profile_name;
};

const SpsCase kCases[] = {
    // -profile:v baseline, 854x480 (cropped from 864x480), 25 fps
    {"baseline_854x480",
     "67 42 c0 1e d9 00 d8 3d e6 f0 11 00 00 03 00 01 00 00 03 00 32 0f 16 2e 48", 22, 66, 0xc0, 30,
     1, 8, true, 854, 480, 25.0, "avc1.42c01e", "Constrained Baseline"},
    // -profile:v main, 1280x720, 30 fps
    {"main_1280x720", "67 4d 40 1f ec a0 28 02 dd 80 88 00 00 03 00 08 00 00 03 01 e0 78 c1 8c b0",
     21, 77, 0x40, 31, 1, 8, true, 1280, 720, 30.0, "avc1.4d401f", "Main"},
    // -profile:v high, 1920x1080 (cropped from 1920x1088)
    {"high_1920x1080",
     "67 64 00 28 ac d9 40 78 02 27 e5 c0 44 00 00 03 00 04 00 00 03 00 f0 3c 60 c6 58", 23, 100, 0,
     40, 1, 8, true, 1920, 1080, 30.0, "avc1.640028", "High"},
    // -flags +ildct+ilme -x264-params interlaced=1, 25 fps: field coding, 34 map units of 32
    {"interlaced_1920x1080",
     "67 64 00 28 ac d9 40 78 04 4f de 02 20 00 00 03 00 20 00 00 06 43 e2 c5 b2 c0", 22, 100, 0,
     40, 1, 8, false, 1920, 1080, 25.0, "avc1.640028", "High"},
    // -r 24000/1001, 640x360
    {"high_640x360_23976",
     "67 64 00 1e ac d9 40 a0 2f f9 70 11 00 00 03 03 e9 00 00 bb 80 0f 16 2d 96", 22, 100, 0, 30,
     1, 8, true, 640, 360, 24000.0 / 1001.0, "avc1.64001e", "High"},
    // -pix_fmt yuv420p10le -profile:v high10, 50 fps
    {"high10_1280x720",
     "67 6e 00 20 a6 cd 94 05 00 5b b0 11 00 00 03 00 01 00 00 03 00 64 0f 18 31 96", 23, 110, 0,
     32, 1, 10, true, 1280, 720, 50.0, "avc1.6e0020", "High 10"},
    // -pix_fmt yuv422p -profile:v high422
    {"high422_352x288",
     "67 7a 00 0d bc d9 41 60 96 c0 44 00 00 03 00 04 00 00 03 00 f0 3c 50 a6 58", 21, 122, 0, 13,
     2, 8, true, 352, 288, 30.0, "avc1.7a000d", "High 4:2:2"},
    // 4:2:2 cropped: CropUnitX 2, CropUnitY 1 (7-19, 7-20)
    {"high422_350x286",
     "67 7a 00 0d bc d9 41 60 97 ab c0 44 00 00 03 00 04 00 00 03 00 f0 3c 50 a6 58", 22, 122, 0,
     13, 2, 8, true, 350, 286, 30.0, "avc1.7a000d", "High 4:2:2"},
    // -pix_fmt yuv444p -profile:v high444
    {"high444_320x240",
     "67 f4 00 0d 91 9b 28 28 3f 60 22 00 00 03 00 02 00 00 03 00 78 1e 28 53 2c", 21, 244, 0, 13,
     3, 8, true, 320, 240, 30.0, "avc1.f4000d", "High 4:4:4 Predictive"},
    // 4:4:4 cropped: crop units of one sample
    {"high444_318x238",
     "67 f4 00 0d 91 9b 28 28 3f dd e0 22 00 00 03 00 02 00 00 03 00 78 1e 28 53 2c", 22, 244, 0,
     13, 3, 8, true, 318, 238, 30.0, "avc1.f4000d", "High 4:4:4 Predictive"},
    // x264 puts custom quantisation matrices in the PPS only, so these two are x264 streams
    // (cqm4iy/cqm8iy...) whose PPS scaling lists were moved, bit for bit, into the SPS
    // (seq_scaling_matrix_present_flag = 1). ffmpeg decodes the rewritten streams to the same
    // frames (identical MD5) and ffprobe reports the values below.
    {"scaling_lists_420",
     "67 64 00 0c ad 42 00 84 84 01 0a 10 04 30 80 21 d9 43 44 79 65 c0 44 00 00 03 00 04 00 00 "
     "03 00 f0 3c 50 a6 58",
     33, 100, 0, 12, 1, 8, true, 200, 120, 30.0, "avc1.64000c", "High"},
    {"scaling_lists_444",
     "67 f4 00 0c 91 a8 40 10 90 80 21 42 00 86 10 04 21 b2 86 88 f1 31 38 08 80 00 00 03 00 80 "
     "00 00 1e 07 8a 14 cb",
     34, 244, 0, 12, 3, 8, true, 200, 120, 30.0, "avc1.f4000c", "High 4:4:4 Predictive"},
    // x264 never writes pic_order_cnt_type 1; this is a -bf 0 stream (type 2) rewritten to
    // type 1 with delta_pic_order_always_zero_flag = 1 (so the slices stay valid),
    // offset_for_non_ref_pic -1, and a 3-frame cycle {2, 3, 1}. ffmpeg decodes it identically.
    {"poc_type_1",
     "67 64 00 2a ac ab 90 86 44 01 e0 08 9f 97 01 10 00 00 03 00 10 00 00 07 80 f1 83 24 80", 25,
     100, 0, 42, 1, 8, true, 1920, 1080, 60.0, "avc1.64002a", "High"},
};

class H264SpsTest : public testing::TestWithParam<SpsCase> {};

TEST_P(H264SpsTest, ParsesLikeFfprobe) {
  const SpsCase& c = GetParam();
  const Bytes nal = from_hex(c.hex);
  auto sps = parse_h264_sps(nal);
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_EQ(sps->profile_idc, c.profile_idc);
  EXPECT_EQ(sps->constraint_flags, c.constraint_flags);
  EXPECT_EQ(sps->level_idc, c.level_idc);
  EXPECT_EQ(sps->chroma_format_idc, c.chroma_format_idc);
  EXPECT_EQ(sps->bit_depth_luma, c.bit_depth);
  EXPECT_EQ(sps->bit_depth_chroma, c.bit_depth);
  EXPECT_EQ(sps->frame_mbs_only, c.frame_mbs_only);
  EXPECT_EQ(sps->width, c.width);
  EXPECT_EQ(sps->height, c.height);
  EXPECT_DOUBLE_EQ(sps->frame_rate, c.frame_rate);
  EXPECT_EQ(h264_codec_string(*sps), c.codec_string);
  EXPECT_EQ(h264_profile_name(*sps), c.profile_name);
}

TEST_P(H264SpsTest, EveryTruncationFailsUntilTimingInfoIsComplete) {
  const SpsCase& c = GetParam();
  const Bytes nal = from_hex(c.hex);
  auto full = parse_h264_sps(nal);
  ASSERT_TRUE(full.ok());
  for (size_t len = 0; len < nal.size(); ++len) {
    auto sps = parse_h264_sps(ByteSpan(nal).first(len));
    if (len < c.timing_end) {
      EXPECT_FALSE(sps.ok()) << "length " << len;
    } else {
      ASSERT_TRUE(sps.ok()) << "length " << len << ": " << sps.error().message;
      EXPECT_EQ(sps->width, full->width);
      EXPECT_EQ(sps->height, full->height);
      EXPECT_DOUBLE_EQ(sps->frame_rate, full->frame_rate);
    }
  }
}

TEST(H264Sps, ReorderDepthFromTheBitstreamRestriction) {
  // libx264 writes the VUI's bitstream restriction: max_num_reorder_frames is 0 without
  // B-frames (baseline) and 2 with its default B-pyramid (main, high). RTP ingest derives decode
  // times from it. A VUI cut short after the timing info still parses, without the depth.
  const std::pair<const char*, int> cases[] = {
      {"67 42 c0 1e d9 00 d8 3d e6 f0 11 00 00 03 00 01 00 00 03 00 32 0f 16 2e 48", 0},
      {"67 4d 40 1f ec a0 28 02 dd 80 88 00 00 03 00 08 00 00 03 01 e0 78 c1 8c b0", 2},
      {"67 64 00 28 ac d9 40 78 02 27 e5 c0 44 00 00 03 00 04 00 00 03 00 f0 3c 60 c6 58", 2},
  };
  for (auto [hex, depth] : cases) {
    const Bytes nal = from_hex(hex);
    auto sps = parse_h264_sps(nal);
    ASSERT_TRUE(sps.ok()) << sps.error().message;
    ASSERT_TRUE(sps->max_num_reorder_frames.has_value()) << hex;
    EXPECT_EQ(*sps->max_num_reorder_frames, static_cast<uint32_t>(depth)) << hex;
    auto cut = parse_h264_sps(ByteSpan(nal).first(nal.size() - 1));
    ASSERT_TRUE(cut.ok()) << hex;
    EXPECT_FALSE(cut->max_num_reorder_frames.has_value()) << hex;
    EXPECT_EQ(cut->width, sps->width);
  }
}

INSTANTIATE_TEST_SUITE_P(Libx264, H264SpsTest, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<SpsCase>& info) {
                           return std::string(info.param.name);
                         });

// Writes SPS syntax (7.3.2.1.1) for the error and edge cases below; Exp-Golomb as in 9.1.
class SpsWriter {
 public:
  void bits(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
      bits_.push_back(((v >> i) & 1) != 0);
  }
  void flag(bool f) { bits_.push_back(f); }
  void ue(uint64_t v) {
    const uint64_t x = v + 1;
    int n = 0;
    while ((x >> n) > 1)
      ++n;
    bits(0, n);
    bits(x, n + 1);
  }
  void se(int64_t v) {
    ue(v > 0 ? 2 * static_cast<uint64_t>(v) - 1 : 2 * static_cast<uint64_t>(-v));
  }
  // NAL header 0x67, then the RBSP with its stop bit, with emulation prevention.
  Bytes nal() const {
    std::vector<bool> b = bits_;
    b.push_back(true);
    while (b.size() % 8)
      b.push_back(false);
    Bytes rbsp;
    for (size_t i = 0; i < b.size(); i += 8) {
      uint8_t v = 0;
      for (size_t j = 0; j < 8; ++j)
        v = static_cast<uint8_t>((v << 1) | b[i + j]);
      rbsp.push_back(v);
    }
    Bytes out = {0x67};
    int zeros = 0;
    for (uint8_t v : rbsp) {
      if (zeros == 2 && v <= 3) {
        out.push_back(3);
        zeros = 0;
      }
      out.push_back(v);
      zeros = v == 0 ? zeros + 1 : 0;
    }
    return out;
  }

 private:
  std::vector<bool> bits_;
};

struct SpsFields {
  uint8_t profile_idc = 100;
  uint32_t chroma_format_idc = 1;
  bool separate_colour_plane = false;
  uint32_t bit_depth_luma_minus8 = 0;
  uint32_t poc_type = 0;
  uint32_t poc_cycle = 0;
  uint32_t width_mbs_minus1 = 19;     // 320
  uint32_t height_units_minus1 = 14;  // 240
  bool frame_mbs_only = true;
  bool crop = false;
  uint32_t crop_lrtb[4] = {0, 0, 0, 0};
  bool vui = false;
  bool extended_sar = false;
  uint32_t num_units_in_tick = 1001;
  uint32_t time_scale = 60000;
};

Bytes build_sps(const SpsFields& f) {
  SpsWriter w;
  w.bits(f.profile_idc, 8);
  w.bits(0, 8);
  w.bits(40, 8);
  w.ue(0);  // seq_parameter_set_id
  if (f.profile_idc == 100 || f.profile_idc == 244) {
    w.ue(f.chroma_format_idc);
    if (f.chroma_format_idc == 3) w.flag(f.separate_colour_plane);
    w.ue(f.bit_depth_luma_minus8);
    w.ue(0);
    w.flag(false);
    w.flag(false);  // no scaling matrix
  }
  w.ue(0);  // log2_max_frame_num_minus4
  w.ue(f.poc_type);
  if (f.poc_type == 0) w.ue(2);
  if (f.poc_type == 1) {
    w.flag(false);
    w.se(-2);
    w.se(1);
    w.ue(f.poc_cycle);
    for (uint32_t i = 0; i < f.poc_cycle; ++i)
      w.se(i % 2 ? -7 : 300);
  }
  w.ue(4);  // max_num_ref_frames
  w.flag(false);
  w.ue(f.width_mbs_minus1);
  w.ue(f.height_units_minus1);
  w.flag(f.frame_mbs_only);
  if (!f.frame_mbs_only) w.flag(true);
  w.flag(true);
  w.flag(f.crop);
  if (f.crop) {
    for (uint32_t v : f.crop_lrtb)
      w.ue(v);
  }
  w.flag(f.vui);
  if (f.vui) {
    w.flag(true);  // aspect_ratio_info_present_flag
    if (f.extended_sar) {
      w.bits(255, 8);
      w.bits(0xffff, 16);
      w.bits(0x0001, 16);
    } else {
      w.bits(1, 8);
    }
    w.flag(true);  // overscan_info_present_flag
    w.flag(true);
    w.flag(true);  // video_signal_type_present_flag
    w.bits(5, 3);
    w.flag(true);
    w.flag(true);  // colour_description_present_flag
    w.bits(0xff, 8);
    w.bits(0xff, 8);
    w.bits(0xff, 8);
    w.flag(true);  // chroma_loc_info_present_flag
    w.ue(2);
    w.ue(5);
    w.flag(true);  // timing_info_present_flag
    w.bits(f.num_units_in_tick, 32);
    w.bits(f.time_scale, 32);
    w.flag(true);
    w.flag(false);  // nal_hrd_parameters_present_flag and what follows are not read
  }
  return w.nal();
}

Result<H264Sps> parse_fields(const SpsFields& f) {
  return parse_h264_sps(build_sps(f));
}

TEST(H264Sps, BuilderAgreesWithRealStreams) {
  auto sps = parse_fields({});
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_EQ(sps->width, 320u);
  EXPECT_EQ(sps->height, 240u);
  EXPECT_EQ(sps->frame_rate, 0.0);  // no VUI
}

TEST(H264Sps, VuiWithExtendedSarColourAndChromaLocation) {
  SpsFields f;
  f.vui = true;
  f.extended_sar = true;
  auto sps = parse_fields(f);
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_DOUBLE_EQ(sps->frame_rate, 60000.0 / 2002.0);
}

TEST(H264Sps, ZeroTimingValuesLeaveFrameRateUnknown) {
  SpsFields f;
  f.vui = true;
  f.num_units_in_tick = 0;
  auto sps = parse_fields(f);
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_EQ(sps->frame_rate, 0.0);
}

TEST(H264Sps, PocCycleIsBoundedAt255) {
  SpsFields f;
  f.poc_type = 1;
  f.poc_cycle = 255;
  f.vui = true;
  auto sps = parse_fields(f);
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_DOUBLE_EQ(sps->frame_rate, 60000.0 / 2002.0);
  f.poc_cycle = 256;
  sps = parse_fields(f);
  ASSERT_FALSE(sps.ok());
  EXPECT_NE(sps.error().message.find("num_ref_frames_in_pic_order_cnt_cycle"), std::string::npos)
      << sps.error().message;
}

TEST(H264Sps, CropUnitsFollowChromaFormatAndFieldCoding) {
  SpsFields f;
  f.crop = true;
  f.crop_lrtb[0] = 1;
  f.crop_lrtb[1] = 2;
  f.crop_lrtb[2] = 3;
  f.crop_lrtb[3] = 4;
  struct {
    uint32_t chroma;
    bool separate;
    bool frame_mbs_only;
    uint32_t width, height;
  } const cases[] = {
      {1, false, true, 320 - 2 * 3, 240 - 2 * 7},   // 4:2:0: units 2x2
      {2, false, true, 320 - 2 * 3, 240 - 1 * 7},   // 4:2:2: units 2x1
      {3, false, true, 320 - 1 * 3, 240 - 1 * 7},   // 4:4:4: units 1x1
      {0, false, true, 320 - 1 * 3, 240 - 1 * 7},   // monochrome: ChromaArrayType 0
      {3, true, true, 320 - 1 * 3, 240 - 1 * 7},    // separate planes: ChromaArrayType 0
      {1, false, false, 320 - 2 * 3, 480 - 4 * 7},  // fields: height doubles, unit 2x4
      {0, false, false, 320 - 1 * 3, 480 - 2 * 7},  // monochrome fields: unit 1x2
  };
  for (const auto& c : cases) {
    f.chroma_format_idc = c.chroma;
    f.separate_colour_plane = c.separate;
    f.frame_mbs_only = c.frame_mbs_only;
    auto sps = parse_fields(f);
    ASSERT_TRUE(sps.ok()) << sps.error().message;
    EXPECT_EQ(sps->width, c.width) << "chroma " << c.chroma;
    EXPECT_EQ(sps->height, c.height) << "chroma " << c.chroma;
  }
}

TEST(H264Sps, RejectsOutOfRangeValues) {
  struct {
    const char* what;
    SpsFields f;
  } cases[] = {
      {"pic_width_in_mbs_minus1", {.width_mbs_minus1 = 1024}},
      {"pic_height_in_map_units_minus1", {.height_units_minus1 = 1024}},
      {"frame height", {.height_units_minus1 = 600, .frame_mbs_only = false}},
      {"chroma_format_idc", {.chroma_format_idc = 4}},
      {"bit_depth_luma_minus8", {.bit_depth_luma_minus8 = 7}},
      {"pic_order_cnt_type", {.poc_type = 3}},
      {"cropping", {.crop = true, .crop_lrtb = {100, 60, 0, 0}}},
      {"cropping", {.crop = true, .crop_lrtb = {0, 0, 0, 0xfffffffe}}},
  };
  for (const auto& c : cases) {
    auto sps = parse_fields(c.f);
    ASSERT_FALSE(sps.ok()) << c.what;
    EXPECT_NE(sps.error().message.find(c.what), std::string::npos) << sps.error().message;
  }
  // The largest allowed picture parses.
  auto sps = parse_fields({.width_mbs_minus1 = 1023, .height_units_minus1 = 1023});
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_EQ(sps->width, 16384u);
  EXPECT_EQ(sps->height, 16384u);
}

TEST(H264Sps, RejectsJunk) {
  EXPECT_FALSE(parse_h264_sps({}).ok());
  EXPECT_FALSE(parse_h264_sps(from_hex("67 64 00")).ok());
  // A PPS is not an SPS; neither is an SPS with forbidden_zero_bit set.
  EXPECT_FALSE(parse_h264_sps(from_hex("68 eb e3 cb 20")).ok());
  EXPECT_FALSE(parse_h264_sps(from_hex("e7 4d 40 1f ec a0 28 02 dd 80 88")).ok());
  // seq_parameter_set_id with 32 leading zero bits is no Exp-Golomb code.
  auto sps = parse_h264_sps(from_hex("67 4d 40 1f 00 00 00 00 80 ff ff ff"));
  ASSERT_FALSE(sps.ok());
  EXPECT_NE(sps.error().message.find("Exp-Golomb"), std::string::npos) << sps.error().message;
  // All ones and all zeros.
  EXPECT_FALSE(parse_h264_sps(from_hex("67 ff ff ff ff ff ff ff ff ff ff ff ff")).ok());
  EXPECT_FALSE(parse_h264_sps(from_hex("67 00 00 00 00 00 00 00 00 00 00 00 00")).ok());
}

// avcC records written by ffmpeg 5.1's mp4 muxer for the main_1280x720, high_1920x1080 and
// high10 streams above (the High ones carry the chroma/bit depth extension).
constexpr std::string_view kMainSps =
    "67 4d 40 1f ec a0 28 02 dd 80 88 00 00 03 00 08 00 00 03 01 e0 78 c1 8c b0";
constexpr std::string_view kMainPps = "68 eb e3 cb 20";
constexpr std::string_view kMainAvcc =
    "01 4d 40 1f ff e1 00 19 67 4d 40 1f ec a0 28 02 dd 80 88 00 00 03 00 08 00 00 03 01 e0 78 c1 "
    "8c b0 01 00 05 68 eb e3 cb 20";
constexpr std::string_view kHighSps =
    "67 64 00 28 ac d9 40 78 02 27 e5 c0 44 00 00 03 00 04 00 00 03 00 f0 3c 60 c6 58";
constexpr std::string_view kHighPps = "68 eb e3 cb 22 c0";
constexpr std::string_view kHighAvcc =
    "01 64 00 28 ff e1 00 1b 67 64 00 28 ac d9 40 78 02 27 e5 c0 44 00 00 03 00 04 00 00 03 00 f0 "
    "3c 60 c6 58 01 00 06 68 eb e3 cb 22 c0 fd f8 f8 00";
constexpr std::string_view kHigh10Sps =
    "67 6e 00 20 a6 cd 94 05 00 5b b0 11 00 00 03 00 01 00 00 03 00 64 0f 18 31 96";
constexpr std::string_view kHigh10Avcc =
    "01 6e 00 20 ff e1 00 1a 67 6e 00 20 a6 cd 94 05 00 5b b0 11 00 00 03 00 01 00 00 03 00 64 0f "
    "18 31 96 01 00 06 68 eb e3 cb 22 c0 fd fa fa 00";

TEST(Avcc, ParsesFfmpegRecord) {
  auto cfg = parse_avcc(from_hex(kMainAvcc));
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->profile_idc, 0x4d);
  EXPECT_EQ(cfg->profile_compat, 0x40);
  EXPECT_EQ(cfg->level_idc, 0x1f);
  EXPECT_EQ(cfg->length_size, 4);
  ASSERT_EQ(cfg->sps.size(), 1u);
  ASSERT_EQ(cfg->pps.size(), 1u);
  EXPECT_EQ(cfg->sps[0], from_hex(kMainSps));
  EXPECT_EQ(cfg->pps[0], from_hex(kMainPps));
}

TEST(Avcc, HighProfileExtensionIsOptional) {
  const Bytes with_ext = from_hex(kHighAvcc);
  const Bytes without_ext(with_ext.begin(), with_ext.end() - 4);
  for (const Bytes& record : {with_ext, without_ext}) {
    auto cfg = parse_avcc(record);
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_EQ(cfg->profile_idc, 100);
    ASSERT_EQ(cfg->sps.size(), 1u);
    EXPECT_EQ(cfg->sps[0], from_hex(kHighSps));
    ASSERT_EQ(cfg->pps.size(), 1u);
    EXPECT_EQ(cfg->pps[0], from_hex(kHighPps));
  }
}

TEST(Avcc, BuildsWhatFfmpegWrites) {
  EXPECT_EQ(build_avcc({from_hex(kMainSps)}, {from_hex(kMainPps)}), from_hex(kMainAvcc));
  EXPECT_EQ(build_avcc({from_hex(kHighSps)}, {from_hex(kHighPps)}), from_hex(kHighAvcc));
  EXPECT_EQ(build_avcc({from_hex(kHigh10Sps)}, {from_hex(kHighPps)}), from_hex(kHigh10Avcc));
}

TEST(Avcc, RoundTripsSeveralParameterSets) {
  const std::vector<Bytes> sps = {from_hex(kMainSps), from_hex(kHighSps)};
  const std::vector<Bytes> pps = {from_hex(kMainPps), from_hex(kHighPps), from_hex("68 ce 38 80")};
  auto cfg = parse_avcc(build_avcc(sps, pps));
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->sps, sps);
  EXPECT_EQ(cfg->pps, pps);
  EXPECT_EQ(cfg->profile_idc, 0x4d);  // from the first SPS
}

TEST(Avcc, LengthSizeField) {
  Bytes record = from_hex(kMainAvcc);
  record[4] = 0xfc;  // lengthSizeMinusOne 0
  auto cfg = parse_avcc(record);
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->length_size, 1);
  record[4] = 0xfd;
  cfg = parse_avcc(record);
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->length_size, 2);
}

TEST(Avcc, RejectsTruncatedAndJunk) {
  const Bytes record = from_hex(kMainAvcc);
  for (size_t len = 0; len < record.size(); ++len) {
    EXPECT_FALSE(parse_avcc(ByteSpan(record).first(len)).ok()) << "length " << len;
  }
  Bytes bad_version = record;
  bad_version[0] = 0;
  EXPECT_FALSE(parse_avcc(bad_version).ok());
  Bytes empty_sps = from_hex("01 4d 40 1f ff e1 00 00 00");
  EXPECT_FALSE(parse_avcc(empty_sps).ok());
  // 31 SPS announced, one present.
  Bytes too_many = record;
  too_many[5] = 0xff;
  EXPECT_FALSE(parse_avcc(too_many).ok());
}

TEST(H264, ProfileNames) {
  EXPECT_EQ(h264_profile_name(66), "Baseline");
  EXPECT_EQ(h264_profile_name(77), "Main");
  EXPECT_EQ(h264_profile_name(88), "Extended");
  EXPECT_EQ(h264_profile_name(100), "High");
  EXPECT_EQ(h264_profile_name(110), "High 10");
  EXPECT_EQ(h264_profile_name(122), "High 4:2:2");
  EXPECT_EQ(h264_profile_name(244), "High 4:4:4 Predictive");
  EXPECT_EQ(h264_profile_name(44), "CAVLC 4:4:4 Intra");
  EXPECT_EQ(h264_profile_name(118), "Multiview High");
  EXPECT_EQ(h264_profile_name(128), "Stereo High");
  EXPECT_EQ(h264_profile_name(7), "profile 7");
  H264Sps intra;
  intra.profile_idc = 110;
  intra.constraint_flags = 0x10;  // constraint_set3_flag
  EXPECT_EQ(h264_profile_name(intra), "High 10 Intra");
}

}  // namespace
}  // namespace firstmile::media::h264_test
