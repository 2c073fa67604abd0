#include "media/codec/h265.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

namespace firstmile::media::h265_test {
namespace {

using test::from_hex;

// SPS NAL units from libx265 3.5 through ffmpeg 5.1 (`-c:v libx265 -f hevc`). Expected values
// are ffprobe's for the same files; timing_end is the NAL length at which vui_time_scale is
// complete, from the bit positions ffmpeg's trace_headers prints.
struct SpsCase {
  const char* name;
  const char* hex;
  size_t timing_end;
  uint8_t profile_idc;
  uint8_t level_idc;
  uint32_t chroma_format_idc;
  uint32_t bit_depth;
  uint8_t max_sub_layers;
  bool temporal_id_nesting;
  uint32_t width;
  uint32_t height;
  double frame_rate;
  const char* codec_string;
  const char* profile_name;
};

const SpsCase kCases[] = {
    {"main_1280x720",
     "42 01 01 01 60 00 00 03 00 90 00 00 03 00 00 03 00 5d a0 02 80 80 2d 16 59 59 a4 93 2b c0 "
     "5a 02 00 00 03 00 02 00 00 03 00 3c 10",
     42, 1, 93, 1, 8, 1, true, 1280, 720, 30.0, "hvc1.1.6.L93.90", "Main"},
    // 854 is not a multiple of the 8-sample minimum CU: conf_win_right_offset 1 (x2 for 4:2:0)
    {"main_854x480",
     "42 01 01 01 60 00 00 03 00 90 00 00 03 00 00 03 00 5a a0 06 b2 01 e1 d7 96 56 69 24 ca f0 "
     "16 80 80 00 00 03 00 80 00 00 0c 84",
     42, 1, 90, 1, 8, 1, true, 854, 480, 25.0, "hvc1.1.6.L90.90", "Main"},
    // -pix_fmt yuv420p10le, 1920x1080 at 30000/1001
    {"main10_1920x1080",
     "42 01 01 02 20 00 00 03 00 90 00 00 03 00 00 03 00 78 a0 03 c0 80 10 e4 d9 65 66 92 4c af "
     "01 68 08 00 00 1f 48 00 03 a9 80 40",
     41, 2, 120, 1, 10, 1, true, 1920, 1080, 30000.0 / 1001.0, "hvc1.2.4.L120.90", "Main 10"},
    // -pix_fmt yuv444p: format range extensions profile, chroma_format_idc 3
    {"rext444_320x240",
     "42 01 01 04 08 00 00 03 00 9e 08 00 00 03 00 00 3c 90 01 41 01 e2 cb 2b 34 92 65 78 0b 40 "
     "40 00 00 03 00 40 00 00 07 82",
     40, 4, 60, 3, 8, 1, true, 320, 240, 30.0, "hvc1.4.10.L60.9E.08", "Range Extensions"},
    // keyint=1 (all intra): signalled as RExt with the intra constraint bits; 360 = 368 - 2 * 4
    {"rext_intra_640x360",
     "42 01 01 04 08 00 00 03 00 9f a8 00 00 03 00 00 3f a0 05 02 01 71 f2 e5 ba 4a 4c 2f 01 68 "
     "08 00 00 03 00 08 00 00 03 00 f0 40",
     41, 4, 63, 1, 8, 1, true, 640, 360, 30.0, "hvc1.4.10.L63.9F.A8", "Range Extensions"},
    // temporal-layers=1: sps_max_sub_layers_minus1 1, so profile_tier_level has the sub-layer
    // flags and the reserved_zero_2bits alignment, and there are two sub_layer_ordering_info.
    {"temporal_layers_640x360",
     "42 01 02 01 60 00 00 03 00 90 00 00 03 00 00 03 00 3f 00 00 a0 05 02 01 69 65 95 98 ac d2 "
     "49 95 e0 2d 01 00 00 03 00 01 00 00 03 00 1e 08",
     45, 1, 63, 1, 8, 2, false, 640, 360, 30.0, "hvc1.1.6.L63.90", "Main"},
    // scaling-list=<file>: scaling_list_data() with explicit lists, DC coefficients and
    // scaling_list_pred_matrix_id_delta copies.
    {"scaling_lists_416x240",
     "42 01 01 01 60 00 00 03 00 90 00 00 03 00 00 03 00 3f a0 0d 08 0f 16 59 59 a4 93 e1 aa 69 "
     "15 24 54 9a c2 14 d2 2a 48 a9 35 21 0c a1 ca 69 15 24 74 91 e9 23 a6 92 3a 45 49 1d 24 54 "
     "8e 92 68 e9 29 d2 47 49 15 26 b0 85 34 8a 92 3a 48 f4 91 d3 49 1d 22 a4 8e 92 2a 47 49 34 "
     "74 94 e9 23 a4 8a 93 52 10 ca 08 34 d2 2a 48 e9 23 d2 47 4d 24 74 8a 92 3a 48 a9 1d 24 d1 "
     "d2 53 a4 8e 92 2a 4d 61 0d 34 8a 92 3a 48 f4 91 d3 49 1d 22 a4 8e 92 2a 47 49 34 74 94 e9 "
     "23 a4 8a 93 52 10 ca 0a 34 d2 2a 48 e9 23 d2 47 4d 24 74 8a 92 3a 48 a9 1d 24 d1 d2 53 a4 "
     "8e 92 2a 4d 60 cb 4d 22 a4 8e 92 3d 24 74 d2 47 48 a9 23 a4 8a 91 d2 4d 1d 25 3a 48 e9 22 "
     "a4 d5 5e 02 d0 10 00 00 03 00 10 00 00 03 03 c0 80",
     226, 1, 63, 1, 8, 1, true, 416, 240, 60.0, "hvc1.1.6.L63.90", "Main"},
    // x265 keeps reference picture sets in slice headers, so this is the temporal_layers SPS
    // rewritten bit by bit with: sub_layer_profile/level_present_flag set (88 + 8 more bits),
    // amp, PCM, nine short-term RPS (an explicit {-1,-3 | +2,+4}, then eight each predicted
    // from the one before with deltaRps -3, +2, -2, +7, -1, +2, +1, -1, where use_delta_flag
    // drops a picture that each condition of equations 7-61/7-62 would otherwise keep, so a
    // wrong NumDeltaPocs misreads every later flag), two long-term POC LSBs and a VUI default
    // display window. ffmpeg's cbs_h265 (trace_headers) parses it without error, reading
    // 5, 4, 3, 3, 3, 1, 2 and 3 used_by_curr_pic_flag entries in the predicted sets.
    {"ref_pic_sets_640x360",
     "42 01 02 01 60 00 00 03 00 90 00 00 03 00 00 03 00 3f c0 00 01 60 00 00 03 00 90 00 00 03 "
     "00 00 03 00 3c a0 05 02 01 69 65 95 98 ac d2 49 bb bd 45 37 aa 2e cc 65 26 a6 39 f0 25 bf "
     "f6 0b c8 78 0b 40 89 12 52 c0 00 00 03 00 40 00 00 07 82",
     79, 1, 63, 1, 8, 2, false, 640, 360, 30.0, "hvc1.1.6.L63.90", "Main"},
};

class H265SpsTest : public testing::TestWithParam<SpsCase> {};

TEST_P(H265SpsTest, ParsesLikeFfprobe) {
  const SpsCase& c = GetParam();
  auto sps = parse_h265_sps(from_hex(c.hex));
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_EQ(sps->general_profile_idc, c.profile_idc);
  EXPECT_EQ(sps->general_level_idc, c.level_idc);
  EXPECT_EQ(sps->general_profile_space, 0);
  EXPECT_FALSE(sps->general_tier_flag);
  EXPECT_EQ(sps->chroma_format_idc, c.chroma_format_idc);
  EXPECT_EQ(sps->bit_depth_luma, c.bit_depth);
  EXPECT_EQ(sps->bit_depth_chroma, c.bit_depth);
  EXPECT_EQ(sps->max_sub_layers, c.max_sub_layers);
  EXPECT_EQ(sps->temporal_id_nesting, c.temporal_id_nesting);
  EXPECT_EQ(sps->width, c.width);
  EXPECT_EQ(sps->height, c.height);
  EXPECT_DOUBLE_EQ(sps->frame_rate, c.frame_rate);
  EXPECT_EQ(h265_codec_string(*sps), c.codec_string);
  EXPECT_EQ(h265_profile_name(sps->general_profile_idc), c.profile_name);
}

TEST_P(H265SpsTest, EveryTruncationFailsUntilTimingInfoIsComplete) {
  const SpsCase& c = GetParam();
  const Bytes nal = from_hex(c.hex);
  auto full = parse_h265_sps(nal);
  ASSERT_TRUE(full.ok());
  for (size_t len = 0; len < nal.size(); ++len) {
    auto sps = parse_h265_sps(ByteSpan(nal).first(len));
    if (len < c.timing_end) {
      EXPECT_FALSE(sps.ok()) << "length " << len;
    } else {
      ASSERT_TRUE(sps.ok()) << "length " << len << ": " << sps.error().message;
      EXPECT_EQ(sps->width, full->width);
      EXPECT_DOUBLE_EQ(sps->frame_rate, full->frame_rate);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Libx265, H265SpsTest, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<SpsCase>& info) {
                           return std::string(info.param.name);
                         });

// Writes 7.3.2.2.1 syntax for edge and error cases the encoders do not produce.
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
  Bytes nal() const {  // 2-byte NAL header (type 33), RBSP with stop bit, emulation prevention
    std::vector<bool> b = bits_;
    b.push_back(true);
    while (b.size() % 8)
      b.push_back(false);
    Bytes out = {0x42, 0x01};
    int zeros = 0;
    for (size_t i = 0; i < b.size(); i += 8) {
      uint8_t v = 0;
      for (size_t j = 0; j < 8; ++j)
        v = static_cast<uint8_t>((v << 1) | b[i + j]);
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

enum class Rps { kNone, kTooManySets, kInterOverflow };

struct SpsFields {
  uint32_t max_sub_layers_minus1 = 0;
  uint32_t chroma_format_idc = 1;
  bool separate_colour_plane = false;
  uint32_t width = 1280;
  uint32_t height = 720;
  bool conf = false;
  uint32_t conf_lrtb[4] = {0, 0, 0, 0};
  bool bad_scaling_pred = false;
  Rps rps = Rps::kNone;
  bool field_seq = false;
};

Bytes build_sps(const SpsFields& f) {
  SpsWriter w;
  w.bits(0, 4);
  w.bits(f.max_sub_layers_minus1, 3);
  w.flag(true);
  // profile_tier_level: Main, level 4.1
  w.bits(0x01, 8);
  w.bits(0x60000000, 32);
  w.bits(0x900000000000, 48);
  w.bits(123, 8);
  for (uint32_t i = 0; i < f.max_sub_layers_minus1; ++i)
    w.bits(3, 2);  // profile+level present
  if (f.max_sub_layers_minus1 > 0) {
    for (uint32_t i = f.max_sub_layers_minus1; i < 8; ++i)
      w.bits(0, 2);
  }
  for (uint32_t i = 0; i < f.max_sub_layers_minus1; ++i) {
    w.bits(0x01, 8);
    w.bits(0x60000000, 32);
    w.bits(0x900000000000, 48);
    w.bits(90, 8);
  }
  w.ue(0);
  w.ue(f.chroma_format_idc);
  if (f.chroma_format_idc == 3) w.flag(f.separate_colour_plane);
  w.ue(f.width);
  w.ue(f.height);
  w.flag(f.conf);
  if (f.conf) {
    for (uint32_t v : f.conf_lrtb)
      w.ue(v);
  }
  w.ue(0);
  w.ue(0);
  w.ue(4);       // log2_max_pic_order_cnt_lsb_minus4
  w.flag(true);  // sps_sub_layer_ordering_info_present_flag
  for (uint32_t i = 0; i <= f.max_sub_layers_minus1; ++i) {
    w.ue(4);
    w.ue(2);
    w.ue(0);
  }
  for (uint32_t v : {0, 3, 0, 3, 0, 0})
    w.ue(v);                   // block sizes and transform depths
  w.flag(f.bad_scaling_pred);  // scaling_list_enabled_flag
  if (f.bad_scaling_pred) {
    w.flag(true);  // sps_scaling_list_data_present_flag
    for (int size_id = 0; size_id < 4; ++size_id) {
      for (int matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
        w.flag(false);  // scaling_list_pred_mode_flag: copy
        // sizeId 3, matrixId 3 may only refer back one (32x32) matrix: delta 3 is invalid
        // (libx265 wrote exactly this for identical intra/inter 32x32 lists).
        w.ue(size_id == 3 && matrix_id == 3 ? 3 : 0);
      }
    }
  }
  w.flag(false);  // amp
  w.flag(true);   // sao
  w.flag(false);  // pcm
  if (f.rps == Rps::kTooManySets) {
    w.ue(65);
  } else if (f.rps == Rps::kInterOverflow) {
    w.ue(2);
    w.ue(16);  // 16 negative pictures, no positive
    w.ue(0);
    for (int i = 0; i < 16; ++i) {
      w.ue(0);
      w.flag(true);
    }
    w.flag(true);  // inter_ref_pic_set_prediction_flag
    w.flag(true);  // delta_rps_sign: deltaRps = -1
    w.ue(0);
    for (int j = 0; j <= 16; ++j)
      w.flag(true);  // keep all 16 and add the reference: 17
  } else {
    w.ue(0);
  }
  w.flag(false);  // long_term_ref_pics_present_flag
  w.flag(true);
  w.flag(true);
  w.flag(true);  // vui_parameters_present_flag
  w.flag(false);
  w.flag(false);
  w.flag(false);
  w.flag(false);
  w.flag(false);
  w.flag(f.field_seq);
  w.flag(f.field_seq);  // frame_field_info_present_flag
  w.flag(false);
  w.flag(true);  // vui_timing_info_present_flag
  w.bits(1001, 32);
  w.bits(60000, 32);
  w.flag(false);
  w.flag(false);
  w.flag(false);
  w.flag(false);
  return w.nal();
}

Result<H265Sps> parse_fields(const SpsFields& f) {
  return parse_h265_sps(build_sps(f));
}

TEST(H265Sps, ReorderDepth) {
  // sps_max_num_reorder_pics of the highest sub-layer: 2 for x265's default B-frames, 0 for an
  // all-intra stream. RTP ingest derives decode times from it.
  auto with_b = parse_h265_sps(from_hex(kCases[0].hex));
  ASSERT_TRUE(with_b.ok());
  EXPECT_EQ(with_b->max_num_reorder_pics, 2u);
  auto intra = parse_h265_sps(from_hex(kCases[4].hex));
  ASSERT_TRUE(intra.ok());
  EXPECT_EQ(std::string(kCases[4].name), "rext_intra_640x360");
  EXPECT_EQ(intra->max_num_reorder_pics, 0u);
}

TEST(H265Sps, BuilderBaseline) {
  auto sps = parse_fields({});
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_EQ(sps->width, 1280u);
  EXPECT_EQ(sps->height, 720u);
  EXPECT_EQ(sps->general_level_idc, 123);
  EXPECT_DOUBLE_EQ(sps->frame_rate, 60000.0 / 1001.0);
}

TEST(H265Sps, SubLayerProfilesAndLevelsAreSkipped) {
  for (uint32_t n = 1; n <= 6; ++n) {
    auto sps = parse_fields({.max_sub_layers_minus1 = n});
    ASSERT_TRUE(sps.ok()) << n << ": " << sps.error().message;
    EXPECT_EQ(sps->max_sub_layers, n + 1);
    EXPECT_EQ(sps->general_level_idc, 123);
    EXPECT_EQ(sps->width, 1280u);
    EXPECT_DOUBLE_EQ(sps->frame_rate, 60000.0 / 1001.0);
  }
}

TEST(H265Sps, FieldSequenceHalvesThePictureRate) {
  auto sps = parse_fields({.field_seq = true});
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_DOUBLE_EQ(sps->frame_rate, 30000.0 / 1001.0);
}

TEST(H265Sps, ConformanceWindowUnitsFollowChromaFormat) {
  struct {
    uint32_t chroma;
    bool separate;
    uint32_t width, height;
  } const cases[] = {
      {1, false, 1280 - 2 * 3, 720 - 2 * 7},  // SubWidthC 2, SubHeightC 2
      {2, false, 1280 - 2 * 3, 720 - 1 * 7},  // 2, 1
      {3, false, 1280 - 1 * 3, 720 - 1 * 7},  // 1, 1
      {0, false, 1280 - 1 * 3, 720 - 1 * 7},  // monochrome
      {3, true, 1280 - 1 * 3, 720 - 1 * 7},   // separate colour planes
  };
  for (const auto& c : cases) {
    SpsFields f{.chroma_format_idc = c.chroma,
                .separate_colour_plane = c.separate,
                .conf = true,
                .conf_lrtb = {1, 2, 3, 4}};
    auto sps = parse_fields(f);
    ASSERT_TRUE(sps.ok()) << sps.error().message;
    EXPECT_EQ(sps->chroma_format_idc, c.chroma);
    EXPECT_EQ(sps->width, c.width) << "chroma " << c.chroma;
    EXPECT_EQ(sps->height, c.height) << "chroma " << c.chroma;
  }
}

TEST(H265Sps, RejectsOutOfRangeValues) {
  struct {
    const char* what;
    SpsFields f;
  } const cases[] = {
      {"pic_width_in_luma_samples", {.width = 16889}},
      {"leaves no picture", {.width = 0}},
      {"leaves no picture", {.conf = true, .conf_lrtb = {320, 320, 0, 0}}},
      {"chroma_format_idc", {.chroma_format_idc = 4}},
      {"scaling_list_pred_matrix_id_delta", {.bad_scaling_pred = true}},
      {"num_short_term_ref_pic_sets", {.rps = Rps::kTooManySets}},
      {"over 16 pictures", {.rps = Rps::kInterOverflow}},
  };
  for (const auto& c : cases) {
    auto sps = parse_fields(c.f);
    ASSERT_FALSE(sps.ok()) << c.what;
    EXPECT_NE(sps.error().message.find(c.what), std::string::npos) << sps.error().message;
  }
  // sps_max_sub_layers_minus1 = 7 in a real SPS.
  Bytes nal = from_hex(kCases[0].hex);
  nal[2] = 0x0f;
  EXPECT_FALSE(parse_h265_sps(nal).ok());
}

TEST(H265Sps, RejectsJunk) {
  EXPECT_FALSE(parse_h265_sps({}).ok());
  EXPECT_FALSE(parse_h265_sps(from_hex("42 01")).ok());
  // VPS and PPS are not SPS.
  EXPECT_FALSE(parse_h265_sps(from_hex("40 01 0c 01 ff ff 01 60 00 00 03 00 90")).ok());
  EXPECT_FALSE(parse_h265_sps(from_hex("44 01 c1 72 b4 62 40")).ok());
  EXPECT_FALSE(parse_h265_sps(from_hex("c2 01 01 01 60 00 00 03 00 90 00 00 03 00 00")).ok());
  // An enhancement-layer SPS (nuh_layer_id 1) has the multilayer syntax.
  Bytes layer1 = from_hex(kCases[0].hex);
  layer1[1] = 0x09;
  ASSERT_TRUE(parse_h265_sps(from_hex(kCases[0].hex)).ok());
  EXPECT_FALSE(parse_h265_sps(layer1).ok());
  Bytes ones(64, 0xff);
  ones[0] = 0x42;
  ones[1] = 0x01;
  EXPECT_FALSE(parse_h265_sps(ones).ok());
  Bytes zeros(64, 0x00);
  zeros[0] = 0x42;
  zeros[1] = 0x01;
  EXPECT_FALSE(parse_h265_sps(zeros).ok());
}

// hvcC records written by ffmpeg 5.1's mp4 muxer (-tag:v hvc1) for main_1280x720,
// main10_1920x1080 and temporal_layers_640x360, and the parameter sets of those streams.
struct HvccCase {
  const char* vps;
  const char* sps;
  const char* pps;
  const char* hvcc;
};

const HvccCase kHvcc[] = {
    {"40 01 0c 01 ff ff 01 60 00 00 03 00 90 00 00 03 00 00 03 00 5d 95 98 09", kCases[0].hex,
     "44 01 c1 72 b4 62 40",
     "01 01 60 00 00 00 90 00 00 00 00 00 5d f0 00 fc fd f8 f8 00 00 0f 03 a0 00 01 00 18 40 01 "
     "0c 01 ff ff 01 60 00 00 03 00 90 00 00 03 00 00 03 00 5d 95 98 09 a1 00 01 00 2b 42 01 01 "
     "01 60 00 00 03 00 90 00 00 03 00 00 03 00 5d a0 02 80 80 2d 16 59 59 a4 93 2b c0 5a 02 00 "
     "00 03 00 02 00 00 03 00 3c 10 a2 00 01 00 07 44 01 c1 72 b4 62 40"},
    {"40 01 0c 01 ff ff 02 20 00 00 03 00 90 00 00 03 00 00 03 00 78 95 98 09", kCases[2].hex,
     "44 01 c1 72 b4 62 40",
     "01 02 20 00 00 00 90 00 00 00 00 00 78 f0 00 fc fd fa fa 00 00 0f 03 a0 00 01 00 18 40 01 "
     "0c 01 ff ff 02 20 00 00 03 00 90 00 00 03 00 00 03 00 78 95 98 09 a1 00 01 00 2a 42 01 01 "
     "02 20 00 00 03 00 90 00 00 03 00 00 03 00 78 a0 03 c0 80 10 e4 d9 65 66 92 4c af 01 68 08 "
     "00 00 1f 48 00 03 a9 80 40 a2 00 01 00 07 44 01 c1 72 b4 62 40"},
    {"40 01 0c 02 ff ff 01 60 00 00 03 00 90 00 00 03 00 00 03 00 3f 00 00 95 98 ac c0 48",
     kCases[5].hex, "44 01 c1 72 b4 62 40",
     "01 01 60 00 00 00 90 00 00 00 00 00 3f f0 00 fc fd f8 f8 00 00 13 03 a0 00 01 00 1c 40 01 "
     "0c 02 ff ff 01 60 00 00 03 00 90 00 00 03 00 00 03 00 3f 00 00 95 98 ac c0 48 a1 00 01 00 "
     "2e 42 01 02 01 60 00 00 03 00 90 00 00 03 00 00 03 00 3f 00 00 a0 05 02 01 69 65 95 98 ac "
     "d2 49 95 e0 2d 01 00 00 03 00 01 00 00 03 00 1e 08 a2 00 01 00 07 44 01 c1 72 b4 62 40"},
};

TEST(Hvcc, ParsesFfmpegRecords) {
  for (const HvccCase& c : kHvcc) {
    auto cfg = parse_hvcc(from_hex(c.hvcc));
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    auto sps = parse_h265_sps(from_hex(c.sps));
    ASSERT_TRUE(sps.ok());
    EXPECT_EQ(cfg->general_profile_space, sps->general_profile_space);
    EXPECT_EQ(cfg->general_tier_flag, sps->general_tier_flag);
    EXPECT_EQ(cfg->general_profile_idc, sps->general_profile_idc);
    EXPECT_EQ(cfg->general_profile_compatibility_flags, sps->general_profile_compatibility_flags);
    EXPECT_EQ(cfg->general_constraint_indicator_flags, sps->general_constraint_indicator_flags);
    EXPECT_EQ(cfg->general_level_idc, sps->general_level_idc);
    EXPECT_EQ(cfg->length_size, 4);
    EXPECT_EQ(cfg->vps, std::vector<Bytes>{from_hex(c.vps)});
    EXPECT_EQ(cfg->sps, std::vector<Bytes>{from_hex(c.sps)});
    EXPECT_EQ(cfg->pps, std::vector<Bytes>{from_hex(c.pps)});
  }
  auto cfg = parse_hvcc(from_hex(kHvcc[0].hvcc));
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->general_profile_compatibility_flags, 0x60000000u);
  EXPECT_EQ(cfg->general_constraint_indicator_flags, 0x900000000000u);
  EXPECT_EQ(cfg->general_level_idc, 93);
}

TEST(Hvcc, BuildsWhatFfmpegWrites) {
  for (const HvccCase& c : kHvcc) {
    auto built = build_hvcc({from_hex(c.vps)}, {from_hex(c.sps)}, {from_hex(c.pps)});
    ASSERT_TRUE(built.ok()) << built.error().message;
    EXPECT_EQ(*built, from_hex(c.hvcc));
  }
}

TEST(Hvcc, BuildNeedsAParsableSps) {
  EXPECT_FALSE(build_hvcc({}, {}, {}).ok());
  EXPECT_FALSE(build_hvcc({}, {from_hex("42 01 01")}, {}).ok());
  // Empty lists give no array; an SEI array in a record is skipped by the parser.
  auto built = build_hvcc({}, {from_hex(kCases[0].hex)}, {});
  ASSERT_TRUE(built.ok());
  EXPECT_EQ((*built)[22], 1);  // numOfArrays
  Bytes with_sei = *built;
  with_sei[22] = 2;
  for (uint8_t b : from_hex("27 00 01 00 04 4e 01 05 80"))
    with_sei.push_back(b);
  auto cfg = parse_hvcc(with_sei);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->sps.size(), 1u);
  EXPECT_TRUE(cfg->vps.empty());
  EXPECT_TRUE(cfg->pps.empty());
}

TEST(Hvcc, RejectsTruncatedAndJunk) {
  const Bytes record = from_hex(kHvcc[0].hvcc);
  for (size_t len = 0; len < record.size(); ++len) {
    EXPECT_FALSE(parse_hvcc(ByteSpan(record).first(len)).ok()) << "length " << len;
  }
  Bytes bad_version = record;
  bad_version[0] = 0;
  EXPECT_FALSE(parse_hvcc(bad_version).ok());
  Bytes many_arrays = record;
  many_arrays[22] = 0xff;
  EXPECT_FALSE(parse_hvcc(many_arrays).ok());
}

TEST(H265, CodecStringFields) {
  H265Sps sps;
  sps.general_profile_space = 1;
  sps.general_tier_flag = true;
  sps.general_profile_idc = 2;
  sps.general_profile_compatibility_flags = 0x20000000;  // flag[2]
  sps.general_constraint_indicator_flags = 0xb00000000000;
  sps.general_level_idc = 153;
  EXPECT_EQ(h265_codec_string(sps), "hvc1.A2.4.H153.B0");
  sps.general_profile_space = 0;
  sps.general_constraint_indicator_flags = 0;
  sps.general_profile_compatibility_flags = 0x00000001;  // flag[31]
  EXPECT_EQ(h265_codec_string(sps), "hvc1.2.80000000.H153");
  sps.general_constraint_indicator_flags = 0x000000000001;  // last byte only: none omitted
  EXPECT_EQ(h265_codec_string(sps), "hvc1.2.80000000.H153.00.00.00.00.00.01");
}

TEST(H265, ProfileNames) {
  EXPECT_EQ(h265_profile_name(1), "Main");
  EXPECT_EQ(h265_profile_name(2), "Main 10");
  EXPECT_EQ(h265_profile_name(3), "Main Still Picture");
  EXPECT_EQ(h265_profile_name(4), "Range Extensions");
  EXPECT_EQ(h265_profile_name(9), "Screen Content Coding");
  EXPECT_EQ(h265_profile_name(31), "profile 31");
}

}  // namespace
}  // namespace firstmile::media::h265_test
