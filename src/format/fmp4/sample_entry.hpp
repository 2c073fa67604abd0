#pragma once
// Sample entries for the fMP4 muxer's stsd (ISO/IEC 14496-12 8.5.2): 'avc1'/'hvc1' with the
// avcC/hvcC record, 'mp4a' with an esds around the AudioSpecificConfig, 'Opus' with dOps.
#include <cstdint>

#include "format/fmp4/box_writer.hpp"
#include "media/track.hpp"

namespace firstmile::format {

constexpr uint32_t kOpusTimescale = 48000;  // Opus-in-ISOBMFF 4.3: Opus always runs at 48 kHz

// Appends the one sample entry for `info` (codec H264, H265, AAC or Opus). `timescale` is the
// track's media timescale, which is the sample rate for audio.
void write_sample_entry(BoxWriter& w, const media::TrackInfo& info, uint32_t timescale);

}  // namespace firstmile::format
