#pragma once
// RTSP playback packaging: each frame becomes its RTP packets (H.264/H.265 RFC 6184/7798, AAC
// RFC 3640, Opus RFC 7587) once per stream, each already framed for RTP interleaved in the RTSP
// connection ('$', channel, length: RFC 2326 10.12). The channels are the server's, the same
// for every player (video 0-1, audio 2-3, told in SETUP), so the one Buffer is written as it is
// to every TCP player, like an RTMP message: no per-player copy. One SSRC and one sequence per
// track, shared by the players; a player that skips sees a gap, as after a loss.
#include <cstdint>
#include <optional>
#include <string>

#include "format/rtp/aac.hpp"
#include "format/rtp/nal_packetizer.hpp"
#include "output/packet.hpp"

namespace firstmile::rtsp {

constexpr uint8_t kVideoChannel = 0;  // RTCP on 1
constexpr uint8_t kAudioChannel = 2;  // RTCP on 3
constexpr uint8_t kVideoPayloadType = 96;
constexpr uint8_t kAudioPayloadType = 97;

class RtpPackager : public output::Packager {
 public:
  // RTP payload bytes per packet: the connection is TCP, but players also take these over UDP
  // later; 1400 keeps a packet in an Ethernet frame.
  static constexpr size_t kMaxPayload = 1400;

  std::vector<output::Packet> headers(const media::Tracks& tracks) override;
  std::optional<output::Packet> package(const media::Frame& frame) override;

 private:
  media::Tracks tracks_;
  std::optional<format::rtp::NalPacketizer> video_;
  std::optional<format::rtp::Mpeg4GenericPacketizer> aac_;
  // Random offsets of the RTP clocks (RFC 3550 5.1: the initial timestamp should be random).
  uint32_t video_offset_ = 0;
  uint32_t audio_offset_ = 0;
  uint32_t audio_ssrc_ = 0;
  uint16_t audio_sequence_ = 0;
};

// The SDP a DESCRIBE answers with for `tracks`: one media section per track, controls
// "trackID=0" (video) and "trackID=1" (audio), what RtpPackager sends. nullopt when no track
// can be described (a codec RTSP does not carry here).
std::optional<std::string> describe_tracks(const media::Tracks& tracks, const std::string& address);

}  // namespace firstmile::rtsp
