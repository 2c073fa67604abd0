#include "media/codec/h265.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "media/codec/bit_reader.hpp"
#include "media/codec/nal.hpp"
#include "media/codec/vui.hpp"

namespace firstmile::media {

namespace {

// Picture size limit: Sqrt(MaxLumaPs * 8) for level 6.2 (A.4.1), the largest a conforming
// stream can use in either direction.
constexpr uint32_t kMaxDimension = 16888;
// Reference picture sets hold at most MaxDpbSize - 1 = 15 pictures (7.4.8); 16 per list keeps
// a margin for sloppy encoders while bounding the arrays.
constexpr int kMaxRefsPerList = 16;
constexpr uint32_t kMaxShortTermRefPicSets = 64;  // 7.4.3.2.1
constexpr uint32_t kMaxLongTermRefPicsSps = 32;   // 7.4.3.2.1

// 7.3.3 profile_tier_level(1, sps_max_sub_layers_minus1): the general part goes into `sps`,
// the sub-layer part is skipped.
void parse_profile_tier_level(BitReader& br, H265Sps& sps, uint32_t max_sub_layers_minus1) {
  sps.general_profile_space = static_cast<uint8_t>(br.bits(2, "general_profile_space"));
  sps.general_tier_flag = br.flag("general_tier_flag");
  sps.general_profile_idc = static_cast<uint8_t>(br.bits(5, "general_profile_idc"));
  sps.general_profile_compatibility_flags = br.bits(32, "general_profile_compatibility_flags");
  // progressive_source, interlaced_source, non_packed_constraint, frame_only_constraint, the
  // 43 profile-specific bits and the inbld/reserved bit: 48 bits kept as they are.
  const uint64_t high = br.bits(16, "general_constraint_flags");
  const uint64_t low = br.bits(32, "general_constraint_flags");
  sps.general_constraint_indicator_flags = (high << 32) | low;
  sps.general_level_idc = static_cast<uint8_t>(br.bits(8, "general_level_idc"));

  std::array<bool, 8> profile_present{};
  std::array<bool, 8> level_present{};
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = br.flag("sub_layer_profile_present_flag");
    level_present[i] = br.flag("sub_layer_level_present_flag");
  }
  if (max_sub_layers_minus1 > 0) {
    for (uint32_t i = max_sub_layers_minus1; i < 8; ++i)
      br.bits(2, "reserved_zero_2bits");
  }
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    // profile_space(2) tier(1) profile_idc(5) compatibility(32) constraint flags(48) = 88 bits
    if (profile_present[i]) br.skip(88, "sub_layer profile");
    if (level_present[i]) br.bits(8, "sub_layer_level_idc");
  }
}

// 7.3.4 scaling_list_data(): values are not needed, only the bits skipped.
void skip_scaling_list_data(BitReader& br) {
  for (int size_id = 0; size_id < 4; ++size_id) {
    for (int matrix_id = 0; matrix_id < 6 && br.ok(); matrix_id += (size_id == 3) ? 3 : 1) {
      if (!br.flag("scaling_list_pred_mode_flag")) {
        // 7.4.5: refMatrixId = matrixId - delta * (sizeId == 3 ? 3 : 1) must not be negative.
        br.ue("scaling_list_pred_matrix_id_delta",
              static_cast<uint32_t>(size_id == 3 ? matrix_id / 3 : matrix_id));
        continue;
      }
      const int coef_num = std::min(64, 1 << (4 + (size_id << 1)));
      if (size_id > 1) br.se("scaling_list_dc_coef_minus8", -7, 247);
      for (int i = 0; i < coef_num && br.ok(); ++i)
        br.se("scaling_list_delta_coef", -128, 127);
    }
  }
}

// A short-term reference picture set as derived in 7.4.8: DeltaPocS0 (negative, nearest
// first) and DeltaPocS1 (positive). Only the deltas are kept: an inter-predicted set needs
// them to know how many flags it carries.
struct StRps {
  int num_negative = 0;
  int num_positive = 0;
  std::array<int32_t, kMaxRefsPerList> s0{};
  std::array<int32_t, kMaxRefsPerList> s1{};
  int num_delta_pocs() const { return num_negative + num_positive; }
};

