#pragma once
// Program-specific information for the TS demuxer (ISO/IEC 13818-1 section 2.4.4): reassembly
// of PSI sections from TS packet payloads, and the program association and program map tables.
// Everything here reads peer input: lengths are checked against the section, loops are
// bounded, and a section that does not add up is refused whole.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::format {

// 2.4.4.5 / 2.4.4.9: the section_length of a PAT or PMT "shall not exceed 1021", so a whole
// section (3-byte header + section_length) is at most 1024 bytes.
constexpr size_t kMaxSectionLength = 1021;
constexpr size_t kMaxSectionSize = 3 + kMaxSectionLength;

// Collects the sections carried on one PSI PID. A section may start anywhere in a packet with
// payload_unit_start_indicator set (after the pointer_field, 2.4.4.2), may span packets, and
// several may share a packet; 0xFF after a section is stuffing up to the end of the packet.
class SectionAssembler {
 public:
  // Feeds the payload of one TS packet and calls on_section(ByteSpan) for every complete
  // section in it. Returns false if the payload was malformed (a pointer_field past the end, a
  // section_length over the limit, a section cut short by the next unit start): the bytes in
  // question are dropped and assembly resumes at the next unit start.
  template <class F>
  bool feed(ByteSpan payload, bool unit_start, F&& on_section);
  // Drops a partial section (a lost packet: its remainder cannot be trusted).
  void reset() { buf_.clear(); }

 private:
  // Appends from `data` at most what the section in progress still needs; returns the bytes
  // taken. Sets `bad` on an impossible section_length.
  size_t take(ByteSpan data, bool& bad);
  bool complete() const { return buf_.size() >= 3 && buf_.size() == needed(); }
  size_t needed() const;

  Bytes buf_;  // the section in progress, empty when none
};

// program_association_section (2.4.4.3).
struct PatEntry {
  uint16_t program_number = 0;  // 0: the network_PID entry, not a program
  uint16_t pid = 0;             // program_map_PID (or network_PID)
};
struct Pat {
  uint16_t transport_stream_id = 0;
  uint8_t version = 0;
  bool current = true;  // current_next_indicator
  uint8_t section_number = 0;
  std::vector<PatEntry> programs;  // at most max_programs entries, in table order
};
// Parses a complete PAT section (header, loop, CRC_32 checked). Entries past max_programs are
// ignored.
Result<Pat> parse_pat(ByteSpan section, size_t max_programs);

// One elementary stream of a TS_program_map_section (2.4.4.8) with the descriptors the
// demuxer needs.
struct PmtStream {
  uint8_t stream_type = 0;
  uint16_t pid = 0;
  // format_identifier of a registration_descriptor (2.6.8, tag 5) in the ES_info loop, else
  // the program-level one; 0 if none. "Opus", "HEVC", "AC-3" ... as a big-endian 32-bit value.
  uint32_t registration = 0;
  // channel_config_code of a DVB extension descriptor (tag 0x7F) with extension tag 0x80, the
  // Opus audio descriptor of the Opus-in-TS specification; -1 if absent.
  int opus_channel_config = -1;

  friend bool operator==(const PmtStream&, const PmtStream&) = default;
};
struct Pmt {
  uint16_t program_number = 0;
  uint8_t version = 0;
  bool current = true;
  uint16_t pcr_pid = 0x1FFF;
  std::vector<PmtStream> streams;  // at most max_streams entries, in table order
};
// Parses a complete PMT section (header, descriptor loops, CRC_32 checked). Streams past
// max_streams are ignored; a descriptor loop that runs past its section refuses the section.
Result<Pmt> parse_pmt(ByteSpan section, size_t max_streams);

template <class F>
bool SectionAssembler::feed(ByteSpan payload, bool unit_start, F&& on_section) {
  bool ok = true;
  bool bad = false;
  if (!unit_start) {
    // A continuation: only useful while a section is in progress. A new section cannot start
    // here (its first byte would need a pointer_field), so what follows a completed section is
    // stuffing.
    if (buf_.empty()) return true;
    take(payload, bad);
    if (bad) {
      buf_.clear();
      return false;
    }
    if (complete()) {
      on_section(ByteSpan(buf_));
      buf_.clear();
    }
    return true;
  }
  if (payload.empty()) {
    buf_.clear();
    return false;
  }
  const size_t pointer = payload[0];
  ByteSpan rest = payload.subspan(1);
  if (pointer > rest.size()) {
    buf_.clear();
    return false;
  }
  // pointer_field bytes finish the section in progress (2.4.4.2).
  if (!buf_.empty()) {
    take(rest.first(pointer), bad);
    if (!bad && complete()) {
      on_section(ByteSpan(buf_));
    } else {
      ok = false;  // cut short, or the tail does not fit what its header announced
    }
    buf_.clear();
  }
  rest = rest.subspan(pointer);
  while (!rest.empty() && rest[0] != 0xFF) {
    bad = false;
    const size_t used = take(rest, bad);
    if (bad) {
      buf_.clear();
      return false;
    }
    if (!complete()) break;  // continues in the next packet
    on_section(ByteSpan(buf_));
    buf_.clear();
    rest = rest.subspan(used);
  }
  return ok;
}

}  // namespace firstmile::format
