// A recording's MP4 file as the finalizer reads it back (after a crash the disk may hold
// anything): the top-level boxes, the init movie's tracks and each fragment's runs, then the
// progressive header built from them.
// Checks: a run's samples fit the limit asked for; the header built from what was read walks
// as ftyp, moov and an mdat header whose size is the payload's.
#include <cstddef>
#include <cstdint>
#include <map>

#include "format/fmp4/box_writer.hpp"
#include "format/fmp4/mp4_reader.hpp"
#include "format/fmp4/progressive.hpp"

using namespace firstmile;
using namespace firstmile::format;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan all(data, size);
  std::vector<ProgressiveTrack> tracks;
  std::map<uint32_t, size_t> by_id;
  uint64_t payload = 0;
  size_t pos = 0;
  while (pos < all.size()) {
    auto h = read_box_header(all.subspan(pos));
    if (!h) break;
    const uint64_t box = h->size == 0 ? all.size() - pos : h->size;
    if (box > all.size() - pos) break;
    const ByteSpan body = all.subspan(pos + h->header_size, box - h->header_size);
    if (h->type == box_type("moov") && tracks.empty()) {
      if (auto movie = parse_movie(body)) {
        for (auto& t : *movie) {
          by_id[t.track_id] = tracks.size();
          ProgressiveTrack track;
          track.header = std::move(t);
          tracks.push_back(std::move(track));
        }
      }
    } else if (h->type == box_type("moof")) {
      constexpr size_t kLimit = 4096;
      if (auto frag = parse_moof(body, kLimit)) {
        size_t samples = 0;
        for (const auto& run : frag->runs) {
          samples += run.samples.size();
          auto it = by_id.find(run.track_id);
          if (it == by_id.end() || run.samples.empty()) continue;
          ProgressiveTrack& t = tracks[it->second];
          t.chunks.push_back({.offset = payload + run.data_offset,
                              .samples = static_cast<uint32_t>(run.samples.size())});
          for (const auto& s : run.samples)
            t.samples.push_back({s.duration, s.size, s.composition_offset, s.sync()});
        }
        if (samples > kLimit) __builtin_trap();
      }
      payload += box;
    }
    pos += box;
  }
  const Bytes header = progressive_header(tracks, payload);
  size_t at = 0;
  for (uint32_t type : {box_type("ftyp"), box_type("moov")}) {
    auto h = read_box_header(ByteSpan(header).subspan(at));
    if (!h || h->type != type || h->size > header.size() - at) __builtin_trap();
    at += h->size;
  }
  auto mdat = read_box_header(ByteSpan(header).subspan(at));
  if (!mdat || mdat->type != box_type("mdat") || at + mdat->header_size != header.size() ||
      mdat->size != payload + mdat->header_size)
    __builtin_trap();
  return 0;
}
