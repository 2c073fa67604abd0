// H.264 parameter sets and NAL framing: every parser must survive any bytes, and what parses
// must round-trip (avcC build -> parse, Annex-B <-> length-prefixed conversion).
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "media/codec/h264.hpp"
#include "media/codec/nal.hpp"

using namespace firstmile;
using namespace firstmile::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);

  // The whole input as an SPS NAL unit, and with an SPS header forced on it so the bit-level
  // parser is reached for every input.
  if (auto sps = parse_h264_sps(input); sps.ok()) {
    if (sps->width == 0 || sps->width > 16384 || sps->height == 0 || sps->height > 16384) {
      __builtin_trap();
    }
    if (h264_codec_string(*sps).size() != 11) __builtin_trap();
    (void)h264_profile_name(*sps);
  }
  if (size > 0) {
    Bytes forced(input.begin(), input.end());
    forced[0] = 0x67;
    (void)parse_h264_sps(forced);
  }

  // avcC: whatever parses is rebuilt identically (parameter set lists) by build_avcc.
  if (auto cfg = parse_avcc(input); cfg.ok()) {
    if (cfg->length_size < 1 || cfg->length_size > 4) __builtin_trap();
    auto again = parse_avcc(build_avcc(cfg->sps, cfg->pps));
    if (!again.ok() || again->sps != cfg->sps || again->pps != cfg->pps) __builtin_trap();
  }

  // Annex-B: units are non-empty, never end in a zero byte, and survive the trip through the
  // length-prefixed form.
  const std::vector<ByteSpan> nals = split_annexb(input);
  for (ByteSpan nal : nals) {
    if (nal.empty() || nal.back() == 0) __builtin_trap();
    if (nal.data() < data || nal.data() + nal.size() > data + size) __builtin_trap();
  }
  const Bytes avcc = annexb_to_avcc(input);
  Bytes annexb;
  if (!avcc_to_annexb(avcc, annexb)) __builtin_trap();
  const std::vector<ByteSpan> again = split_annexb(annexb);
  if (again.size() != nals.size()) __builtin_trap();
  for (size_t i = 0; i < nals.size(); ++i) {
    if (!std::equal(nals[i].begin(), nals[i].end(), again[i].begin(), again[i].end())) {
      __builtin_trap();
    }
  }

  // The input as a length-prefixed payload with each NAL length size.
  for (int length_size = 1; length_size <= 4; ++length_size) {
    Bytes out;
    (void)avcc_to_annexb(input, out, length_size);
  }
  if (nal_to_rbsp(input).size() > size) __builtin_trap();
  return 0;
}
