#pragma once
// The media playlist of HLS with fMP4 segments (RFC 8216bis section 4.3.2.5 EXT-X-MAP), with or
// without the Low-Latency HLS extension (EXT-X-PART, EXT-X-SERVER-CONTROL, EXT-X-PRELOAD-HINT,
// delta updates with EXT-X-SKIP). Pure text rendering of a model the CMAF segmenter fills in:
// no clocks, no state, so every byte is unit-tested.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace firstmile::hls {

struct CmafPlaylistPart {
  std::string uri;
  int64_t duration_ms = 0;
  bool independent = false;  // starts with a sync sample: a client may begin decoding here
};

struct CmafPlaylistSegment {
  uint64_t sequence = 0;
  std::string uri;  // empty for the open segment (only its parts are listed)
  int64_t duration_ms = 0;
  bool discontinuity = false;           // EXT-X-DISCONTINUITY before it
  std::string map_uri;                  // its init segment (EXT-X-MAP written when it changes)
  int64_t program_date_time_ms = 0;     // Unix ms of its first sample; 0 = none
  std::vector<CmafPlaylistPart> parts;  // listed only for the last few segments (low latency)
};

// EXT-X-RENDITION-REPORT (RFC 8216bis 4.4.5.4): where another rendition of the same multivariant
// playlist is, so that a client switching to it can make its first request a blocking one.
struct CmafRenditionReport {
  std::string uri;                    // that rendition's media playlist, relative to this one
  uint64_t last_msn = 0;              // its last segment, or the open segment when it has parts
  std::optional<uint32_t> last_part;  // index of its last part in last_msn; unset = no parts
};

struct CmafPlaylist {
  uint32_t target_duration = 1;  // EXT-X-TARGETDURATION, whole seconds
  uint64_t discontinuity_sequence = 0;
  bool ended = false;
  // Low-Latency HLS: parts, server control, preload hint.
  bool low_latency = false;
  int64_t part_target_ms = 0;
  // Complete segments, oldest first (the first one's sequence is EXT-X-MEDIA-SEQUENCE).
  std::vector<CmafPlaylistSegment> segments;
  // The segment being made (low latency): its tags and the parts made so far. Unset uri.
  bool has_open = false;
  CmafPlaylistSegment open;
  // Low latency: the newest complete segment is shown as if still open (its parts, no EXTINF)
  // while the next one has no part yet. A client then never sees a segment completed before
  // its last part is listed (hls.js would count a segment whose unloaded tail is under 0.2 s
  // as buffered and skip that tail); see docs/architecture.md.
  bool hold_last = false;
  std::string preload_hint_uri;                        // EXT-X-PRELOAD-HINT:TYPE=PART; empty = none
  std::vector<CmafRenditionReport> rendition_reports;  // low latency only
};

enum class CmafRender {
  Full,       // the playlist
  Delta,      // _HLS_skip=YES: segments older than the skip boundary replaced by EXT-X-SKIP
  PlainFmp4,  // no low-latency tags at all (the disk copy: parts are not written to disk)
};

// CAN-SKIP-UNTIL: six target durations, the minimum RFC 8216bis 4.4.3.8 allows.
int64_t skip_boundary_ms(uint32_t target_duration);
// How many leading segments a delta update skips: those with at least the skip boundary of
// complete segments after them (4.4.3.8: a server MUST NOT skip within the boundary).
size_t skippable_segments(const CmafPlaylist& p);
// The segments the playlist shows complete (with EXTINF): all of `segments` but a held last one.
size_t complete_segments(const CmafPlaylist& p);

std::string render_cmaf_playlist(const CmafPlaylist& p, CmafRender mode = CmafRender::Full);

// "2024-01-02T03:04:05.678Z" (EXT-X-PROGRAM-DATE-TIME, RFC 8216bis 4.4.4.6: ISO 8601 with ms).
std::string iso8601_ms(int64_t unix_ms);

}  // namespace firstmile::hls
