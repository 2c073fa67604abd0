#pragma once
// What the DASH output of one stream looks like at one instant: immutable, shared by every HTTP
// request that reads it (the stream thread publishes a new one per chunk). The MPD is rendered
// from it per request (render_mpd), since its URLs carry the request's query and host.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/buffer.hpp"
#include "media/track.hpp"

namespace firstmile::dash {

// A complete media segment: its S element in the SegmentTimeline and its bytes (CMAF chunks,
// each a moof+mdat, back to back).
struct DashSegment {
  uint64_t number = 0;   // $Number$, one counter for the whole stream instance
  int64_t start = 0;     // S@t, track timescale
  int64_t duration = 0;  // S@d, track timescale
  Buffer data;
};

// The segment being produced: its chunks so far (low-latency chunked delivery sends them as
// they come) and the duration it is expected to end with, which the low-latency MPD lists as its
// S@d so players request it while it is made (DASH-IF IOP low-latency modes: the segment in
// progress is announced).
struct DashOpenSegment {
  uint64_t number = 0;
  int64_t start = 0;
  std::vector<Buffer> chunks;
  int64_t expected_duration = 0;  // track timescale; 0: unknown (not listed)
};

// One Representation (one track: DASH-IF IOP 3.2.x, dash.js does not play multiplexed ones).
struct DashRepresentation {
  std::string id;  // "v" or "a" ($RepresentationID$)
  media::TrackInfo info;
  uint32_t timescale = 0;
  int64_t presentation_time_offset = 0;  // timescale units: media time of the Period start
  std::string init_name;                 // "<prefix>p<period>-<id>-init.mp4"
  Buffer init;
  std::vector<DashSegment> segments;  // complete, oldest first (listed ones and a few older)
  std::optional<DashOpenSegment> open;
  uint64_t bandwidth = 0;  // bits/s measured over the complete segments

  const DashSegment* find(uint64_t number) const;
};

struct DashPeriod {
  uint32_t index = 0;    // Period@id "p<index>"
  int64_t start_ms = 0;  // Period@start, from availabilityStartTime
  std::optional<DashRepresentation> video, audio;
  bool closed = false;      // the publisher left or the timeline jumped: no more segments
  int64_t duration_ms = 0;  // closed periods: their length (the last segment's end)
};

struct DashSnapshot {
  std::string name_prefix;            // unique per stream instance
  int64_t availability_start_ms = 0;  // Unix ms
  int64_t publish_ms = 0;             // Unix ms of this snapshot
  bool ended = false;                 // the publisher left; the MPD ends (no more updates)
  std::vector<DashPeriod> periods;    // oldest first; only those still holding segments
  uint64_t version = 0;               // increases with every snapshot

  // Parameters the MPD announces.
  double segment_duration = 2.0;  // target, seconds
  double chunk_duration = 0.5;    // seconds
  bool low_latency = true;
  size_t window = 6;  // segments listed per representation

  // The representation that owns a file name, by its id ("v"/"a") and number or init name.
  const DashRepresentation* find_representation(std::string_view id, uint64_t number) const;
  const DashRepresentation* find_init(std::string_view name) const;
  // "<prefix><id>-<number>.m4s" -> (id, number).
  std::optional<std::pair<std::string, uint64_t>> parse_media_name(std::string_view name) const;
  // Whether any Period has a complete segment in every representation (an MPD can be served).
  bool playable() const;
};

}  // namespace firstmile::dash