// 7.3.7 st_ref_pic_set(stRpsIdx) as it appears in the SPS (stRpsIdx < num_short_term_ref_pic_sets,
// so delta_idx_minus1 is absent and the reference is the previous set).
void parse_st_ref_pic_set(BitReader& br, uint32_t idx, std::vector<StRps>& sets) {
  StRps rps;
  const bool inter = idx != 0 && br.flag("inter_ref_pic_set_prediction_flag");
  if (!inter) {
    rps.num_negative = static_cast<int>(br.ue("num_negative_pics", kMaxRefsPerList));
    rps.num_positive = static_cast<int>(br.ue("num_positive_pics", kMaxRefsPerList));
    int32_t poc = 0;
    for (int i = 0; i < rps.num_negative && br.ok(); ++i) {
      poc -= static_cast<int32_t>(br.ue("delta_poc_s0_minus1", 32767)) + 1;
      br.flag("used_by_curr_pic_s0_flag");
      rps.s0[static_cast<size_t>(i)] = poc;
    }
    poc = 0;
    for (int i = 0; i < rps.num_positive && br.ok(); ++i) {
      poc += static_cast<int32_t>(br.ue("delta_poc_s1_minus1", 32767)) + 1;
      br.flag("used_by_curr_pic_s1_flag");
      rps.s1[static_cast<size_t>(i)] = poc;
    }
    sets.push_back(rps);
    return;
  }

  const StRps& ref = sets[idx - 1];  // RefRpsIdx = stRpsIdx - (delta_idx_minus1 + 1), 7-59
  const bool sign = br.flag("delta_rps_sign");
  const int32_t abs_delta = static_cast<int32_t>(br.ue("abs_delta_rps_minus1", 32767)) + 1;
  const int32_t delta_rps = sign ? -abs_delta : abs_delta;  // 7-60
  // One flag pair per picture of the reference set plus one for the reference picture itself.
  const int entries = ref.num_delta_pocs() + 1;
  std::array<bool, 2 * kMaxRefsPerList + 1> use_delta{};
  for (int j = 0; j < entries && br.ok(); ++j) {
    const bool used = br.flag("used_by_curr_pic_flag");
    use_delta[static_cast<size_t>(j)] = used || br.flag("use_delta_flag");  // inferred 1 if used
  }
  if (!br.ok()) return;

  // Equations 7-61 and 7-62: the new set is the reference set shifted by deltaRps, keeping the
  // pictures flagged in use_delta_flag, split again into negative and positive deltas.
  auto add = [&br](std::array<int32_t, kMaxRefsPerList>& list, int& n, int32_t v) {
    if (n >= kMaxRefsPerList) {
      br.set_error(
          fail("inter-predicted reference picture set has over ", kMaxRefsPerList, " pictures"));
      return;
    }
    list[static_cast<size_t>(n++)] = v;
  };
  const auto at = [](int j) { return static_cast<size_t>(j); };
  for (int j = ref.num_positive - 1; j >= 0; --j) {
    const int32_t d = ref.s1[at(j)] + delta_rps;
    if (d < 0 && use_delta[at(ref.num_negative + j)]) add(rps.s0, rps.num_negative, d);
  }
  if (delta_rps < 0 && use_delta[at(ref.num_delta_pocs())]) {
    add(rps.s0, rps.num_negative, delta_rps);
  }
  for (int j = 0; j < ref.num_negative; ++j) {
    const int32_t d = ref.s0[at(j)] + delta_rps;
    if (d < 0 && use_delta[at(j)]) add(rps.s0, rps.num_negative, d);
  }
  for (int j = ref.num_negative - 1; j >= 0; --j) {
    const int32_t d = ref.s0[at(j)] + delta_rps;
    if (d > 0 && use_delta[at(j)]) add(rps.s1, rps.num_positive, d);
  }
  if (delta_rps > 0 && use_delta[at(ref.num_delta_pocs())]) {
    add(rps.s1, rps.num_positive, delta_rps);
  }
  for (int j = 0; j < ref.num_positive; ++j) {
    const int32_t d = ref.s1[at(j)] + delta_rps;
    if (d > 0 && use_delta[at(ref.num_negative + j)]) add(rps.s1, rps.num_positive, d);
  }
  sets.push_back(rps);
}

