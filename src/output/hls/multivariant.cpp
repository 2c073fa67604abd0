#include "output/hls/multivariant.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace firstmile::hls {

VariantInfo describe_variant(std::string uri, const media::Tracks& tracks,
                             const std::vector<SegmentSize>& segments, double measured_bps) {
  VariantInfo v;
  v.uri = std::move(uri);
  std::string codecs;
  if (tracks.video && !tracks.video->codec_string.empty()) codecs = tracks.video->codec_string;
  if (tracks.audio && !tracks.audio->codec_string.empty())
    codecs += (codecs.empty() ? "" : ",") + tracks.audio->codec_string;
  v.codecs = std::move(codecs);
  if (tracks.video) {
    v.width = tracks.video->width;
    v.height = tracks.video->height;
    v.frame_rate = tracks.video->frame_rate;
  }
  double peak = 0, bytes = 0, seconds = 0;
  for (const auto& s : segments) {
    // A segment shorter than a frame says nothing reliable about the rate.
    if (s.duration < 0.05) continue;
    peak = std::max(peak, static_cast<double>(s.bytes) * 8 / s.duration);
    bytes += static_cast<double>(s.bytes);
    seconds += s.duration;
  }
  if (seconds > 0) {
    v.bandwidth = static_cast<uint64_t>(std::ceil(peak));
    v.average_bandwidth = static_cast<uint64_t>(std::ceil(bytes * 8 / seconds));
  } else if (measured_bps > 0) {
    v.bandwidth = static_cast<uint64_t>(std::ceil(measured_bps * 1.1));
  }
  return v;
}

std::string render_multivariant(const std::vector<VariantInfo>& variants) {
  // No EXT-X-INDEPENDENT-SEGMENTS: a segment cut at hls.max_segment_duration without a
  // keyframe would make it untrue.
  std::string out = "#EXTM3U\n";
  for (const auto& v : variants) {
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(std::max<uint64_t>(v.bandwidth, 1));
    if (v.average_bandwidth > 0) out += ",AVERAGE-BANDWIDTH=" + std::to_string(v.average_bandwidth);
    if (!v.codecs.empty()) out += ",CODECS=\"" + v.codecs + "\"";
    if (v.width > 0 && v.height > 0)
      out += ",RESOLUTION=" + std::to_string(v.width) + "x" + std::to_string(v.height);
    if (v.frame_rate > 0) {
      // Section 4.4.6.2: a decimal-floating-point rounded to three decimal places.
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.3f", v.frame_rate);
      out += ",FRAME-RATE=";
      out += rate;
    }
    out += "\n" + v.uri + "\n";
  }
  return out;
}

}  // namespace firstmile::hls
