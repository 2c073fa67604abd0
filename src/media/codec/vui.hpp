#pragma once
// The start of vui_parameters() that H.264 (ITU-T H.264 E.1.1) and H.265 (ITU-T H.265 E.2.1)
// share field for field: aspect ratio, overscan, video signal type, chroma sample location.
// Nothing here is needed, but it has to be read to reach the timing information after it.
#include "media/codec/bit_reader.hpp"

namespace firstmile::media {

inline void skip_vui_common(BitReader& br) {
  if (br.flag("aspect_ratio_info_present_flag")) {
    constexpr uint32_t kExtendedSar = 255;  // Table E-1
    if (br.bits(8, "aspect_ratio_idc") == kExtendedSar) {
      br.bits(16, "sar_width");
      br.bits(16, "sar_height");
    }
  }
  if (br.flag("overscan_info_present_flag")) br.flag("overscan_appropriate_flag");
  if (br.flag("video_signal_type_present_flag")) {
    br.bits(3, "video_format");
    br.flag("video_full_range_flag");
    if (br.flag("colour_description_present_flag")) {
      br.bits(8, "colour_primaries");
      br.bits(8, "transfer_characteristics");
      br.bits(8, "matrix_coefficients");
    }
  }
  if (br.flag("chroma_loc_info_present_flag")) {
    br.ue("chroma_sample_loc_type_top_field", 5);
    br.ue("chroma_sample_loc_type_bottom_field", 5);
  }
}

}  // namespace firstmile::media
