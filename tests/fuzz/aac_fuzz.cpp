// AudioSpecificConfig and ADTS: the parsers must survive any bytes, and what parses must come
// back unchanged through the writers (build_audio_specific_config, write_adts_header).
#include <cstddef>
#include <cstdint>

#include "media/codec/aac.hpp"

using namespace firstmile;
using namespace firstmile::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);

  if (auto asc = parse_audio_specific_config(input); asc.ok()) {
    auto again = parse_audio_specific_config(build_audio_specific_config(*asc));
    if (!again.ok() || again->object_type != asc->object_type ||
        again->sample_rate != asc->sample_rate || again->channel_config != asc->channel_config) {
      __builtin_trap();
    }
    (void)aac_codec_string(*asc);
  }

  // Walk the input as an ADTS stream, as the MPEG-TS demuxer would, re-writing each header.
  size_t pos = 0;
  for (int frames = 0; frames < 64 && pos < size; ++frames) {
    auto h = parse_adts_header(input.subspan(pos));
    if (!h.ok()) break;
    if (h->frame_length < h->header_size || h->frame_length > 0x1fff) __builtin_trap();
    Bytes header;
    write_adts_header(header, h->config, h->frame_length - kAdtsHeaderSize);
    auto back = parse_adts_header(header);
    if (!back.ok() || back->frame_length != h->frame_length ||
        back->config.object_type != h->config.object_type ||
        back->config.sample_rate != h->config.sample_rate ||
        back->config.channel_config != h->config.channel_config) {
      __builtin_trap();
    }
    pos += h->frame_length;
  }
  return 0;
}
