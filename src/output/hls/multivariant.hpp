#pragma once
// The multivariant ("master") playlist of a stream (RFC 8216bis section 4.4.6): one
// EXT-X-STREAM-INF per variant, with what a player needs to choose before it loads any media
// playlist. Today a stream has one variant (its own media playlist); the transcoding ladder
// adds more.
#include <cstdint>
#include <string>
#include <vector>

#include "media/track.hpp"

namespace firstmile::hls {

struct VariantInfo {
  std::string uri;                 // the media playlist, relative to the multivariant playlist
  uint64_t bandwidth = 0;          // peak segment bit rate, bits/s (BANDWIDTH)
  uint64_t average_bandwidth = 0;  // 0 = unknown (AVERAGE-BANDWIDTH left out)
  std::string codecs;              // RFC 6381, comma-separated
  uint32_t width = 0, height = 0;  // 0 = no video (RESOLUTION left out)
  double frame_rate = 0;           // 0 = unknown (FRAME-RATE left out)
};

// A segment's size and length, for measuring a variant's bit rate.
struct SegmentSize {
  uint64_t bytes = 0;
  double duration = 0;  // seconds
};

// Describes the variant carrying `tracks`. BANDWIDTH is the peak bit rate over `segments`
// (section 4.4.6.2: "the peak segment bit rate") and AVERAGE-BANDWIDTH their mean; with no
// segment yet, both come from `measured_bps` (the ingest's current bit rate), padded by 10%
// for container overhead. CODECS lists video first, then audio.
VariantInfo describe_variant(std::string uri, const media::Tracks& tracks,
                             const std::vector<SegmentSize>& segments, double measured_bps);

// Renders the playlist. Variants without BANDWIDTH get 1 (the attribute is required).
std::string render_multivariant(const std::vector<VariantInfo>& variants);

}  // namespace firstmile::hls
