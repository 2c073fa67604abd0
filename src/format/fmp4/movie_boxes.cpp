#include "format/fmp4/movie_boxes.hpp"

#include <string_view>

namespace firstmile::format {

namespace {

constexpr uint16_t kLanguageUnd = 0x55c4;  // ISO-639-2/T "und", 5 bits per letter - 0x60

void write_unity_matrix(BoxWriter& w) {
  for (uint32_t v : {0x00010000u, 0u, 0u, 0u, 0x00010000u, 0u, 0u, 0u, 0x40000000u})
    w.u32(v);
}

bool needs_64_bits(uint64_t duration) {
  return duration > UINT32_MAX;
}

// creation_time and modification_time (0: unknown), then the fields between them and the
// duration, then the duration, in the box version's width.
void write_times(BoxWriter& w, bool wide) {
  if (wide) {
    w.u64(0);
    w.u64(0);
  } else {
    w.u32(0);
    w.u32(0);
  }
}

void write_duration(BoxWriter& w, bool wide, uint64_t duration) {
  if (wide)
    w.u64(duration);
  else
    w.u32(static_cast<uint32_t>(duration));
}

}  // namespace

void write_mvhd(BoxWriter& w, uint64_t duration, uint32_t next_track_id) {
  const bool wide = needs_64_bits(duration);
  w.begin_full(box_type("mvhd"), wide ? 1 : 0, 0);
  write_times(w, wide);
  w.u32(kMovieTimescale);
  write_duration(w, wide, duration);
  w.u32(0x00010000);  // rate 1.0
  w.u16(0x0100);      // volume 1.0
  w.fill(0, 2 + 8);   // reserved
  write_unity_matrix(w);
  w.fill(0, 6 * 4);  // pre_defined
  w.u32(next_track_id);
  w.end();
}

void write_tkhd(BoxWriter& w, uint32_t track_id, bool audio, uint32_t width, uint32_t height,
                uint64_t duration) {
  const bool wide = needs_64_bits(duration);
  w.begin_full(box_type("tkhd"), wide ? 1 : 0, 0x000003);  // track_enabled | track_in_movie
  write_times(w, wide);
  w.u32(track_id);
  w.u32(0);  // reserved
  write_duration(w, wide, duration);
  w.fill(0, 8);               // reserved
  w.u16(0);                   // layer
  w.u16(0);                   // alternate_group
  w.u16(audio ? 0x0100 : 0);  // volume
  w.u16(0);                   // reserved
  write_unity_matrix(w);
  w.u32(audio ? 0 : width << 16);  // 16.16 fixed point
  w.u32(audio ? 0 : height << 16);
  w.end();
}

void write_mdhd(BoxWriter& w, uint32_t timescale, uint64_t duration) {
  const bool wide = needs_64_bits(duration);
  w.begin_full(box_type("mdhd"), wide ? 1 : 0, 0);
  write_times(w, wide);
  w.u32(timescale);
  write_duration(w, wide, duration);
  w.u16(kLanguageUnd);
  w.u16(0);  // pre_defined
  w.end();
}

void write_hdlr(BoxWriter& w, bool audio) {
  constexpr std::string_view kVideoName("VideoHandler\0", 13);  // null-terminated UTF-8
  constexpr std::string_view kSoundName("SoundHandler\0", 13);
  w.begin_full(box_type("hdlr"), 0, 0);
  w.u32(0);  // pre_defined
  w.u32(audio ? box_type("soun") : box_type("vide"));
  w.fill(0, 12);  // reserved
  w.bytes(audio ? kSoundName : kVideoName);
  w.end();
}

void write_media_header_and_dinf(BoxWriter& w, bool audio) {
  if (audio) {
    w.begin_full(box_type("smhd"), 0, 0);
    w.u16(0);  // balance
    w.u16(0);  // reserved
  } else {
    w.begin_full(box_type("vmhd"), 0, 1);  // flags 1 is mandated (12.1.2.2)
    w.u16(0);                              // graphicsmode: copy
    w.fill(0, 6);                          // opcolor
  }
  w.end();
  w.begin(box_type("dinf"));
  w.begin_full(box_type("dref"), 0, 0);
  w.u32(1);                                     // entry_count
  w.begin_full(box_type("url "), 0, 0x000001);  // media data in this file
  w.end();
  w.end();  // dref
  w.end();  // dinf
}

}  // namespace firstmile::format
