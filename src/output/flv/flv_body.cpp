#include "output/flv/flv_body.hpp"

#include "format/flv.hpp"

namespace firstmile::output {

using format::PacketKind;

std::optional<Bytes> config_body(const media::TrackInfo& track) {
  if (!track.has_config()) return std::nullopt;
  Bytes out;
  size_t n;
  if (track.kind == media::MediaKind::Video) {
    n = format::write_video_tag_header(out, track.codec, PacketKind::SequenceHeader, true, 0);
  } else {
    n = format::write_audio_tag_header(out, track.codec, PacketKind::SequenceHeader,
                                       track.sample_rate ? track.sample_rate : 44100,
                                       static_cast<uint8_t>(track.channels ? track.channels : 2));
  }
  if (n == 0) return std::nullopt;
  out.insert(out.end(), track.config.span().begin(), track.config.span().end());
  return out;
}

Bytes metadata_body(const media::Tracks& tracks) {
  std::vector<format::amf0::Property> props;
  if (tracks.video) {
    const auto& v = *tracks.video;
    props.emplace_back("width", v.width);
    props.emplace_back("height", v.height);
    if (v.frame_rate > 0) props.emplace_back("framerate", v.frame_rate);
    // Legacy codec id 7 for AVC; Enhanced RTMP players read the FourCC as a number.
    if (v.codec == media::Codec::H264)
      props.emplace_back("videocodecid", 7);
    else if (v.codec == media::Codec::H265)
      props.emplace_back("videocodecid", fourcc("hvc1"));
  }
  if (tracks.audio) {
    const auto& a = *tracks.audio;
    if (a.codec == media::Codec::AAC) props.emplace_back("audiocodecid", 10);
    if (a.sample_rate) props.emplace_back("audiosamplerate", a.sample_rate);
    props.emplace_back("stereo", a.channels >= 2);
  }
  props.emplace_back("encoder", "firstmile/" FIRSTMILE_VERSION);
  return format::build_on_metadata(props);
}

bool write_frame_body_header(Bytes& out, const media::Frame& frame, const media::Tracks& tracks) {
  if (frame.kind == media::MediaKind::Video) {
    auto cts = static_cast<int32_t>(media::ticks_to_ms(frame.pts - frame.dts));
    return format::write_video_tag_header(out, frame.codec, PacketKind::CodedFrames, frame.keyframe,
                                          cts) != 0;
  }
  const auto* a = tracks.audio ? &*tracks.audio : nullptr;
  return format::write_audio_tag_header(out, frame.codec, PacketKind::CodedFrames,
                                        a && a->sample_rate ? a->sample_rate : 44100,
                                        static_cast<uint8_t>(a && a->channels ? a->channels : 2)) !=
         0;
}

}  // namespace firstmile::output
