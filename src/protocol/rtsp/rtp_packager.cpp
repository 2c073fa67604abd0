#include "protocol/rtsp/rtp_packager.hpp"

#include <random>

#include "format/rtp/packet.hpp"
#include "format/rtp/parameter_sets.hpp"
#include "format/sdp.hpp"
#include "media/codec/h264.hpp"
#include "media/codec/h265.hpp"
#include "protocol/rtsp/wire/message.hpp"

namespace firstmile::rtsp {
namespace rtp = format::rtp;

namespace {

uint32_t random_u32() {
  return static_cast<uint32_t>(std::random_device{}());
}

void frame_into(Bytes& out, uint8_t channel, ByteSpan packet) {
  write_interleaved_header(channel, packet.size(), out);
  out.insert(out.end(), packet.begin(), packet.end());
}

bool rtp_video(media::Codec c) {
  return c == media::Codec::H264 || c == media::Codec::H265;
}
bool rtp_audio(media::Codec c) {
  return c == media::Codec::AAC || c == media::Codec::Opus;
}

}  // namespace

std::vector<output::Packet> RtpPackager::headers(const media::Tracks& tracks) {
  tracks_ = tracks;
  video_.reset();
  aac_.reset();
  if (tracks.video && rtp_video(tracks.video->codec)) {
    video_.emplace(
        rtp::NalPacketizer::Settings{.codec = tracks.video->codec,
                                     .payload_type = kVideoPayloadType,
                                     .ssrc = random_u32(),
                                     .first_sequence = static_cast<uint16_t>(random_u32()),
                                     .max_payload = kMaxPayload});
  }
  if (tracks.audio && tracks.audio->codec == media::Codec::AAC) {
    // One frame per packet: aggregating would hold audio back for nothing over TCP.
    aac_.emplace(
        rtp::AacPacketizerOptions{.max_payload_bytes = kMaxPayload, .max_frames_per_packet = 1});
  }
  audio_ssrc_ = random_u32();
  video_offset_ = random_u32();
  audio_offset_ = random_u32();
  audio_sequence_ = static_cast<uint16_t>(random_u32());
  return {};  // the SDP carries what a player needs first
}

std::optional<output::Packet> RtpPackager::package(const media::Frame& frame) {
  Bytes framed;
  const bool video = frame.kind == media::MediaKind::Video;
  if (video) {
    if (!video_ || !tracks_.video || frame.codec != tracks_.video->codec) return std::nullopt;
    std::vector<Bytes> packets;
    if (!video_->packetize(frame.payload.span(), static_cast<uint32_t>(frame.pts) + video_offset_,
                           packets)) {
      return std::nullopt;
    }
    for (const auto& p : packets)
      frame_into(framed, kVideoChannel, p);
  } else {
    if (!tracks_.audio || frame.codec != tracks_.audio->codec) return std::nullopt;
    const uint32_t rate = tracks_.audio->sample_rate ? tracks_.audio->sample_rate : 48000;
    const uint32_t clock = frame.codec == media::Codec::Opus ? 48000 : rate;
    const auto ts = static_cast<uint32_t>(frame.pts * clock / media::kTimeBase) + audio_offset_;
    auto emit = [&](ByteSpan payload, uint32_t timestamp, bool marker) {
      rtp::Packet p;
      p.marker = marker;
      p.payload_type = kAudioPayloadType;
      p.sequence = audio_sequence_++;
      p.timestamp = timestamp;
      p.ssrc = audio_ssrc_;
      p.payload = payload;
      Bytes bytes;
      rtp::write(p, bytes);
      frame_into(framed, kAudioChannel, bytes);
    };
    if (frame.codec == media::Codec::Opus) {
      emit(frame.payload.span(), ts, true);
    } else {
      if (!aac_) return std::nullopt;
      std::vector<rtp::AacRtpPayload> payloads;
      if (!aac_->push(frame.payload.span(), ts, payloads)) return std::nullopt;
      aac_->flush(payloads);
      for (const auto& pl : payloads)
        emit(pl.payload, pl.timestamp, pl.marker);
    }
  }
  if (framed.empty()) return std::nullopt;
  output::Packet out;
  out.data = Buffer::adopt(std::move(framed));
  out.dts = frame.dts;
  // Audio-only streams resume anywhere; with video, at its keyframes.
  out.keyframe = video ? frame.keyframe : !tracks_.video;
  return out;
}

std::optional<std::string> describe_tracks(const media::Tracks& tracks,
                                           const std::string& address) {
  format::sdp::Session s;
  s.origin = "- " + std::to_string(random_u32()) + " 1 IN IP4 " + address;
  s.name = "firstmile";
  s.connection = "IN IP4 0.0.0.0";
  s.times = {"0 0"};
  s.attributes.push_back({"tool", "firstmile", true});
  s.attributes.push_back({"range", "npt=now-", true});
  s.attributes.push_back({"control", "*", true});
  const std::string pt_video = std::to_string(kVideoPayloadType);
  const std::string pt_audio = std::to_string(kAudioPayloadType);
  if (tracks.video && rtp_video(tracks.video->codec)) {
    format::sdp::Media m;
    m.type = "video";
    m.protocol = "RTP/AVP";
    m.formats = {pt_video};
    std::string fmtp;
    if (tracks.video->codec == media::Codec::H264) {
      auto avcc = media::parse_avcc(tracks.video->config.span());
      if (!avcc) return std::nullopt;
      fmtp = rtp::h264_fmtp(avcc->sps, avcc->pps);
      m.attributes.push_back({"rtpmap", pt_video + " H264/90000", true});
    } else {
      auto hvcc = media::parse_hvcc(tracks.video->config.span());
      if (!hvcc) return std::nullopt;
      fmtp = rtp::h265_fmtp(hvcc->vps, hvcc->sps, hvcc->pps);
      m.attributes.push_back({"rtpmap", pt_video + " H265/90000", true});
    }
    m.attributes.push_back({"fmtp", pt_video + " " + fmtp, true});
    m.attributes.push_back({"control", "trackID=0", true});
    s.media.push_back(std::move(m));
  }
  if (tracks.audio && rtp_audio(tracks.audio->codec)) {
    format::sdp::Media m;
    m.type = "audio";
    m.protocol = "RTP/AVP";
    m.formats = {pt_audio};
    if (tracks.audio->codec == media::Codec::AAC) {
      const uint32_t rate = tracks.audio->sample_rate ? tracks.audio->sample_rate : 48000;
      const uint32_t channels = tracks.audio->channels ? tracks.audio->channels : 2;
      m.attributes.push_back(
          {"rtpmap",
           pt_audio + " MPEG4-GENERIC/" + std::to_string(rate) + "/" + std::to_string(channels),
           true});
      m.attributes.push_back(
          {"fmtp", pt_audio + " " + rtp::mpeg4_generic_fmtp(tracks.audio->config.span()), true});
    } else {
      m.attributes.push_back({"rtpmap", pt_audio + " opus/48000/2", true});
      m.attributes.push_back({"fmtp", pt_audio + " sprop-stereo=1", true});
    }
    m.attributes.push_back({"control", "trackID=1", true});
    s.media.push_back(std::move(m));
  }
  if (s.media.empty()) return std::nullopt;
  return format::sdp::write(s);
}

}  // namespace firstmile::rtsp
