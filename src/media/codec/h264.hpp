#pragma once
// H.264 / AVC: SPS parsing (ITU-T H.264 section 7.3.2.1.1) and the AVCDecoderConfigurationRecord
// (ISO/IEC 14496-15 section 5.3.3.1).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::media {

namespace h264 {
enum NalType : uint8_t {
  kSlice = 1,
  kIdr = 5,
  kSei = 6,
  kSps = 7,
  kPps = 8,
  kAud = 9,
};
inline uint8_t nal_type(uint8_t first_byte) {
  return first_byte & 0x1f;
}
}  // namespace h264

struct H264Sps {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;  // the byte after profile_idc
  uint8_t level_idc = 0;
  uint32_t chroma_format_idc = 1;
  uint32_t bit_depth_luma = 8;
  uint32_t bit_depth_chroma = 8;
  bool frame_mbs_only = true;  // false: coded as fields or MBAFF (interlaced)
  uint32_t width = 0;          // after frame cropping
  uint32_t height = 0;         // after frame cropping
  double frame_rate =
      0;  // from VUI timing info (time_scale / (2 * num_units_in_tick)); 0 if absent
  // From the VUI bitstream restriction (E.2.1): how many frames may precede a frame in decode
  // order and follow it in output order (0 without B-frames). nullopt when the VUI does not say.
  std::optional<uint32_t> max_num_reorder_frames;
};

// Parses an SPS NAL unit (including its 1-byte NAL header, emulation prevention still in).
Result<H264Sps> parse_h264_sps(ByteSpan nal);

struct AvcConfig {
  uint8_t profile_idc = 0;
  uint8_t profile_compat = 0;
  uint8_t level_idc = 0;
  int length_size = 4;     // NAL length field size, 1..4
  std::vector<Bytes> sps;  // NAL units, with NAL header
  std::vector<Bytes> pps;
};

Result<AvcConfig> parse_avcc(ByteSpan record);
// Builds an avcC record (lengthSizeMinusOne = 3) from SPS and PPS NAL units.
Bytes build_avcc(const std::vector<Bytes>& sps, const std::vector<Bytes>& pps);

// RFC 6381 codecs value, e.g. "avc1.64001f".
std::string h264_codec_string(const H264Sps& sps);

// Profile name for display: "Baseline", "Main", "High", "High 10", ... or "profile N".
std::string h264_profile_name(uint8_t profile_idc);
// The same, refined by the constraint flags (A.2): "Constrained Baseline", "High 10 Intra", ...
std::string h264_profile_name(const H264Sps& sps);

}  // namespace firstmile::media
