#pragma once
// The HLS section (hls.*) and how a stream's segmenter settings follow from it.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/config.hpp"

namespace firstmile {

// hls.* (HlsSettings rather than HlsConfig: hls::HlsConfig is one segmenter's settings).
struct HlsSettings {
  bool enabled = true;
  double segment_duration = 2.0;       // seconds; segments are cut at the next keyframe after it
  uint32_t window = 6;                 // segments listed in the live playlist
  uint32_t keep_extra = 2;             // segments kept in memory after leaving the playlist
  double max_segment_duration = 10.0;  // cut even without a keyframe past this
  // Cut even without a keyframe before a segment would pass this many bytes: memory per
  // stream stays bounded whatever a publisher sends (and however its clock behaves).
  uint64_t max_segment_bytes = 64 << 20;
  std::string dir;  // optional copy on disk; empty = memory only
  // Segment format: "ts" (MPEG-TS), "fmp4" (fMP4/CMAF with EXT-X-MAP) or "ll" (fMP4 with
  // Low-Latency HLS parts, blocking reloads and delta updates).
  std::string variant = "ll";
  std::map<std::string, std::string> app_variants;  // app -> variant, overriding hls.variant
  double part_duration = 0.2;             // seconds, ll: PART-TARGET (a part is never longer)
  uint32_t max_blocking_requests = 5000;  // ll: blocking requests waiting per stream
  // fmp4/ll: also video-only and audio-only renditions (video.m3u8, audio.m3u8) that
  // master.m3u8 offers as a video variant with alternate audio.
  bool audio_rendition = false;
};

namespace hls {

struct HlsConfig;

ConfigModule config_module();
// One stream's segmenter: the section's geometry, the app's variant (hls.app_variants, else
// hls.variant) and the stream instance's name prefix.
HlsConfig segmenter_config(const HlsSettings& settings, std::string_view app,
                           std::string name_prefix);

}  // namespace hls
}  // namespace firstmile
