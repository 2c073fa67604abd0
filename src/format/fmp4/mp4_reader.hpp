#pragma once
// Reads what a fragmented MP4 file holds (ISO/IEC 14496-12): box headers, the tracks of its
// init movie (moov) and the sample runs of each movie fragment (moof), so that a recording can
// be rewritten as a progressive MP4 or cut to a time range from the file alone (after a crash
// too). Pure functions of the bytes: the file may be truncated or hostile. Namespace:
// firstmile::format.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::format {

struct Mp4BoxHeader {
  uint32_t type = 0;
  uint64_t size = 0;         // the whole box, header included; 0: it runs to the end of the file
  uint32_t header_size = 0;  // 8, or 16 with a 64-bit largesize
};

// The header of the box at the start of `data`; nothing when fewer bytes than the header are
// there or the size is smaller than the header.
std::optional<Mp4BoxHeader> read_box_header(ByteSpan data);

// One track of the init movie, as far as a progressive rewrite needs it.
struct Mp4TrackHeader {
  uint32_t track_id = 0;
  uint32_t timescale = 0;  // mdhd
  bool audio = false;      // hdlr 'soun' (else 'vide')
  uint32_t width = 0;      // tkhd, integer part
  uint32_t height = 0;
  Bytes stsd;  // the whole sample description box, copied as it is
};

// The tracks of a moov body (the bytes after its header). Tracks other than video and audio
// are skipped; at most `max_tracks` are read.
Result<std::vector<Mp4TrackHeader>> parse_movie(ByteSpan moov_body, size_t max_tracks = 8);

struct Mp4Sample {
  uint32_t duration = 0;
  uint32_t size = 0;
  uint32_t flags = 0;  // 8.8.3.1: bit 16 (0x10000) is sample_is_non_sync_sample
  int32_t composition_offset = 0;

  bool sync() const { return (flags & 0x00010000) == 0; }  // kNonSyncSampleBit
};

struct Mp4TrackRun {
  uint32_t track_id = 0;
  uint64_t decode_time = 0;  // tfdt, in the track's timescale
  uint64_t data_offset = 0;  // of the first sample, from the first byte of the moof
  std::vector<Mp4Sample> samples;
};

struct Mp4Fragment {
  uint32_t sequence_number = 0;
  std::vector<Mp4TrackRun> runs;  // one per trun
};

// The runs of a moof body (the bytes after its header). Every trun needs a tfdt and a data
// offset; runs that would reach before the moof are refused; at most `max_samples` samples in
// all.
Result<Mp4Fragment> parse_moof(ByteSpan moof_body, size_t max_samples = 1 << 20);

}  // namespace firstmile::format
