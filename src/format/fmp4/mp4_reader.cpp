#include "format/fmp4/mp4_reader.hpp"

#include "format/fmp4/box_writer.hpp"
#include "format/fmp4/fragment_flags.hpp"

namespace firstmile::format {

namespace {

// Calls f(type, body, header_size) for each box of a container body; false when a box runs
// past the body (a size of 0 takes the rest).
template <class F>
bool for_each_box(ByteSpan body, F&& f) {
  size_t pos = 0;
  while (pos < body.size()) {
    auto h = read_box_header(body.subspan(pos));
    if (!h) return false;
    const uint64_t size = h->size == 0 ? body.size() - pos : h->size;
    if (size > body.size() - pos) return false;
    if (!f(h->type, body.subspan(pos + h->header_size, size - h->header_size), h->header_size))
      return true;
    pos += size;
  }
  return true;
}

// The first child of `type`, if any.
std::optional<ByteSpan> child(ByteSpan body, uint32_t type) {
  std::optional<ByteSpan> found;
  for_each_box(body, [&](uint32_t t, ByteSpan b, uint32_t) {
    if (t != type) return true;
    found = b;
    return false;
  });
  return found;
}

std::optional<ByteSpan> path(ByteSpan body, std::initializer_list<uint32_t> types) {
  std::optional<ByteSpan> at = body;
  for (uint32_t t : types) {
    at = child(*at, t);
    if (!at) return std::nullopt;
  }
  return at;
}

Result<Mp4TrackHeader> parse_trak(ByteSpan trak) {
  Mp4TrackHeader t;
  auto tkhd = child(trak, box_type("tkhd"));
  auto mdhd = path(trak, {box_type("mdia"), box_type("mdhd")});
  auto hdlr = path(trak, {box_type("mdia"), box_type("hdlr")});
  auto stbl = path(trak, {box_type("mdia"), box_type("minf"), box_type("stbl")});
  if (!tkhd || !mdhd || !hdlr || !stbl) return fail("trak without tkhd, mdhd, hdlr or stbl");

  ByteReader r(*tkhd);
  const uint8_t version = r.u8();
  r.skip(3);
  r.skip(version == 1 ? 16 : 8);  // creation and modification times
  t.track_id = r.u32();
  r.skip(4 + (version == 1 ? 8 : 4) + 8 + 2 + 2 + 2 + 2 + 36);
  t.width = r.u32() >> 16;
  t.height = r.u32() >> 16;
  if (!r.ok() || t.track_id == 0) return fail("short or invalid tkhd");

  ByteReader m(*mdhd);
  const uint8_t mversion = m.u8();
  m.skip(3);
  m.skip(mversion == 1 ? 16 : 8);
  t.timescale = m.u32();
  if (!m.ok() || t.timescale == 0) return fail("short mdhd or a zero timescale");

  ByteReader h(*hdlr);
  h.skip(4 + 4);
  const uint32_t handler = h.u32();
  if (!h.ok()) return fail("short hdlr");
  if (handler != box_type("vide") && handler != box_type("soun")) return fail("not media");
  t.audio = handler == box_type("soun");

  // The stsd box whole (header and body), as a progressive file repeats it.
  bool found = false;
  size_t pos = 0;
  while (pos < stbl->size()) {
    auto bh = read_box_header(stbl->subspan(pos));
    if (!bh || bh->size == 0 || bh->size > stbl->size() - pos) break;
    if (bh->type == box_type("stsd")) {
      auto whole = stbl->subspan(pos, bh->size);
      t.stsd.assign(whole.begin(), whole.end());
      found = true;
      break;
    }
    pos += bh->size;
  }
  if (!found) return fail("trak without stsd");
  return t;
}

}  // namespace

std::optional<Mp4BoxHeader> read_box_header(ByteSpan data) {
  ByteReader r(data);
  Mp4BoxHeader h;
  const uint32_t size32 = r.u32();
  h.type = r.u32();
  h.header_size = 8;
  h.size = size32;
  if (size32 == 1) {
    h.size = r.u64();
    h.header_size = 16;
  }
  if (!r.ok()) return std::nullopt;
  if (h.size != 0 && h.size < h.header_size) return std::nullopt;
  return h;
}

Result<std::vector<Mp4TrackHeader>> parse_movie(ByteSpan moov_body, size_t max_tracks) {
  std::vector<Mp4TrackHeader> tracks;
  std::optional<Error> error;
  const bool whole = for_each_box(moov_body, [&](uint32_t type, ByteSpan body, uint32_t) {
    if (type != box_type("trak")) return true;
    auto t = parse_trak(body);
    if (!t) {
      if (t.error().message == "not media") return true;
      error = t.error();
      return false;
    }
    for (const auto& other : tracks) {
      if (other.track_id == t->track_id) {
        error = fail("two tracks with id ", t->track_id);
        return false;
      }
    }
    tracks.push_back(std::move(*t));
    return tracks.size() < max_tracks;
  });
  if (error) return *error;
  if (!whole) return fail("a box runs past the moov");
  if (tracks.empty()) return fail("no video or audio track");
  return tracks;
}

Result<Mp4Fragment> parse_moof(ByteSpan moof_body, size_t max_samples) {
  Mp4Fragment frag;
  std::optional<Error> error;
  size_t total = 0;
  auto traf = [&](ByteSpan body) -> std::optional<Error> {
    auto tfhd = child(body, box_type("tfhd"));
    auto tfdt = child(body, box_type("tfdt"));
    if (!tfhd || !tfdt) return fail("traf without tfhd or tfdt");
    ByteReader h(*tfhd);
    const uint32_t hflags = h.u32() & 0xffffff;
    const uint32_t track_id = h.u32();
    if (hflags & kTfhdBaseDataOffset) return fail("absolute base data offsets are not read");
    if (hflags & kTfhdSampleDescriptionIndex) h.skip(4);
    const uint32_t default_duration = (hflags & kTfhdDefaultDuration) ? h.u32() : 0;
    const uint32_t default_size = (hflags & kTfhdDefaultSize) ? h.u32() : 0;
    const uint32_t default_flags = (hflags & kTfhdDefaultFlags) ? h.u32() : 0;
    if (!h.ok()) return fail("short tfhd");
    ByteReader d(*tfdt);
    const uint8_t dversion = d.u8();
    d.skip(3);
    const uint64_t decode_time = dversion == 1 ? d.u64() : d.u32();
    if (!d.ok()) return fail("short tfdt");

    std::optional<Error> run_error;
    for_each_box(body, [&](uint32_t type, ByteSpan trun, uint32_t) {
      if (type != box_type("trun")) return true;
      ByteReader r(trun);
      const uint8_t version = r.u8();
      const uint32_t flags = r.u24();
      const uint32_t count = r.u32();
      if (!(flags & kTrunDataOffset)) {
        run_error = fail("trun without a data offset");
        return false;
      }
      const int32_t offset = static_cast<int32_t>(r.u32());
      const uint32_t first_flags = (flags & kTrunFirstSampleFlags) ? r.u32() : default_flags;
      const size_t per_sample =
          4 * (((flags & kTrunSampleDuration) != 0) + ((flags & kTrunSampleSize) != 0) +
               ((flags & kTrunSampleFlags) != 0) + ((flags & kTrunCompositionOffsets) != 0));
      if (!r.ok() || offset < 0 || static_cast<uint64_t>(count) * per_sample > r.remaining() ||
          count > max_samples - total) {
        run_error = fail("invalid trun");
        return false;
      }
      Mp4TrackRun run;
      run.track_id = track_id;
      run.decode_time = decode_time;
      run.data_offset = static_cast<uint64_t>(offset);
      run.samples.reserve(count);
      for (uint32_t i = 0; i < count; ++i) {
        Mp4Sample s;
        s.duration = (flags & kTrunSampleDuration) ? r.u32() : default_duration;
        s.size = (flags & kTrunSampleSize) ? r.u32() : default_size;
        s.flags = (flags & kTrunSampleFlags) ? r.u32() : (i == 0 ? first_flags : default_flags);
        if (flags & kTrunCompositionOffsets) {
          const uint32_t v = r.u32();
          // Version 0 offsets are unsigned; larger than INT32_MAX is not a real stream.
          s.composition_offset =
              version == 0 && v > INT32_MAX ? INT32_MAX : static_cast<int32_t>(v);
        }
        run.samples.push_back(s);
      }
      total += count;
      frag.runs.push_back(std::move(run));
      return true;
    });
    return run_error;
  };
  const bool whole = for_each_box(moof_body, [&](uint32_t type, ByteSpan body, uint32_t) {
    if (type == box_type("mfhd")) {
      ByteReader r(body);
      r.skip(4);
      frag.sequence_number = r.u32();
      if (!r.ok()) error = fail("short mfhd");
    } else if (type == box_type("traf")) {
      error = traf(body);
    }
    return !error;
  });
  if (error) return *error;
  if (!whole) return fail("a box runs past the moof");
  return frag;
}

}  // namespace firstmile::format