// E.2.1 vui_parameters() up to the timing information; HRD and what follows are not needed.
void parse_vui(BitReader& br, H265Sps& sps) {
  skip_vui_common(br);
  br.flag("neutral_chroma_indication_flag");
  const bool field_seq = br.flag("field_seq_flag");
  br.flag("frame_field_info_present_flag");
  if (br.flag("default_display_window_flag")) {
    br.ue("def_disp_win_left_offset");
    br.ue("def_disp_win_right_offset");
    br.ue("def_disp_win_top_offset");
    br.ue("def_disp_win_bottom_offset");
  }
  if (br.flag("vui_timing_info_present_flag")) {
    const uint32_t num_units_in_tick = br.bits(32, "vui_num_units_in_tick");
    const uint32_t time_scale = br.bits(32, "vui_time_scale");
    // E.3.1: one picture per clock tick. With field_seq_flag each picture is a field, so two
    // make a frame. Zero values "shall" not occur; they leave the rate unknown.
    if (br.ok() && num_units_in_tick > 0 && time_scale > 0) {
      sps.frame_rate = static_cast<double>(time_scale) / num_units_in_tick / (field_seq ? 2 : 1);
    }
  }
}

}  // namespace

Result<H265Sps> parse_h265_sps(ByteSpan nal) {
  if (nal.size() < 3) return fail("h265 sps: ", nal.size(), " bytes is too short");
  if ((nal[0] & 0x80) != 0) return fail("h265 sps: forbidden_zero_bit set");
  if (h265::nal_type(nal[0]) != h265::kSps) {
    return fail("h265 sps: NAL unit type ", h265::nal_type(nal[0]), " is not an SPS");
  }
  // An SPS of a layer above the base one has a different syntax (F.7.3.2.2.1); the base layer
  // is what a single-layer decoder and this parser use.
  const int nuh_layer_id = ((nal[0] & 1) << 5) | (nal[1] >> 3);
  if (nuh_layer_id != 0) return fail("h265 sps: nuh_layer_id ", nuh_layer_id, " is not 0");
  const Bytes rbsp = nal_to_rbsp(nal.subspan(2));
  BitReader br(rbsp);
  H265Sps sps;

  // 7.3.2.2.1 seq_parameter_set_rbsp()
  br.bits(4, "sps_video_parameter_set_id");
  const uint32_t max_sub_layers_minus1 = br.bits(3, "sps_max_sub_layers_minus1");
  if (br.ok() && max_sub_layers_minus1 > 6) {
    return fail("h265 sps: sps_max_sub_layers_minus1 = 7 is out of range 0..6");
  }
  sps.max_sub_layers = static_cast<uint8_t>(max_sub_layers_minus1 + 1);
  sps.temporal_id_nesting = br.flag("sps_temporal_id_nesting_flag");
  parse_profile_tier_level(br, sps, max_sub_layers_minus1);
  br.ue("sps_seq_parameter_set_id", 15);
  sps.chroma_format_idc = br.ue("chroma_format_idc", 3);
  bool separate_colour_plane = false;
  if (sps.chroma_format_idc == 3) separate_colour_plane = br.flag("separate_colour_plane_flag");
  const uint32_t pic_width = br.ue("pic_width_in_luma_samples", kMaxDimension);
  const uint32_t pic_height = br.ue("pic_height_in_luma_samples", kMaxDimension);
  uint32_t conf_left = 0, conf_right = 0, conf_top = 0, conf_bottom = 0;
  if (br.flag("conformance_window_flag")) {
    conf_left = br.ue("conf_win_left_offset", kMaxDimension);
    conf_right = br.ue("conf_win_right_offset", kMaxDimension);
    conf_top = br.ue("conf_win_top_offset", kMaxDimension);
    conf_bottom = br.ue("conf_win_bottom_offset", kMaxDimension);
  }
  sps.bit_depth_luma = 8 + br.ue("bit_depth_luma_minus8", 8);
  sps.bit_depth_chroma = 8 + br.ue("bit_depth_chroma_minus8", 8);
  if (!br.ok()) return fail("h265 sps: ", br.error());

  // Table 6-1: SubWidthC/SubHeightC are 1 for monochrome, 4:4:4 and separate colour planes.
  const uint32_t chroma_array_type = separate_colour_plane ? 0 : sps.chroma_format_idc;
  const uint32_t sub_width_c = (chroma_array_type == 1 || chroma_array_type == 2) ? 2 : 1;
  const uint32_t sub_height_c = chroma_array_type == 1 ? 2 : 1;
  // 7.4.3.2.1 equations 7-1/7-2 (conformance window offsets are in chroma units).
  const uint64_t crop_x = uint64_t{sub_width_c} * (uint64_t{conf_left} + conf_right);
  const uint64_t crop_y = uint64_t{sub_height_c} * (uint64_t{conf_top} + conf_bottom);
  if (pic_width == 0 || pic_height == 0 || crop_x >= pic_width || crop_y >= pic_height) {
    return fail("h265 sps: conformance window ", crop_x, "x", crop_y, " leaves no picture of ",
                pic_width, "x", pic_height);
  }
  sps.width = static_cast<uint32_t>(pic_width - crop_x);
  sps.height = static_cast<uint32_t>(pic_height - crop_y);

  // The rest is parsed only to reach vui_parameters() and its frame rate.
  const uint32_t log2_max_poc_lsb = 4 + br.ue("log2_max_pic_order_cnt_lsb_minus4", 12);
  const bool ordering_info_for_all = br.flag("sps_sub_layer_ordering_info_present_flag");
  for (uint32_t i = ordering_info_for_all ? 0 : max_sub_layers_minus1;
       i <= max_sub_layers_minus1 && br.ok(); ++i) {
    br.ue("sps_max_dec_pic_buffering_minus1", 15);  // MaxDpbSize - 1 (A.4.2)
    // The last iteration is HighestTid's: the depth of the whole stream.
    sps.max_num_reorder_pics = br.ue("sps_max_num_reorder_pics", 15);
    br.ue("sps_max_latency_increase_plus1");
  }
  // 7.4.3.2.1: CtbLog2SizeY is 4..6 and transform blocks 4..32 samples.
  br.ue("log2_min_luma_coding_block_size_minus3", 3);
  br.ue("log2_diff_max_min_luma_coding_block_size", 3);
  br.ue("log2_min_luma_transform_block_size_minus2", 3);
  br.ue("log2_diff_max_min_luma_transform_block_size", 3);
  br.ue("max_transform_hierarchy_depth_inter", 4);
  br.ue("max_transform_hierarchy_depth_intra", 4);
  if (br.flag("scaling_list_enabled_flag")) {
    if (br.flag("sps_scaling_list_data_present_flag")) skip_scaling_list_data(br);
  }
  br.flag("amp_enabled_flag");
  br.flag("sample_adaptive_offset_enabled_flag");
  if (br.flag("pcm_enabled_flag")) {
    br.bits(4, "pcm_sample_bit_depth_luma_minus1");
    br.bits(4, "pcm_sample_bit_depth_chroma_minus1");
    br.ue("log2_min_pcm_luma_coding_block_size_minus3", 2);  // PCM blocks are 8..32 samples
    br.ue("log2_diff_max_min_pcm_luma_coding_block_size", 2);
    br.flag("pcm_loop_filter_disabled_flag");
  }
  const uint32_t num_st_rps = br.ue("num_short_term_ref_pic_sets", kMaxShortTermRefPicSets);
  std::vector<StRps> st_rps;
  st_rps.reserve(num_st_rps);
  for (uint32_t i = 0; i < num_st_rps && br.ok(); ++i)
    parse_st_ref_pic_set(br, i, st_rps);
  if (br.flag("long_term_ref_pics_present_flag")) {
    const uint32_t n = br.ue("num_long_term_ref_pics_sps", kMaxLongTermRefPicsSps);
    for (uint32_t i = 0; i < n && br.ok(); ++i) {
      br.bits(static_cast<int>(log2_max_poc_lsb), "lt_ref_pic_poc_lsb_sps");
      br.flag("used_by_curr_pic_lt_sps_flag");
    }
  }
  br.flag("sps_temporal_mvp_enabled_flag");
  br.flag("strong_intra_smoothing_enabled_flag");
  if (br.flag("vui_parameters_present_flag")) parse_vui(br, sps);
  if (!br.ok()) return fail("h265 sps: ", br.error());
  return sps;
}

