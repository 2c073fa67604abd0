#pragma once
// The sliding-window media playlist of a live HLS stream (RFC 8216 section 4.3 and 6.2.2).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace firstmile::hls {

struct PlaylistEntry {
  uint64_t sequence = 0;       // Media Sequence Number of this segment
  std::string uri;             // relative to the playlist, e.g. "12.ts"
  double duration = 0;         // seconds
  bool discontinuity = false;  // EXT-X-DISCONTINUITY before this segment
};

class MediaPlaylist {
 public:
  // `window`: how many segments the playlist lists (at least 1). `min_target_duration`: the
  // EXT-X-TARGETDURATION announced before any segment needs more (at least 1).
  MediaPlaylist(size_t window, uint32_t min_target_duration);

  // Appends a segment; the oldest ones slide out past the window. Sequence numbers must
  // increase by one from entry to entry (RFC 8216 6.2.1); the first entry sets the start.
  void add(PlaylistEntry entry);
  // EXT-X-ENDLIST: the publisher left. set_ended(false) when it comes back.
  void set_ended(bool ended) { ended_ = ended; }

  std::string render() const;

  bool ended() const { return ended_; }
  bool empty() const { return entries_.empty(); }
  const std::deque<PlaylistEntry>& entries() const { return entries_; }
  // Sequence number of the first listed segment (EXT-X-MEDIA-SEQUENCE).
  uint64_t media_sequence() const { return entries_.empty() ? 0 : entries_.front().sequence; }
  uint64_t discontinuity_sequence() const { return discontinuity_sequence_; }
  uint32_t target_duration() const { return target_duration_; }

 private:
  size_t window_;
  uint32_t target_duration_;
  uint64_t discontinuity_sequence_ = 0;
  bool ended_ = false;
  std::deque<PlaylistEntry> entries_;
};

// Duration in whole milliseconds, the precision EXTINF is written with.
int64_t duration_ms(double seconds);
// What a client reads as the rounded duration of an EXTINF written with 3 decimals
// (RFC 8216 4.3.3.1: "rounded to the nearest integer"; halves round up).
uint32_t rounded_extinf(double seconds);

}  // namespace firstmile::hls
