#pragma once
#include <cstdint>
#include <string_view>

namespace firstmile::media {

enum class MediaKind : uint8_t { Video, Audio };

// G711A/G711U (PCMA/PCMU) come only from RTP cameras, and are made AAC before the hub sees them.
enum class Codec : uint8_t { Unknown, H264, H265, AV1, VP8, VP9, AAC, Opus, MP3, G711A, G711U };

constexpr std::string_view codec_name(Codec c) {
  switch (c) {
    case Codec::H264:
      return "h264";
    case Codec::H265:
      return "h265";
    case Codec::AV1:
      return "av1";
    case Codec::VP8:
      return "vp8";
    case Codec::VP9:
      return "vp9";
    case Codec::AAC:
      return "aac";
    case Codec::Opus:
      return "opus";
    case Codec::MP3:
      return "mp3";
    case Codec::G711A:
      return "g711a";
    case Codec::G711U:
      return "g711u";
    case Codec::Unknown:
      break;
  }
  return "unknown";
}

constexpr MediaKind codec_kind(Codec c) {
  switch (c) {
    case Codec::AAC:
    case Codec::Opus:
    case Codec::MP3:
    case Codec::G711A:
    case Codec::G711U:
      return MediaKind::Audio;
    default:
      return MediaKind::Video;
  }
}

}  // namespace firstmile::media
