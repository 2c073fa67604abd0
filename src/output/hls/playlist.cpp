#include "output/hls/playlist.hpp"
#include "core/decimal.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace firstmile::hls {

int64_t duration_ms(double seconds) {
  if (!(seconds > 0)) return 0;  // also NaN
  if (seconds > 1e9) seconds = 1e9;
  return std::llround(seconds * 1000.0);
}

uint32_t rounded_extinf(double seconds) {
  // Round the value as written (3 decimals), not the double: 2.4996 is written "2.500", which
  // a client rounds to 3.
  return static_cast<uint32_t>((duration_ms(seconds) + 500) / 1000);
}

MediaPlaylist::MediaPlaylist(size_t window, uint32_t min_target_duration)
    : window_(std::max<size_t>(window, 1)),
      target_duration_(std::max<uint32_t>(min_target_duration, 1)) {}

void MediaPlaylist::add(PlaylistEntry entry) {
  // RFC 8216 4.3.3.1: every EXTINF, rounded, must be <= EXT-X-TARGETDURATION; 6.2.1: the
  // target duration must not change. Both hold as long as we only ever raise it, and only
  // when a segment longer than anything announced appears (a GOP longer than the segment
  // target, or a forced cut).
  target_duration_ = std::max(target_duration_, rounded_extinf(entry.duration));
  entries_.push_back(std::move(entry));
  while (entries_.size() > window_) {
    // RFC 8216 6.2.2: removing a segment that carries EXT-X-DISCONTINUITY increments
    // EXT-X-DISCONTINUITY-SEQUENCE.
    if (entries_.front().discontinuity) ++discontinuity_sequence_;
    entries_.pop_front();
  }
}

namespace {

// "2.000": fixed 3 decimals, independent of the C locale (no "2,000").
void append_duration(std::string& out, double seconds) {
  const int64_t ms = duration_ms(seconds);
  append_decimal(out, static_cast<uint64_t>(ms / 1000));
  out += '.';
  const int frac = static_cast<int>(ms % 1000);
  out += static_cast<char>('0' + frac / 100);
  out += static_cast<char>('0' + frac / 10 % 10);
  out += static_cast<char>('0' + frac % 10);
}

}  // namespace

std::string MediaPlaylist::render() const {
  std::string out;
  out.reserve(160 + entries_.size() * 40);
  // Version 3: EXTINF durations with decimals (RFC 8216 section 7).
  out += "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:";
  append_decimal(out, target_duration_);
  out += "\n#EXT-X-MEDIA-SEQUENCE:";
  append_decimal(out, media_sequence());
  out += "\n#EXT-X-DISCONTINUITY-SEQUENCE:";
  append_decimal(out, discontinuity_sequence_);
  out += '\n';
  for (const PlaylistEntry& e : entries_) {
    if (e.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    out += "#EXTINF:";
    append_duration(out, e.duration);
    out += ",\n";
    out += e.uri;
    out += '\n';
  }
  if (ended_) out += "#EXT-X-ENDLIST\n";
  return out;
}

}  // namespace firstmile::hls
