#include "media/codec/track_info.hpp"

#include <string_view>

#include "media/codec/aac.hpp"
#include "media/codec/h264.hpp"
#include "media/codec/h265.hpp"

namespace firstmile::media {

namespace {

Status describe_h264(TrackInfo& track) {
  auto avcc = parse_avcc(track.config.span());
  if (!avcc) return avcc.error();
  if (avcc->sps.empty()) return fail("avcC has no SPS");
  auto sps = parse_h264_sps(avcc->sps.front());
  if (!sps) return wrap("avcC", sps.error());
  track.width = sps->width;
  track.height = sps->height;
  if (sps->frame_rate > 0) track.frame_rate = sps->frame_rate;  // else keep a measured rate
  track.profile = h264_profile_name(*sps);
  track.level = sps->level_idc / 10.0;
  track.codec_string = h264_codec_string(*sps);
  return {};
}

Status describe_h265(TrackInfo& track) {
  auto hvcc = parse_hvcc(track.config.span());
  if (!hvcc) return hvcc.error();
  if (hvcc->sps.empty()) return fail("hvcC has no SPS");
  auto sps = parse_h265_sps(hvcc->sps.front());
  if (!sps) return wrap("hvcC", sps.error());
  track.width = sps->width;
  track.height = sps->height;
  if (sps->frame_rate > 0) track.frame_rate = sps->frame_rate;
  // A.3: a decoder conforming to profile j may decode a stream with general_profile_idc 0 (or
  // an unknown one) when general_profile_compatibility_flag[j] is set; name the first such j.
  uint8_t profile = sps->general_profile_idc;
  if (profile == 0) {
    for (uint8_t j = 1; j < 32; ++j) {
      if (sps->general_profile_compatibility_flags & (0x80000000u >> j)) {
        profile = j;
        break;
      }
    }
  }
  track.profile = h265_profile_name(profile);
  track.level = sps->general_level_idc / 30.0;  // A.4: general_level_idc = 30 * level number
  track.codec_string = h265_codec_string(*sps);
  return {};
}

Status describe_aac(TrackInfo& track) {
  auto asc = parse_audio_specific_config(track.config.span());
  if (!asc) return asc.error();
  track.sample_rate = asc->sample_rate;
  track.channels = asc->channels();
  track.object_type = asc->object_type;
  track.codec_string = aac_codec_string(*asc);
  return {};
}

Status describe_opus(TrackInfo& track) {
  // RFC 7845 5.1 identification header: "OpusHead", version, output channel count, ... The ISO
  // BMFF 'dOps' box body and some muxers' codec private data leave out the 8-byte magic.
  constexpr std::string_view kMagic = "OpusHead";
  ByteSpan head = track.config.span();
  const bool has_magic =
      head.size() >= kMagic.size() &&
      std::string_view(reinterpret_cast<const char*>(head.data()), kMagic.size()) == kMagic;
  if (has_magic) head = head.subspan(kMagic.size());
  // version (1 byte) and channel count (1 byte) are all that is needed here.
  if (head.size() < 2) return fail("OpusHead: ", track.config.size(), " bytes is too short");
  if (head[1] == 0) return fail("OpusHead: channel count 0");
  // RFC 7845 5.1: Opus always decodes at 48 kHz; input sample rate is only informational.
  track.sample_rate = 48000;
  track.channels = head[1];
  track.codec_string = "opus";
  return {};
}

}  // namespace

Status describe_track(TrackInfo& track) {
  // Each describe_* writes the track only after everything it needs has parsed, so a failure
  // leaves the fields as they were.
  Status status;
  switch (track.codec) {
    case Codec::H264:
      status = describe_h264(track);
      break;
    case Codec::H265:
      status = describe_h265(track);
      break;
    case Codec::AAC:
      status = describe_aac(track);
      break;
    case Codec::Opus:
      status = describe_opus(track);
      break;
    default:
      return {};  // no parameter parser (yet) for this codec: nothing to describe
  }
  if (!status) return wrap(std::string(codec_name(track.codec)) + " track", status.error());
  return status;
}

}  // namespace firstmile::media
