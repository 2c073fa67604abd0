#include "format/fmp4/progressive.hpp"

#include <algorithm>

#include "format/fmp4/box_writer.hpp"
#include "format/fmp4/movie_boxes.hpp"

namespace firstmile::format {

namespace {

uint64_t track_duration(const ProgressiveTrack& t) {
  uint64_t d = 0;
  for (const auto& s : t.samples)
    d += s.duration;
  return d;
}

// Track timescale units to movie timescale units (milliseconds), rounded.
uint64_t to_movie(uint64_t v, uint32_t timescale) {
  return static_cast<uint64_t>(
      (static_cast<unsigned __int128>(v) * kMovieTimescale + timescale / 2) / timescale);
}

void write_ftyp(BoxWriter& w) {
  // 'isom' with 'iso4' for version 1 ctts (signed composition offsets) and 'mp41', as MP4
  // readers expect of a plain file.
  w.begin(box_type("ftyp"));
  w.u32(box_type("isom"));
  w.u32(0x200);  // minor_version
  w.u32(box_type("isom"));
  w.u32(box_type("iso4"));
  w.u32(box_type("mp41"));
  w.end();
}

void write_edts(BoxWriter& w, uint64_t delay_movie, uint64_t duration_movie, int64_t media_time) {
  const bool wide = delay_movie > UINT32_MAX || duration_movie > UINT32_MAX;
  w.begin(box_type("edts"));
  w.begin_full(box_type("elst"), wide ? 1 : 0, 0);
  w.u32(delay_movie > 0 ? 2 : 1);
  auto entry = [&](uint64_t segment_duration, int64_t time) {
    if (wide) {
      w.u64(segment_duration);
      w.u64(static_cast<uint64_t>(time));
    } else {
      w.u32(static_cast<uint32_t>(segment_duration));
      w.u32(static_cast<uint32_t>(static_cast<int32_t>(time)));
    }
    w.u16(1);  // media_rate_integer
    w.u16(0);  // media_rate_fraction
  };
  if (delay_movie > 0) entry(delay_movie, -1);  // an empty edit: nothing plays for that long
  entry(duration_movie, media_time);
  w.end();  // elst
  w.end();  // edts
}

// A table of (count, value) runs over the samples (stts, ctts: 8.6.1.2, 8.6.1.3).
template <class Value>
void write_run_lengths(BoxWriter& w, uint32_t type, uint8_t version,
                       const std::vector<ProgressiveSample>& samples, Value value) {
  std::vector<std::pair<uint32_t, uint32_t>> runs;
  for (const auto& s : samples) {
    const uint32_t v = value(s);
    if (!runs.empty() && runs.back().second == v)
      ++runs.back().first;
    else
      runs.emplace_back(1, v);
  }
  w.begin_full(type, version, 0);
  w.u32(static_cast<uint32_t>(runs.size()));
  for (const auto& [count, v] : runs) {
    w.u32(count);
    w.u32(v);
  }
  w.end();
}

void write_tables(BoxWriter& w, const ProgressiveTrack& t, uint64_t base, bool co64) {
  w.begin(box_type("stbl"));
  w.bytes(t.header.stsd);

  write_run_lengths(w, box_type("stts"), 0, t.samples,
                    [](const ProgressiveSample& s) { return s.duration; });
  // ctts (version 1: signed offsets) only when some sample has an offset.
  const bool any_offset = std::any_of(t.samples.begin(), t.samples.end(),
                                      [](const auto& s) { return s.composition_offset != 0; });
  if (any_offset) {
    write_run_lengths(w, box_type("ctts"), 1, t.samples, [](const ProgressiveSample& s) {
      return static_cast<uint32_t>(s.composition_offset);
    });
  }

  // stss only when some sample is not a sync sample (8.6.2: absent means all are).
  const bool all_sync =
      std::all_of(t.samples.begin(), t.samples.end(), [](const auto& s) { return s.sync; });
  if (!all_sync) {
    uint32_t count = 0;
    for (const auto& s : t.samples)
      count += s.sync;
    w.begin_full(box_type("stss"), 0, 0);
    w.u32(count);
    for (size_t i = 0; i < t.samples.size(); ++i) {
      if (t.samples[i].sync) w.u32(static_cast<uint32_t>(i + 1));
    }
    w.end();
  }

  // stsc: first chunk (1-based) of each run of chunks with the same sample count.
  std::vector<std::pair<uint32_t, uint32_t>> stsc;  // (first_chunk, samples_per_chunk)
  for (size_t i = 0; i < t.chunks.size(); ++i) {
    if (stsc.empty() || stsc.back().second != t.chunks[i].samples)
      stsc.emplace_back(static_cast<uint32_t>(i + 1), t.chunks[i].samples);
  }
  w.begin_full(box_type("stsc"), 0, 0);
  w.u32(static_cast<uint32_t>(stsc.size()));
  for (const auto& [first, per] : stsc) {
    w.u32(first);
    w.u32(per);
    w.u32(1);  // sample_description_index
  }
  w.end();

  w.begin_full(box_type("stsz"), 0, 0);
  w.u32(0);  // sample_size: each is listed
  w.u32(static_cast<uint32_t>(t.samples.size()));
  for (const auto& s : t.samples)
    w.u32(s.size);
  w.end();

  w.begin_full(co64 ? box_type("co64") : box_type("stco"), 0, 0);
  w.u32(static_cast<uint32_t>(t.chunks.size()));
  for (const auto& c : t.chunks) {
    if (co64)
      w.u64(base + c.offset);
    else
      w.u32(static_cast<uint32_t>(base + c.offset));
  }
  w.end();
  w.end();  // stbl
}

// The whole header with chunk offsets counted from `base` (the first payload byte's position
// in the file).
Bytes build(const std::vector<const ProgressiveTrack*>& tracks, uint64_t payload_size,
            uint64_t base, bool co64) {
  // The movie starts with the earliest track; the others wait with an empty edit.
  double first = 0;
  bool have_first = false;
  for (const auto* t : tracks) {
    const double s = static_cast<double>(t->start) / t->header.timescale;
    if (!have_first || s < first) first = s;
    have_first = true;
  }
  uint64_t movie_duration = 0;
  uint32_t next_track_id = 1;
  std::vector<uint64_t> delays;
  for (const auto* t : tracks) {
    const double s = static_cast<double>(t->start) / t->header.timescale;
    const auto delay = static_cast<uint64_t>((s - first) * kMovieTimescale + 0.5);
    delays.push_back(delay);
    movie_duration =
        std::max(movie_duration, delay + to_movie(track_duration(*t), t->header.timescale));
    next_track_id = std::max(next_track_id, t->header.track_id + 1);
  }

  Bytes out;
  BoxWriter w(out);
  write_ftyp(w);
  w.begin(box_type("moov"));
  write_mvhd(w, movie_duration, next_track_id);
  for (size_t i = 0; i < tracks.size(); ++i) {
    const ProgressiveTrack& t = *tracks[i];
    const uint64_t duration = track_duration(t);
    const uint64_t duration_movie = to_movie(duration, t.header.timescale);
    w.begin(box_type("trak"));
    write_tkhd(w, t.header.track_id, t.header.audio, t.header.width, t.header.height,
               delays[i] + duration_movie);
    // The presentation starts at the first sample's composition time (B-frames put it after
    // its decode time), delayed by the track's late start.
    write_edts(w, delays[i], duration_movie, std::max(0, t.samples.front().composition_offset));
    w.begin(box_type("mdia"));
    write_mdhd(w, t.header.timescale, duration);
    write_hdlr(w, t.header.audio);
    w.begin(box_type("minf"));
    write_media_header_and_dinf(w, t.header.audio);
    write_tables(w, t, base, co64);
    w.end();  // minf
    w.end();  // mdia
    w.end();  // trak
  }
  w.end();  // moov
  if (payload_size + 8 > UINT32_MAX) {
    w.u32(1);
    w.u32(box_type("mdat"));
    w.u64(payload_size + 16);
  } else {
    w.u32(static_cast<uint32_t>(payload_size + 8));
    w.u32(box_type("mdat"));
  }
  return out;
}

}  // namespace

Bytes progressive_header(const std::vector<ProgressiveTrack>& tracks, uint64_t payload_size) {
  std::vector<const ProgressiveTrack*> present;
  for (const auto& t : tracks) {
    if (!t.samples.empty() && t.header.timescale > 0) present.push_back(&t);
  }
  // The header's size does not depend on the offsets' values, only on their width: measure it
  // once, then write it with the real base.
  bool co64 = false;
  uint64_t size = build(present, payload_size, 0, co64).size();
  if (size + payload_size > UINT32_MAX) {
    co64 = true;
    size = build(present, payload_size, 0, co64).size();
  }
  return build(present, payload_size, size, co64);
}

}  // namespace firstmile::format
