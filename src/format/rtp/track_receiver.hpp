#pragma once
// One RTP media stream received (an SDP media section of an RTSP ANNOUNCE or a camera's
// DESCRIBE; later a WebRTC publisher's): its packets, in sequence order, become the hub's
// frames and its TrackInfo. The codec comes from the SDP's rtpmap; the codec configuration from
// its fmtp (H.264 sprop-parameter-sets, H.265 sprop-vps/sps/pps, AAC config), replaced by
// parameter sets that arrive in band. Video that lost a packet resumes at the next keyframe;
// decode times are derived from the presentation times RTP carries (DecodeTimes).
//
// Times: the stream's RTP clock counts from its first packet, placed on a clock the caller
// shares among a session's tracks (90 kHz ticks). By default the first packet goes at the
// `arrival` given with it, which aligns a session's tracks as their first packets arrived (what
// gortsplib does). An RTCP sender report that comes before the first packet (ffmpeg sends one)
// gives an anchor instead: its RTP time at the sender's NTP time, which the caller maps to the
// shared clock, so tracks line up as the sender captured them. A report that comes later
// changes nothing: moving a timeline that has started would make a jump.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "format/rtp/packet.hpp"
#include "format/sdp.hpp"
#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::format::rtp {

class TrackReceiver {
 public:
  struct Counters {
    uint64_t packets = 0;
    uint64_t frames = 0;
    uint64_t lost_packets = 0;
    uint64_t malformed_packets = 0;
    uint64_t dropped_frames = 0;  // waiting for a keyframe or a configuration, or unorderable
  };

  // The receiver for `media`'s first payload type whose encoding is supported: H264, H265,
  // mpeg4-generic, MP4A-LATM, opus. Refused, with what the section offers: anything else, a
  // configuration that does not parse, a clock rate of 0.
  static Result<std::unique_ptr<TrackReceiver>> create(const sdp::Media& media);
  virtual ~TrackReceiver() = default;

  media::MediaKind kind() const { return kind_; }
  media::Codec codec() const { return codec_; }
  uint8_t payload_type() const { return payload_type_; }
  uint32_t clock_rate() const { return clock_rate_; }
  // "H264/90000", as the SDP named it (for log lines).
  const std::string& encoding() const { return encoding_; }

  // The track, once its configuration is known (nullopt before: video without parameter sets
  // yet). changed() says whether it changed since the last call (and resets the flag).
  const std::optional<media::TrackInfo>& track() const { return track_; }
  bool changed();

  // Where RTP time `rtp_timestamp` falls on the shared clock, from a sender report. Used only
  // when it comes before the first packet.
  void anchor(uint32_t rtp_timestamp, int64_t ticks);

  // One packet of this stream, in sequence order; `arrival` in 90 kHz ticks. Packets of
  // another payload type are counted as malformed and ignored. Appends the frames it completes.
  void push(const Packet& packet, int64_t arrival, std::vector<media::Frame>& out);
  // The frames still held (the end of the stream).
  virtual void flush(std::vector<media::Frame>& out) = 0;

  const Counters& counters() const { return counters_; }
  // Why the last packet was refused ("" when none was).
  const std::string& last_error() const { return last_error_; }

 protected:
  TrackReceiver(media::MediaKind kind, media::Codec codec, uint8_t payload_type,
                uint32_t clock_rate, std::string encoding);
  virtual void receive(const Packet& packet, std::vector<media::Frame>& out) = 0;
  // RTP timestamp -> 64-bit 90 kHz ticks on the session's clock.
  int64_t ticks(uint32_t rtp_timestamp);
  void set_track(media::TrackInfo track);
  void refuse(std::string why) {
    ++counters_.malformed_packets;
    last_error_ = std::move(why);
  }

  Counters counters_;

 private:
  media::MediaKind kind_;
  media::Codec codec_;
  uint8_t payload_type_;
  uint32_t clock_rate_;
  std::string encoding_;
  std::optional<media::TrackInfo> track_;
  bool changed_ = false;
  std::string last_error_;
  TimestampUnwrapper unwrap_;
  std::optional<uint64_t> first_rtp_;
  std::optional<std::pair<uint32_t, int64_t>> anchor_;
  int64_t origin_ = 0;  // the session clock at the first packet
  int64_t arrival_ = 0;
};

}  // namespace firstmile::format::rtp