Result<HevcConfig> parse_hvcc(ByteSpan record) {
  // ISO/IEC 14496-15 8.3.3.1.2 HEVCDecoderConfigurationRecord: 23 bytes, then the arrays.
  ByteReader r(record);
  HevcConfig cfg;
  const uint8_t version = r.u8();
  const uint8_t ptl = r.u8();
  cfg.general_profile_space = static_cast<uint8_t>(ptl >> 6);
  cfg.general_tier_flag = (ptl & 0x20) != 0;
  cfg.general_profile_idc = ptl & 0x1f;
  cfg.general_profile_compatibility_flags = r.u32();
  cfg.general_constraint_indicator_flags = (uint64_t{r.u16()} << 32) | r.u32();
  cfg.general_level_idc = r.u8();
  r.skip(2 + 1 + 1 + 1 + 1 + 2);  // segmentation, parallelism, chroma, bit depths, frame rate
  cfg.length_size = (r.u8() & 0x03) + 1;
  const int num_arrays = r.u8();
  if (!r.ok()) return fail("hvcC: ", record.size(), " bytes is too short");
  if (version != 1) return fail("hvcC: configurationVersion ", version, " is not 1");
  for (int a = 0; a < num_arrays; ++a) {
    const uint8_t type = r.u8() & 0x3f;  // array_completeness, reserved, NAL_unit_type
    const int num_nalus = r.u16();
    if (!r.ok()) return fail("hvcC: array ", a, " header runs past the end");
    for (int i = 0; i < num_nalus; ++i) {
      const uint16_t n = r.u16();
      ByteSpan nal = r.bytes(n);
      if (!r.ok()) return fail("hvcC: NAL unit ", i, " of array ", a, " runs past the end");
      if (n == 0) return fail("hvcC: NAL unit ", i, " of array ", a, " is empty");
      // Other types (SEI) may be present; they are not parameter sets and are dropped.
      if (type == h265::kVps) cfg.vps.emplace_back(nal.begin(), nal.end());
      if (type == h265::kSps) cfg.sps.emplace_back(nal.begin(), nal.end());
      if (type == h265::kPps) cfg.pps.emplace_back(nal.begin(), nal.end());
    }
  }
  return cfg;
}

