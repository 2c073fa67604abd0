#include "output/hls/multivariant.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "output/hls/segmenter.hpp"

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

std::string render_multivariant(const std::vector<VariantInfo>& variants,
                                const std::vector<AudioRenditionInfo>& audio) {
  // No EXT-X-INDEPENDENT-SEGMENTS: a segment cut at hls.max_segment_duration without a
  // keyframe would make it untrue.
  std::string out = "#EXTM3U\n";
  for (const auto& a : audio) {
    // Section 4.4.6.1: TYPE, GROUP-ID and NAME are required; AUTOSELECT MUST be YES when
    // DEFAULT is; CHANNELS gives the channel count as a quoted decimal.
    out += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"" + a.group_id + "\",NAME=\"" + a.name + "\"";
    out += a.is_default ? ",DEFAULT=YES,AUTOSELECT=YES" : ",DEFAULT=NO,AUTOSELECT=YES";
    if (a.channels > 0) out += ",CHANNELS=\"" + std::to_string(a.channels) + "\"";
    out += ",URI=\"" + a.uri + "\"\n";
  }
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
    // Section 4.4.6.2: AUDIO names the GROUP-ID of an EXT-X-MEDIA tag with TYPE=AUDIO.
    if (!v.audio_group.empty()) out += ",AUDIO=\"" + v.audio_group + "\"";
    out += "\n" + v.uri + "\n";
  }
  return out;
}

VariantInfo with_audio_group(VariantInfo video, const VariantInfo& audio, std::string group) {
  video.bandwidth += audio.bandwidth;
  // An average is only meaningful when both are known.
  video.average_bandwidth = video.average_bandwidth > 0 && audio.average_bandwidth > 0
                                ? video.average_bandwidth + audio.average_bandwidth
                                : 0;
  video.audio_group = std::move(group);
  return video;
}

namespace {

std::vector<SegmentSize> sizes_of(const HlsSnapshot& snap) {
  std::vector<SegmentSize> sizes;
  sizes.reserve(snap.segments.size());
  for (const auto& seg : snap.segments)
    sizes.push_back({seg.data.size(), seg.duration});
  return sizes;
}

}  // namespace

std::string stream_multivariant(const HlsSnapshot& muxed, const HlsSnapshot* video,
                                const HlsSnapshot* audio) {
  // The renditions while they run: with segments, and not ended while the stream goes on (a
  // publish without one of the tracks ends them).
  const auto usable = [&](const HlsSnapshot* r) {
    return r && !r->playlist.empty() && (!r->ended || muxed.ended) && r->tracks.audio &&
           r->tracks.video;
  };
  if (!usable(video) || !usable(audio)) {
    return render_multivariant({describe_variant("index.m3u8", muxed.tracks, sizes_of(muxed), 0)});
  }
  media::Tracks audio_only;
  audio_only.audio = audio->tracks.audio;
  const VariantInfo a = describe_variant("audio.m3u8", audio_only, sizes_of(*audio), 0);
  VariantInfo v = with_audio_group(
      describe_variant("video.m3u8", video->tracks, sizes_of(*video), 0), a, "audio");
  AudioRenditionInfo rendition{.group_id = "audio", .name = "audio", .uri = "audio.m3u8"};
  rendition.channels = audio->tracks.audio->channels;
  return render_multivariant({v}, {rendition});
}

}  // namespace firstmile::hls
