#pragma once
// Turns a recording written as fragmented MP4 (what survives a crash) into a progressive MP4
// with its moov before the media data (what players and editors seek in at once). Works from
// the file alone, so a recording left fragmented by a killed server is finished the same way.
// Blocking file I/O: call it off the media threads.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "format/fmp4/mp4_reader.hpp"

namespace firstmile::record {

// Where each fragment of a fragmented MP4 keeps its samples.
struct FragmentIndex {
  uint64_t payload_offset = 0;  // first byte of the fragment's mdat payload in the file
  uint64_t payload_size = 0;
  // The fragment's runs, data offsets made absolute (from the start of the file).
  std::vector<format::Mp4TrackRun> runs;
};

struct FragmentedMp4 {
  std::vector<format::Mp4TrackHeader> tracks;
  std::vector<FragmentIndex> fragments;  // complete ones, in file order
  uint64_t file_size = 0;
  uint64_t complete_size = 0;  // up to the end of the last complete fragment
};

// Reads the init movie and every complete fragment (moof + its whole mdat). A fragment cut
// short by the end of the file ends the index; a box that makes no sense is an error.
Result<FragmentedMp4> index_fragmented_mp4(const std::filesystem::path& path);

// True when a moof comes before any mdat among the file's first top-level boxes: only box
// headers are read, so old finished recordings cost a few reads each.
bool looks_fragmented(const std::filesystem::path& path);

struct FinalizedMp4 {
  uint64_t size = 0;           // bytes of the progressive file
  double duration = 0;         // seconds, the longest track
  uint64_t fragments = 0;      // fragments carried over
  uint64_t dropped_bytes = 0;  // a truncated tail left out
};

// "what: <strerror(errno)>", for a failed file operation.
std::string os_error(const char* what);

// Writes the progressive form of `path` to `path` + ".tmp", flushes it to disk and renames it
// over `path`. On error `path` is left as it was.
Result<FinalizedMp4> finalize_mp4(const std::filesystem::path& path);

}  // namespace firstmile::record
