// H.265 SPS and hvcC: the parsers must survive any bytes, and an hvcC that parses and whose
// SPS parses must be rebuilt by build_hvcc with the same parameter sets.
#include <cstddef>
#include <cstdint>

#include "media/codec/h265.hpp"

using namespace firstmile;
using namespace firstmile::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);

  if (auto sps = parse_h265_sps(input); sps.ok()) {
    if (sps->width == 0 || sps->width > 16888 || sps->height == 0 || sps->height > 16888) {
      __builtin_trap();
    }
    if (sps->max_sub_layers < 1 || sps->max_sub_layers > 7) __builtin_trap();
    (void)h265_codec_string(*sps);
    (void)h265_profile_name(sps->general_profile_idc);
  }
  if (size > 1) {
    // Force an SPS NAL header so every input reaches the bit-level parser.
    Bytes forced(input.begin(), input.end());
    forced[0] = 0x42;
    forced[1] = 0x01;
    (void)parse_h265_sps(forced);
  }

  if (auto cfg = parse_hvcc(input); cfg.ok()) {
    if (cfg->length_size < 1 || cfg->length_size > 4) __builtin_trap();
    auto built = build_hvcc(cfg->vps, cfg->sps, cfg->pps);
    if (built.ok()) {
      auto again = parse_hvcc(*built);
      if (!again.ok() || again->vps != cfg->vps || again->sps != cfg->sps ||
          again->pps != cfg->pps) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