Result<Bytes> build_hvcc(const std::vector<Bytes>& vps, const std::vector<Bytes>& sps,
                         const std::vector<Bytes>& pps) {
  if (sps.empty()) return fail("hvcC: no SPS");
  auto parsed = parse_h265_sps(sps.front());
  if (!parsed) return wrap("hvcC", parsed.error());
  const H265Sps& s = *parsed;

  Bytes out;
  ByteWriter w(out);
  w.u8(1);  // configurationVersion
  w.u8(static_cast<uint8_t>((s.general_profile_space << 6) | (s.general_tier_flag ? 0x20 : 0) |
                            s.general_profile_idc));
  w.u32(s.general_profile_compatibility_flags);
  w.u16(static_cast<uint16_t>(s.general_constraint_indicator_flags >> 32));
  w.u32(static_cast<uint32_t>(s.general_constraint_indicator_flags));
  w.u8(s.general_level_idc);
  w.u16(0xf000);  // reserved '1111' + min_spatial_segmentation_idc 0 (no restriction stated)
  w.u8(0xfc);     // reserved '111111' + parallelismType 0 (unknown)
  w.u8(static_cast<uint8_t>(0xfc | s.chroma_format_idc));
  w.u8(static_cast<uint8_t>(0xf8 | (s.bit_depth_luma - 8)));
  w.u8(static_cast<uint8_t>(0xf8 | (s.bit_depth_chroma - 8)));
  w.u16(0);  // avgFrameRate 0: unspecified
  // constantFrameRate 0 (2 bits), numTemporalLayers (3), temporalIdNested (1),
  // lengthSizeMinusOne 3 (2).
  w.u8(static_cast<uint8_t>((s.max_sub_layers << 3) | (s.temporal_id_nesting ? 0x04 : 0) | 3));

  const std::pair<uint8_t, const std::vector<Bytes>*> arrays[] = {
      {h265::kVps, &vps}, {h265::kSps, &sps}, {h265::kPps, &pps}};
  uint8_t num_arrays = 0;
  for (const auto& [type, nals] : arrays) {
    if (!nals->empty()) ++num_arrays;
  }
  w.u8(num_arrays);
  for (const auto& [type, nals] : arrays) {
    if (nals->empty()) continue;
    if (nals->size() > 0xffff) return fail("hvcC: too many NAL units of type ", type);
    // array_completeness 1: every parameter set of this type is here, as an 'hvc1' sample
    // entry requires (8.4.1).
    w.u8(static_cast<uint8_t>(0x80 | type));
    w.u16(static_cast<uint16_t>(nals->size()));
    for (const Bytes& nal : *nals) {
      if (nal.empty() || nal.size() > 0xffff) {
        return fail("hvcC: NAL unit of type ", type, " has unusable size ", nal.size());
      }
      w.u16(static_cast<uint16_t>(nal.size()));
      w.bytes(nal);
    }
  }
  return out;
}

