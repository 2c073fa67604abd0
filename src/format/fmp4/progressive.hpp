#pragma once
// A progressive MP4 (ISO/IEC 14496-12 with the moov before the media data, "faststart"): the
// header of a file whose one mdat holds the samples of every track in chunks, as a finished
// recording is written from its fragmented form. Pure byte code. Namespace: firstmile::format.
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "format/fmp4/mp4_reader.hpp"

namespace firstmile::format {

struct ProgressiveSample {
  uint32_t duration = 0;  // track timescale
  uint32_t size = 0;
  int32_t composition_offset = 0;
  bool sync = true;
};

// A run of consecutive samples of one track, stored contiguously.
struct ProgressiveChunk {
  uint64_t offset = 0;  // from the first byte of the mdat payload
  uint32_t samples = 0;
};

struct ProgressiveTrack {
  Mp4TrackHeader header;
  // Decode time of the first sample in the track's timescale: tracks that start later than the
  // earliest one get an empty edit (8.6.6), so they stay in sync with it.
  uint64_t start = 0;
  std::vector<ProgressiveSample> samples;
  std::vector<ProgressiveChunk> chunks;  // in order; their sample counts add up to samples
};

// ftyp + moov + the mdat header for an mdat payload of `payload_size` bytes that directly
// follows: the file is these bytes and then the payload. Tracks without samples are left out.
// Chunk offsets take 64 bits (co64) only when the file needs them.
Bytes progressive_header(const std::vector<ProgressiveTrack>& tracks, uint64_t payload_size);

}  // namespace firstmile::format
