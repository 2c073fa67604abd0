#pragma once
// The multivariant ("master") playlist of a stream (RFC 8216bis section 4.4.6): one
// EXT-X-STREAM-INF per variant, with what a player needs to choose before it loads any media
// playlist. Today a stream has one variant (its own media playlist), or with hls.audio_rendition
// a video variant whose audio is an alternate rendition (EXT-X-MEDIA); the transcoding ladder
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
  std::string audio_group;         // AUDIO: GROUP-ID of its audio renditions; empty = none
};

// EXT-X-MEDIA with TYPE=AUDIO (section 4.4.6.1): an alternate audio rendition.
struct AudioRenditionInfo {
  std::string group_id;
  std::string name;        // NAME, human-readable
  std::string uri;         // its media playlist
  uint32_t channels = 0;   // CHANNELS; 0 = unknown (left out)
  bool is_default = true;  // DEFAULT=YES (and AUTOSELECT=YES, which DEFAULT=YES requires)
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

// Renders the playlist: the EXT-X-MEDIA tags, then the variants. Variants without BANDWIDTH get
// 1 (the attribute is required).
std::string render_multivariant(const std::vector<VariantInfo>& variants,
                                const std::vector<AudioRenditionInfo>& audio = {});

// A video variant listening to the audio rendition `audio` (described alone from its own
// segments) as group `group`: section 4.4.6.2 wants CODECS to list every format of the
// renditions it may be played with, and BANDWIDTH the largest sum of peak segment bit rates of
// a playable combination, so the audio's rates are added to the video's. `video` must be
// described with both tracks (CODECS) and the video segments only (rates).
VariantInfo with_audio_group(VariantInfo video, const VariantInfo& audio, std::string group);

struct HlsSnapshot;
// The multivariant playlist of a stream's HLS output: its muxed media playlist (index.m3u8), or
// with demuxed renditions that have segments, video.m3u8 with audio.m3u8 as its audio.
std::string stream_multivariant(const HlsSnapshot& muxed, const HlsSnapshot* video,
                                const HlsSnapshot* audio);

}  // namespace firstmile::hls