std::string h265_codec_string(const H265Sps& sps) {
  // ISO/IEC 14496-15 E.3: hvc1.[A|B|C]<profile_idc>.<compatibility flags, bit-reversed, hex>.
  // <L|H><level_idc>[.<constraint byte>]... with trailing zero constraint bytes left out.
  std::string s = "hvc1.";
  if (sps.general_profile_space > 0 && sps.general_profile_space <= 3) {
    s += static_cast<char>('A' + sps.general_profile_space - 1);
  }
  s += std::to_string(sps.general_profile_idc);
  uint32_t reversed = 0;
  for (int i = 0; i < 32; ++i) {
    if (sps.general_profile_compatibility_flags & (1u << i)) reversed |= 1u << (31 - i);
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%X.", reversed);
  s += buf;
  s += sps.general_tier_flag ? 'H' : 'L';
  s += std::to_string(sps.general_level_idc);
  int last = -1;
  uint8_t bytes[6];
  for (int i = 0; i < 6; ++i) {
    bytes[i] = static_cast<uint8_t>(sps.general_constraint_indicator_flags >> (40 - 8 * i));
    if (bytes[i] != 0) last = i;
  }
  for (int i = 0; i <= last; ++i) {
    std::snprintf(buf, sizeof buf, ".%02X", bytes[i]);
    s += buf;
  }
  return s;
}

std::string h265_profile_name(uint8_t general_profile_idc) {
  // Annex A.3 and the multilayer annexes (F.., G.., H.., I..).
  switch (general_profile_idc) {
    case 1:
      return "Main";
    case 2:
      return "Main 10";
    case 3:
      return "Main Still Picture";
    case 4:
      return "Range Extensions";
    case 5:
      return "High Throughput";
    case 6:
      return "Multiview Main";
    case 7:
      return "Scalable Main";
    case 8:
      return "3D Main";
    case 9:
      return "Screen Content Coding";
    case 10:
      return "Scalable Range Extensions";
    case 11:
      return "High Throughput Screen Content Coding";
    default:
      return "profile " + std::to_string(general_profile_idc);
  }
}

}  // namespace firstmile::media
