#include "format/mpegts/psi.hpp"

#include <algorithm>

#include "format/mpegts/crc32.hpp"

namespace firstmile::format {

namespace {

constexpr uint8_t kTablePat = 0x00;                // program_association_section (Table 2-31)
constexpr uint8_t kTablePmt = 0x02;                // TS_program_map_section
constexpr uint8_t kRegistrationDescriptor = 0x05;  // 2.6.8
constexpr uint8_t kDvbExtensionDescriptor = 0x7F;  // ETSI EN 300 468 6.2.16
constexpr uint8_t kOpusExtensionTag = 0x80;        // Opus-in-TS: opus_audio_descriptor

// The fields common to long-form sections (2.4.4.3, 2.4.4.8) up to last_section_number.
struct LongHeader {
  uint8_t table_id = 0;
  uint16_t id = 0;  // transport_stream_id or program_number
  uint8_t version = 0;
  bool current = true;
  uint8_t section_number = 0;
  ByteSpan body;  // after last_section_number, before CRC_32
};

Result<LongHeader> parse_long_header(ByteSpan section, uint8_t table_id) {
  ByteReader r(section);
  LongHeader h;
  h.table_id = r.u8();
  const uint16_t flags_length = r.u16();
  h.id = r.u16();
  const uint8_t version_byte = r.u8();
  h.section_number = r.u8();
  r.u8();  // last_section_number
  if (!r.ok()) return fail("section of ", section.size(), " bytes is too short");
  if (h.table_id != table_id) return fail("table_id ", h.table_id, ", expected ", table_id);
  // section_syntax_indicator must be 1 for the PAT and PMT; the '0' bit after it must be 0.
  if ((flags_length & 0xC000) != 0x8000) return fail("bad section_syntax_indicator");
  const size_t length = flags_length & 0x0FFF;
  if (length > kMaxSectionLength) return fail("section_length ", length, " over 1021");
  if (section.size() != 3 + length) {
    return fail("section_length ", length, " does not match ", section.size(), " bytes");
  }
  // 5 header bytes after section_length, then at least the CRC_32.
  if (length < 5 + 4) return fail("section_length ", length, " is too short");
  // Annex A: the CRC over the whole section, CRC_32 included, is 0 when the section is intact.
  if (crc32_mpeg2(section) != 0) return fail("CRC_32 mismatch");
  h.version = (version_byte >> 1) & 0x1F;
  h.current = (version_byte & 1) != 0;
  h.body = section.subspan(8, section.size() - 8 - 4);
  return h;
}

uint32_t registration_in(ByteSpan descriptors) {
  ByteReader r(descriptors);
  while (r.remaining() >= 2) {
    const uint8_t tag = r.u8();
    ByteSpan body = r.bytes(r.u8());
    if (!r.ok()) break;
    if (tag == kRegistrationDescriptor && body.size() >= 4) {
      return ByteReader(body).u32();
    }
  }
  return 0;
}

// Checks that a descriptor loop is a whole number of descriptors (2.6.1: tag, length, body).
bool descriptors_fit(ByteSpan descriptors) {
  size_t pos = 0;
  while (pos < descriptors.size()) {
    if (descriptors.size() - pos < 2) return false;
    const size_t length = descriptors[pos + 1];
    if (length > descriptors.size() - pos - 2) return false;
    pos += 2 + length;
  }
  return true;
}

}  // namespace

size_t SectionAssembler::needed() const {
  if (buf_.size() < 3) return 3;
  return 3 + ((static_cast<size_t>(buf_[1]) << 8 | buf_[2]) & 0x0FFF);
}

size_t SectionAssembler::take(ByteSpan data, bool& bad) {
  size_t used = 0;
  while (used < data.size()) {
    const size_t want = needed();
    if (buf_.size() >= want) break;
    const size_t n = std::min(want - buf_.size(), data.size() - used);
    buf_.insert(buf_.end(), data.begin() + static_cast<ptrdiff_t>(used),
                data.begin() + static_cast<ptrdiff_t>(used + n));
    used += n;
    if (buf_.size() == 3 && needed() - 3 > kMaxSectionLength) {
      bad = true;
      return used;
    }
  }
  return used;
}

Result<Pat> parse_pat(ByteSpan section, size_t max_programs) {
  auto h = parse_long_header(section, kTablePat);
  if (!h) return wrap("PAT", h.error());
  Pat pat;
  pat.transport_stream_id = h->id;
  pat.version = h->version;
  pat.current = h->current;
  pat.section_number = h->section_number;
  if (h->body.size() % 4 != 0) return fail("PAT: program loop of ", h->body.size(), " bytes");
  ByteReader r(h->body);
  while (r.remaining() >= 4 && pat.programs.size() < max_programs) {
    PatEntry e;
    e.program_number = r.u16();
    e.pid = r.u16() & 0x1FFF;
    pat.programs.push_back(e);
  }
  return pat;
}

Result<Pmt> parse_pmt(ByteSpan section, size_t max_streams) {
  auto h = parse_long_header(section, kTablePmt);
  if (!h) return wrap("PMT", h.error());
  Pmt pmt;
  pmt.program_number = h->id;
  pmt.version = h->version;
  pmt.current = h->current;
  // 2.4.4.9: section_number and last_section_number of a PMT are 0: one section per program.
  if (h->section_number != 0) return fail("PMT: section_number ", h->section_number);
  ByteReader r(h->body);
  pmt.pcr_pid = r.u16() & 0x1FFF;
  ByteSpan program_info = r.bytes(r.u16() & 0x0FFF);
  if (!r.ok()) return fail("PMT: program_info_length runs past the section");
  if (!descriptors_fit(program_info)) return fail("PMT: program descriptors do not add up");
  const uint32_t program_registration = registration_in(program_info);
  while (!r.empty()) {
    PmtStream s;
    s.stream_type = r.u8();
    s.pid = r.u16() & 0x1FFF;
    ByteSpan es_info = r.bytes(r.u16() & 0x0FFF);
    if (!r.ok()) return fail("PMT: ES_info_length runs past the section");
    if (!descriptors_fit(es_info)) return fail("PMT: ES descriptors do not add up");
    if (pmt.streams.size() >= max_streams) continue;  // still validate the rest of the loop
    s.registration = registration_in(es_info);
    if (s.registration == 0) s.registration = program_registration;
    ByteReader d(es_info);
    while (d.remaining() >= 2) {
      const uint8_t tag = d.u8();
      ByteSpan body = d.bytes(d.u8());
      if (tag == kDvbExtensionDescriptor && body.size() >= 2 && body[0] == kOpusExtensionTag) {
        s.opus_channel_config = body[1];
      }
    }
    pmt.streams.push_back(s);
  }
  return pmt;
}

}  // namespace firstmile::format
