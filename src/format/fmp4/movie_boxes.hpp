#pragma once
// The movie and track header boxes (ISO/IEC 14496-12 8.2-8.4, 8.7) that the fragmented muxer's
// init segment and a progressive MP4 both write: one writer, with the durations a progressive
// file knows and a fragmented one leaves at zero. Pure byte code. Namespace: firstmile::format.
#include <cstdint>

#include "format/fmp4/box_writer.hpp"

namespace firstmile::format {

constexpr uint32_t kMovieTimescale = 1000;  // mvhd, tkhd and elst durations: milliseconds

// mvhd (8.2.2); version 1 when the duration needs 64 bits.
void write_mvhd(BoxWriter& w, uint64_t duration, uint32_t next_track_id);
// tkhd (8.3.2), enabled and in the movie. Width and height are 0 for audio.
void write_tkhd(BoxWriter& w, uint32_t track_id, bool audio, uint32_t width, uint32_t height,
                uint64_t duration);
// mdhd (8.4.2), language "und".
void write_mdhd(BoxWriter& w, uint32_t timescale, uint64_t duration);
// hdlr (8.4.3): 'vide' or 'soun'.
void write_hdlr(BoxWriter& w, bool audio);
// The media information header (vmhd or smhd, 12.1.2 and 12.2.2) and dinf with one
// self-contained data reference (8.7.1): what minf holds before its stbl.
void write_media_header_and_dinf(BoxWriter& w, bool audio);

}  // namespace firstmile::format
