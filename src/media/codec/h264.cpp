#include "media/codec/h264.hpp"

#include <cstdio>

#include "media/codec/bit_reader.hpp"
#include "media/codec/nal.hpp"
#include "media/codec/vui.hpp"

namespace firstmile::media {

namespace {

// Frame size limit: 1024 macroblocks (16384 samples) a side. Level 6.2 allows at most
// MaxFS = 139264 macroblocks (A.3.1: width and height <= Sqrt(8 * MaxFS) = 1055 MBs), so no
// conforming stream is refused, and width * height stays far from overflowing anything.
constexpr uint32_t kMaxMbsPerSide = 1024;

// Profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices
// (7.3.2.1.1, the `if (profile_idc == 100 || ...)` branch).
bool has_chroma_info(uint8_t profile_idc) {
  switch (profile_idc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

// scaling_list() (7.3.2.1.1.1): the values are not needed, only the bits skipped.
void skip_scaling_list(BitReader& br, int size) {
  int last_scale = 8;
  int next_scale = 8;
  for (int j = 0; j < size && br.ok(); ++j) {
    if (next_scale != 0) {
      const auto delta = static_cast<int>(br.se("delta_scale", -128, 127));
      next_scale = (last_scale + delta + 256) % 256;
    }
    if (next_scale != 0) last_scale = next_scale;
  }
}

// E.1.2 hrd_parameters(): read only to reach what follows it.
void skip_hrd(BitReader& br) {
  const uint32_t cpb_cnt = br.ue("cpb_cnt_minus1", 31) + 1;
  br.bits(4, "bit_rate_scale");
  br.bits(4, "cpb_size_scale");
  for (uint32_t i = 0; i < cpb_cnt && br.ok(); ++i) {
    br.ue("bit_rate_value_minus1");
    br.ue("cpb_size_value_minus1");
    br.flag("cbr_flag");
  }
  br.bits(5, "initial_cpb_removal_delay_length_minus1");
  br.bits(5, "cpb_removal_delay_length_minus1");
  br.bits(5, "dpb_output_delay_length_minus1");
  br.bits(5, "time_offset_length");
}

// vui_parameters() (E.1.1) up to and including the timing info: the frame rate.
void parse_vui_timing(BitReader& br, H264Sps& sps) {
  skip_vui_common(br);
  if (br.flag("timing_info_present_flag")) {
    const uint32_t num_units_in_tick = br.bits(32, "num_units_in_tick");
    const uint32_t time_scale = br.bits(32, "time_scale");
    br.flag("fixed_frame_rate_flag");
    // E.2.1: both "shall be greater than 0"; a zero leaves the rate unknown rather than
    // failing the SPS. One tick is a field period, so a frame is two ticks (equation E-7 uses
    // the same factor of 2 for DeltaTfiDivisor = 2 on frames).
    if (br.ok() && num_units_in_tick > 0 && time_scale > 0) {
      sps.frame_rate = static_cast<double>(time_scale) / (2.0 * num_units_in_tick);
    }
  }
}

// The rest of vui_parameters(): the reorder depth from the bitstream restriction.
void parse_vui_restriction(BitReader& br, H264Sps& sps) {
  const bool nal_hrd = br.flag("nal_hrd_parameters_present_flag");
  if (nal_hrd) skip_hrd(br);
  const bool vcl_hrd = br.flag("vcl_hrd_parameters_present_flag");
  if (vcl_hrd) skip_hrd(br);
  if (nal_hrd || vcl_hrd) br.flag("low_delay_hrd_flag");
  br.flag("pic_struct_present_flag");
  if (br.flag("bitstream_restriction_flag")) {
    br.flag("motion_vectors_over_pic_boundaries_flag");
    br.ue("max_bytes_per_pic_denom", 16);
    br.ue("max_bits_per_mb_denom", 16);
    br.ue("log2_max_mv_length_horizontal", 15);
    br.ue("log2_max_mv_length_vertical", 15);
    const uint32_t reorder = br.ue("max_num_reorder_frames", 16);
    br.ue("max_dec_frame_buffering", 16);
    if (br.ok()) sps.max_num_reorder_frames = reorder;
  }
}

void append_hex_byte(std::string& s, uint8_t v) {
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02x", v);
  s += buf;
}

}  // namespace

Result<H264Sps> parse_h264_sps(ByteSpan nal) {
  if (nal.size() < 4) return fail("h264 sps: ", nal.size(), " bytes is too short");
  if ((nal[0] & 0x80) != 0) return fail("h264 sps: forbidden_zero_bit set");
  if (h264::nal_type(nal[0]) != h264::kSps) {
    return fail("h264 sps: NAL unit type ", h264::nal_type(nal[0]), " is not an SPS");
  }
  const Bytes rbsp = nal_to_rbsp(nal.subspan(1));
  BitReader br(rbsp);
  H264Sps sps;

  // 7.3.2.1.1 seq_parameter_set_data()
  sps.profile_idc = static_cast<uint8_t>(br.bits(8, "profile_idc"));
  sps.constraint_flags = static_cast<uint8_t>(br.bits(8, "constraint_set_flags"));
  sps.level_idc = static_cast<uint8_t>(br.bits(8, "level_idc"));
  br.ue("seq_parameter_set_id", 31);
  bool separate_colour_plane = false;
  if (has_chroma_info(sps.profile_idc)) {
    sps.chroma_format_idc = br.ue("chroma_format_idc", 3);
    if (sps.chroma_format_idc == 3) separate_colour_plane = br.flag("separate_colour_plane_flag");
    sps.bit_depth_luma = 8 + br.ue("bit_depth_luma_minus8", 6);
    sps.bit_depth_chroma = 8 + br.ue("bit_depth_chroma_minus8", 6);
    br.flag("qpprime_y_zero_transform_bypass_flag");
    if (br.flag("seq_scaling_matrix_present_flag")) {
      const int lists = sps.chroma_format_idc != 3 ? 8 : 12;
      for (int i = 0; i < lists && br.ok(); ++i) {
        if (br.flag("seq_scaling_list_present_flag")) skip_scaling_list(br, i < 6 ? 16 : 64);
      }
    }
  }
  br.ue("log2_max_frame_num_minus4", 12);
  const uint32_t poc_type = br.ue("pic_order_cnt_type", 2);
  if (poc_type == 0) {
    br.ue("log2_max_pic_order_cnt_lsb_minus4", 12);
  } else if (poc_type == 1) {
    constexpr int64_t kOffsetMax = 2147483647;  // 7.4.2.1.1: -2^31 + 1 .. 2^31 - 1
    br.flag("delta_pic_order_always_zero_flag");
    br.se("offset_for_non_ref_pic", -kOffsetMax, kOffsetMax);
    br.se("offset_for_top_to_bottom_field", -kOffsetMax, kOffsetMax);
    const uint32_t cycle = br.ue("num_ref_frames_in_pic_order_cnt_cycle", 255);
    for (uint32_t i = 0; i < cycle && br.ok(); ++i) {
      br.se("offset_for_ref_frame", -kOffsetMax, kOffsetMax);
    }
  }
  br.ue("max_num_ref_frames", 16);  // A.3.1: at most MaxDpbFrames = 16
  br.flag("gaps_in_frame_num_value_allowed_flag");
  const uint32_t width_mbs = br.ue("pic_width_in_mbs_minus1", kMaxMbsPerSide - 1) + 1;
  const uint32_t height_map_units = br.ue("pic_height_in_map_units_minus1", kMaxMbsPerSide - 1) + 1;
  sps.frame_mbs_only = br.flag("frame_mbs_only_flag");
  if (!sps.frame_mbs_only) br.flag("mb_adaptive_frame_field_flag");
  br.flag("direct_8x8_inference_flag");
  uint32_t crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;
  if (br.flag("frame_cropping_flag")) {
    crop_left = br.ue("frame_crop_left_offset");
    crop_right = br.ue("frame_crop_right_offset");
    crop_top = br.ue("frame_crop_top_offset");
    crop_bottom = br.ue("frame_crop_bottom_offset");
  }
  if (br.flag("vui_parameters_present_flag")) {
    parse_vui_timing(br, sps);
    // What follows the timing info is optional to us: an SPS whose VUI is cut short after it
    // (some encoders write one) still parses, without a reorder depth.
    BitReader rest = br;
    parse_vui_restriction(rest, sps);
    if (!rest.ok()) sps.max_num_reorder_frames.reset();
  }
  if (!br.ok()) return fail("h264 sps: ", br.error());

  // 7.4.2.1.1: FrameHeightInMbs = (2 - frame_mbs_only_flag) * PicHeightInMapUnits (in field
  // coding a map unit is a pair of macroblocks, one per field).
  const uint32_t height_mbs = (sps.frame_mbs_only ? 1 : 2) * height_map_units;
  if (height_mbs > kMaxMbsPerSide) {
    return fail("h264 sps: frame height of ", height_mbs, " macroblocks is over the limit");
  }
  // Equations 7-19..7-22: crop offsets are in chroma sample units; with ChromaArrayType 0
  // (monochrome or separate planes) in luma samples. Vertical units double for field coding.
  const uint32_t chroma_array_type = separate_colour_plane ? 0 : sps.chroma_format_idc;
  const uint32_t sub_width_c = (chroma_array_type == 1 || chroma_array_type == 2) ? 2 : 1;
  const uint32_t sub_height_c = chroma_array_type == 1 ? 2 : 1;
  const uint64_t crop_unit_x = chroma_array_type == 0 ? 1 : sub_width_c;
  const uint64_t crop_unit_y =
      (chroma_array_type == 0 ? 1 : sub_height_c) * (sps.frame_mbs_only ? 1 : 2);
  const uint64_t coded_width = uint64_t{width_mbs} * 16;
  const uint64_t coded_height = uint64_t{height_mbs} * 16;
  const uint64_t crop_x = crop_unit_x * (uint64_t{crop_left} + crop_right);
  const uint64_t crop_y = crop_unit_y * (uint64_t{crop_top} + crop_bottom);
  if (crop_x >= coded_width || crop_y >= coded_height) {
    return fail("h264 sps: cropping ", crop_x, "x", crop_y, " leaves no picture of ", coded_width,
                "x", coded_height);
  }
  sps.width = static_cast<uint32_t>(coded_width - crop_x);
  sps.height = static_cast<uint32_t>(coded_height - crop_y);
  return sps;
}

Result<AvcConfig> parse_avcc(ByteSpan record) {
  // ISO/IEC 14496-15 5.3.3.1.2 AVCDecoderConfigurationRecord
  ByteReader r(record);
  AvcConfig cfg;
  const uint8_t version = r.u8();
  cfg.profile_idc = r.u8();
  cfg.profile_compat = r.u8();
  cfg.level_idc = r.u8();
  cfg.length_size = (r.u8() & 0x03) + 1;  // reserved '111111' + lengthSizeMinusOne
  const int num_sps = r.u8() & 0x1f;      // reserved '111' + numOfSequenceParameterSets
  if (!r.ok()) return fail("avcC: ", record.size(), " bytes is too short");
  if (version != 1) return fail("avcC: configurationVersion ", version, " is not 1");
  for (int i = 0; i < num_sps; ++i) {
    const uint16_t n = r.u16();
    ByteSpan nal = r.bytes(n);
    if (!r.ok()) return fail("avcC: SPS ", i, " runs past the end");
    if (n == 0) return fail("avcC: SPS ", i, " is empty");
    cfg.sps.emplace_back(nal.begin(), nal.end());
  }
  const int num_pps = r.u8();
  if (!r.ok()) return fail("avcC: PPS count missing");
  for (int i = 0; i < num_pps; ++i) {
    const uint16_t n = r.u16();
    ByteSpan nal = r.bytes(n);
    if (!r.ok()) return fail("avcC: PPS ", i, " runs past the end");
    if (n == 0) return fail("avcC: PPS ", i, " is empty");
    cfg.pps.emplace_back(nal.begin(), nal.end());
  }
  // For profiles 100, 110, 122 and 144 the record continues with chroma_format, bit depths and
  // SPS extensions. Many writers (old ffmpeg, Flash encoders) leave them out, and nothing here
  // needs them (the SPS carries the same values), so whatever follows is ignored.
  return cfg;
}

Bytes build_avcc(const std::vector<Bytes>& sps, const std::vector<Bytes>& pps) {
  Bytes out;
  ByteWriter w(out);
  const Bytes* first = sps.empty() ? nullptr : &sps.front();
  const bool has_header = first != nullptr && first->size() >= 4;
  w.u8(1);                             // configurationVersion
  w.u8(has_header ? (*first)[1] : 0);  // AVCProfileIndication = profile_idc
  w.u8(has_header ? (*first)[2] : 0);  // profile_compatibility = the constraint flags byte
  w.u8(has_header ? (*first)[3] : 0);  // AVCLevelIndication = level_idc
  w.u8(0xfc | 3);                      // reserved '111111', lengthSizeMinusOne = 3
  // Counts are 5 and 8 bits and lengths 16 bits: what does not fit is left out.
  std::vector<const Bytes*> sps_out, pps_out;
  for (const Bytes& s : sps) {
    if (!s.empty() && s.size() <= 0xffff && sps_out.size() < 31) sps_out.push_back(&s);
  }
  for (const Bytes& p : pps) {
    if (!p.empty() && p.size() <= 0xffff && pps_out.size() < 255) pps_out.push_back(&p);
  }
  w.u8(static_cast<uint8_t>(0xe0 | sps_out.size()));  // reserved '111' + numOfSequenceParameterSets
  for (const Bytes* s : sps_out) {
    w.u16(static_cast<uint16_t>(s->size()));
    w.bytes(*s);
  }
  w.u8(static_cast<uint8_t>(pps_out.size()));
  for (const Bytes* p : pps_out) {
    w.u16(static_cast<uint16_t>(p->size()));
    w.bytes(*p);
  }
  // 5.3.3.1.2: for profile_idc 100, 110, 122 and 144 the extension "shall" follow.
  if (has_header) {
    const uint8_t profile = (*first)[1];
    if (profile == 100 || profile == 110 || profile == 122 || profile == 144) {
      if (auto parsed = parse_h264_sps(*first)) {
        w.u8(static_cast<uint8_t>(0xfc | parsed->chroma_format_idc));
        w.u8(static_cast<uint8_t>(0xf8 | (parsed->bit_depth_luma - 8)));
        w.u8(static_cast<uint8_t>(0xf8 | (parsed->bit_depth_chroma - 8)));
        w.u8(0);  // numOfSequenceParameterSetExt
      }
    }
  }
  return out;
}

std::string h264_codec_string(const H264Sps& sps) {
  // RFC 6381 3.3: avc1.PPCCLL, the three SPS bytes in hexadecimal.
  std::string s = "avc1.";
  append_hex_byte(s, sps.profile_idc);
  append_hex_byte(s, sps.constraint_flags);
  append_hex_byte(s, sps.level_idc);
  return s;
}

std::string h264_profile_name(uint8_t profile_idc) {
  // Annex A.2 and the SVC/MVC annexes G, H, I.
  switch (profile_idc) {
    case 66:
      return "Baseline";
    case 77:
      return "Main";
    case 88:
      return "Extended";
    case 100:
      return "High";
    case 110:
      return "High 10";
    case 122:
      return "High 4:2:2";
    case 244:
      return "High 4:4:4 Predictive";
    case 44:
      return "CAVLC 4:4:4 Intra";
    case 83:
      return "Scalable Baseline";
    case 86:
      return "Scalable High";
    case 118:
      return "Multiview High";
    case 128:
      return "Stereo High";
    case 134:
      return "MFC High";
    case 135:
      return "MFC Depth High";
    case 138:
      return "Multiview Depth High";
    case 139:
      return "Enhanced Multiview Depth High";
    default:
      return "profile " + std::to_string(profile_idc);
  }
}

std::string h264_profile_name(const H264Sps& sps) {
  // constraint_set1_flag on Baseline is A.2.1.1 Constrained Baseline; constraint_set3_flag on
  // the High 10/4:2:2/4:4:4 profiles selects their Intra variants (A.2.8..A.2.10).
  const bool set1 = (sps.constraint_flags & 0x40) != 0;
  const bool set3 = (sps.constraint_flags & 0x10) != 0;
  if (sps.profile_idc == 66 && set1) return "Constrained Baseline";
  if (set3) {
    if (sps.profile_idc == 110) return "High 10 Intra";
    if (sps.profile_idc == 122) return "High 4:2:2 Intra";
    if (sps.profile_idc == 244) return "High 4:4:4 Intra";
  }
  return h264_profile_name(sps.profile_idc);
}

}  // namespace firstmile::media
