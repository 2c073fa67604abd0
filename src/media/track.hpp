#pragma once
// A track's codec and parameters. The publisher's ingest adapter fills `config` from the
// sequence header; the codec parsers (media/h264.hpp, h265.hpp, aac.hpp) fill the rest.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/buffer.hpp"
#include "media/codec.hpp"

namespace firstmile::media {

struct TrackInfo {
  MediaKind kind = MediaKind::Video;
  Codec codec = Codec::Unknown;
  // Codec private data in its ISO BMFF form: avcC (AVCDecoderConfigurationRecord) for H.264,
  // hvcC for H.265, AudioSpecificConfig for AAC, the OpusHead body for Opus.
  Buffer config;
  // RFC 6381 codecs string for HLS CODECS, e.g. "avc1.64001f", "hvc1.1.6.L93.B0", "mp4a.40.2".
  std::string codec_string;

  // Video.
  uint32_t width = 0;
  uint32_t height = 0;
  double frame_rate = 0;  // from the SPS timing info when present, else measured; 0 if unknown
  std::string profile;    // "High", "Main", "Main 10", ...
  double level = 0;       // 3.1, 4.0, ... (H.265: general_level_idc / 30)

  // Audio.
  uint32_t sample_rate = 0;
  uint32_t channels = 0;
  uint32_t object_type = 0;  // AAC audio object type (2 = AAC-LC)

  bool has_config() const { return !config.empty(); }
};

// The tracks of one stream: at most one video and one audio track.
struct Tracks {
  std::optional<TrackInfo> video;
  std::optional<TrackInfo> audio;

  bool empty() const { return !video && !audio; }
};

// Same codec and codec parameters, or both absent: a repeated sequence header changes nothing
// on the wire, so an output need not start anew.
inline bool same_track(const std::optional<TrackInfo>& a, const std::optional<TrackInfo>& b) {
  if (!a || !b) return !a && !b;
  return a->codec == b->codec && a->config == b->config;
}

}  // namespace firstmile::media
