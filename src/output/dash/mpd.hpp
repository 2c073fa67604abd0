#pragma once
// Renders the MPD (ISO/IEC 23009-1 5.3, DASH-IF IOP live profile) of a DashSnapshot. Pure text:
// the snapshot carries the clock readings, so the output is a function of its inputs.
#include <cstdint>
#include <string>

#include "output/dash/dash_snapshot.hpp"

namespace firstmile::dash {

struct MpdUrls {
  // Appended to every segment URL ("expires=..&token=.."): players resolve SegmentTemplate
  // URLs against the MPD URL (RFC 3986), which drops the MPD's own query.
  std::string query;
  // UTCTiming http-iso source: an absolute URL (players may run on another origin).
  std::string time_url;
  // Else UTCTiming direct: the server's time (xs:dateTime) as the MPD is made.
  std::string direct_time;
};

// Empty when the snapshot is not playable yet (no Period with a segment in every
// representation).
std::string render_mpd(const DashSnapshot& snap, const MpdUrls& urls);

// xs:dateTime in UTC with milliseconds: "2026-11-24T10:47:43.123Z".
std::string iso_time(int64_t unix_ms);
// xs:duration in seconds: 2000 -> "PT2S", 2040 -> "PT2.04S".
std::string iso_duration(int64_t ms);

}  // namespace firstmile::dash
