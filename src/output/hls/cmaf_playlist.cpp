#include "output/hls/cmaf_playlist.hpp"
#include "core/decimal.hpp"

#include <charconv>
#include <ctime>

namespace firstmile::hls {

namespace {

// "2.000": three decimals from whole milliseconds, independent of the C locale.
void append_ms(std::string& out, int64_t ms) {
  if (ms < 0) ms = 0;
  append_decimal(out, static_cast<uint64_t>(ms / 1000));
  out += '.';
  const int frac = static_cast<int>(ms % 1000);
  out += static_cast<char>('0' + frac / 100);
  out += static_cast<char>('0' + frac / 10 % 10);
  out += static_cast<char>('0' + frac % 10);
}

void append_digits(std::string& out, int64_t v, int width) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<size_t>(width));
}

void append_part(std::string& out, const CmafPlaylistPart& part) {
  // RFC 8216bis 4.4.4.9: DURATION and URI are required; INDEPENDENT=YES when the part starts
  // with a sync sample.
  out += "#EXT-X-PART:DURATION=";
  append_ms(out, part.duration_ms);
  out += ",URI=\"";
  out += part.uri;
  out += '"';
  if (part.independent) out += ",INDEPENDENT=YES";
  out += '\n';
}

// The tags that precede a segment (or the open segment's first part): a map is written before
// the first segment listed and whenever it changes (4.4.4.5: it applies to every following
// segment until the next one).
void append_preamble(std::string& out, const CmafPlaylistSegment& s, std::string& current_map) {
  if (s.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
  if (s.map_uri != current_map) {
    out += "#EXT-X-MAP:URI=\"";
    out += s.map_uri;
    out += "\"\n";
    current_map = s.map_uri;
  }
  if (s.program_date_time_ms > 0) {
    out += "#EXT-X-PROGRAM-DATE-TIME:";
    out += iso8601_ms(s.program_date_time_ms);
    out += '\n';
  }
}

}  // namespace

std::string iso8601_ms(int64_t unix_ms) {
  if (unix_ms < 0) unix_ms = 0;
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::string out;
  out.reserve(24);
  append_digits(out, tm.tm_year + 1900, 4);
  out += '-';
  append_digits(out, tm.tm_mon + 1, 2);
  out += '-';
  append_digits(out, tm.tm_mday, 2);
  out += 'T';
  append_digits(out, tm.tm_hour, 2);
  out += ':';
  append_digits(out, tm.tm_min, 2);
  out += ':';
  append_digits(out, tm.tm_sec, 2);
  out += '.';
  append_digits(out, unix_ms % 1000, 3);
  out += 'Z';
  return out;
}

int64_t skip_boundary_ms(uint32_t target_duration) {
  return int64_t{6} * target_duration * 1000;
}

size_t complete_segments(const CmafPlaylist& p) {
  const bool hold = p.low_latency && p.hold_last && !p.ended && !p.segments.empty() &&
                    (!p.has_open || p.open.parts.empty());
  return p.segments.size() - (hold ? 1 : 0);
}

size_t skippable_segments(const CmafPlaylist& p) {
  const int64_t boundary = skip_boundary_ms(p.target_duration);
  const size_t complete = complete_segments(p);
  int64_t after = 0;
  for (size_t i = 0; i < complete; ++i)
    after += p.segments[i].duration_ms;
  size_t n = 0;
  for (const auto& s : p.segments) {
    if (n == complete) break;
    after -= s.duration_ms;  // now: what follows segment n
    if (after < boundary) break;
    ++n;
  }
  return n;
}

std::string render_cmaf_playlist(const CmafPlaylist& p, CmafRender mode) {
  const bool ll = p.low_latency && mode != CmafRender::PlainFmp4;
  const size_t skip = mode == CmafRender::Delta && ll ? skippable_segments(p) : 0;
  std::string out;
  out.reserve(256 + p.segments.size() * 96);
  // Version 7: fMP4 segments with EXT-X-MAP (RFC 8216bis section 8 asks 6 for EXT-X-MAP without
  // I-frames-only; Apple's authoring spec 7 for fMP4). Version 9: EXT-X-SKIP (delta updates).
  out += ll ? "#EXTM3U\n#EXT-X-VERSION:9\n" : "#EXTM3U\n#EXT-X-VERSION:7\n";
  out += "#EXT-X-TARGETDURATION:";
  append_decimal(out, p.target_duration);
  out += '\n';
  if (ll) {
    // 4.4.3.8: CAN-SKIP-UNTIL at least six target durations; PART-HOLD-BACK at least twice,
    // SHOULD be three times the part target. CAN-BLOCK-RELOAD: 6.2.5.2 blocking reloads.
    out += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=";
    append_ms(out, skip_boundary_ms(p.target_duration));
    out += ",PART-HOLD-BACK=";
    append_ms(out, 3 * p.part_target_ms);
    out += "\n#EXT-X-PART-INF:PART-TARGET=";
    append_ms(out, p.part_target_ms);
    out += '\n';
  }
  out += "#EXT-X-MEDIA-SEQUENCE:";
  append_decimal(out, p.segments.empty() ? p.open.sequence : p.segments.front().sequence);
  // Before EXT-X-SKIP: the skipped segments still count as listed (4.4.5.2), and players refuse
  // a discontinuity sequence that follows the first segment line.
  out += "\n#EXT-X-DISCONTINUITY-SEQUENCE:";
  append_decimal(out, p.discontinuity_sequence);
  out += '\n';
  if (skip > 0) {
    out += "#EXT-X-SKIP:SKIPPED-SEGMENTS=";
    append_decimal(out, skip);
    out += '\n';
  }
  std::string current_map;
  const size_t complete = ll ? complete_segments(p) : p.segments.size();
  for (size_t i = skip; i < p.segments.size(); ++i) {
    const CmafPlaylistSegment& s = p.segments[i];
    append_preamble(out, s, current_map);
    if (ll) {
      for (const auto& part : s.parts)
        append_part(out, part);
    }
    if (i >= complete) break;  // held: shown as the open segment
    out += "#EXTINF:";
    append_ms(out, s.duration_ms);
    out += ",\n";
    out += s.uri;
    out += '\n';
  }
  if (ll && p.has_open && !p.open.parts.empty()) {
    append_preamble(out, p.open, current_map);
    for (const auto& part : p.open.parts)
      append_part(out, part);
  }
  if (ll && !p.ended && !p.preload_hint_uri.empty()) {
    // 4.4.5.3: the part the server will make next; a request for it blocks until it exists.
    out += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"";
    out += p.preload_hint_uri;
    out += "\"\n";
  }
  if (ll) {
    // 4.4.5.4: one tag per other rendition of the multivariant playlist. LAST-MSN is the last
    // segment with content (the open one once it has a part) and LAST-PART its last part, so a
    // client may switch with a blocking request for the part after it.
    for (const auto& r : p.rendition_reports) {
      out += "#EXT-X-RENDITION-REPORT:URI=\"";
      out += r.uri;
      out += "\",LAST-MSN=";
      append_decimal(out, r.last_msn);
      if (r.last_part) {
        out += ",LAST-PART=";
        append_decimal(out, *r.last_part);
      }
      out += '\n';
    }
  }
  if (p.ended) out += "#EXT-X-ENDLIST\n";
  return out;
}

}  // namespace firstmile::hls
