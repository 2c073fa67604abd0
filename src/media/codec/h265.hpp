#pragma once
// H.265 / HEVC: VPS/SPS parsing (ITU-T H.265 section 7.3.2) and the
// HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 section 8.3.3.1).
#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::media {

namespace h265 {
enum NalType : uint8_t {
  kIdrWRadl = 19,
  kIdrNLp = 20,
  kCraNut = 21,
  kVps = 32,
  kSps = 33,
  kPps = 34,
  kAud = 35,
  kPrefixSei = 39,
};
inline uint8_t nal_type(uint8_t first_byte) {
  return (first_byte >> 1) & 0x3f;
}
// IRAP pictures (BLA, IDR, CRA: types 16..23) are random access points.
inline bool is_irap(uint8_t type) {
  return type >= 16 && type <= 23;
}
}  // namespace h265

struct H265Sps {
  uint8_t general_profile_space = 0;
  bool general_tier_flag = false;
  uint8_t general_profile_idc = 0;
  uint32_t general_profile_compatibility_flags = 0;
  uint64_t general_constraint_indicator_flags = 0;  // 48 bits
  uint8_t general_level_idc = 0;
  uint32_t chroma_format_idc = 1;
  uint32_t bit_depth_luma = 8;
  uint32_t bit_depth_chroma = 8;
  uint8_t max_sub_layers = 1;        // sps_max_sub_layers_minus1 + 1
  bool temporal_id_nesting = false;  // sps_temporal_id_nesting_flag
  uint32_t width = 0;                // after the conformance window
  uint32_t height = 0;               // after the conformance window
  double frame_rate = 0;             // from VUI timing when present; 0 if absent
  // sps_max_num_reorder_pics of the highest sub-layer (7.4.3.2.1): 0 without B-frames.
  uint32_t max_num_reorder_pics = 0;
};

// Parses an SPS NAL unit (including its 2-byte NAL header, emulation prevention still in).
Result<H265Sps> parse_h265_sps(ByteSpan nal);

struct HevcConfig {
  uint8_t general_profile_space = 0;
  bool general_tier_flag = false;
  uint8_t general_profile_idc = 0;
  uint32_t general_profile_compatibility_flags = 0;
  uint64_t general_constraint_indicator_flags = 0;
  uint8_t general_level_idc = 0;
  int length_size = 4;
  std::vector<Bytes> vps;  // NAL units, with NAL header
  std::vector<Bytes> sps;
  std::vector<Bytes> pps;
};

Result<HevcConfig> parse_hvcc(ByteSpan record);
// Builds an hvcC record (lengthSizeMinusOne = 3) from VPS/SPS/PPS NAL units; the profile fields
// come from the first SPS.
Result<Bytes> build_hvcc(const std::vector<Bytes>& vps, const std::vector<Bytes>& sps,
                         const std::vector<Bytes>& pps);

// RFC 6381 / ISO 14496-15 annex E codecs value, e.g. "hvc1.1.6.L93.B0".
std::string h265_codec_string(const H265Sps& sps);
std::string h265_profile_name(uint8_t general_profile_idc);

}  // namespace firstmile::media
