#pragma once
// RTP payload formats for AAC, protocol-neutral (the RTSP server, the RTSP client pulling
// cameras, later WebRTC). Here: RFC 3640 "mpeg4-generic" (AAC-hbr, AAC-lbr and generic AU-header
// layouts), what ffmpeg, GStreamer and most cameras send, with its fmtp parameters, a
// depacketizer (RTP packets in, raw AAC frames without ADTS out) and a packetizer (raw frames
// in, RTP payloads out) with the fmtp value to announce; and what it shares with RFC 6416
// "MP4A-LATM" (latm.hpp): fmtp parameters, frames, payloads, limits and counters.
// aac_audio_specific_config(), which reads either format's parameters, is in latm.hpp.
// Depacketizing reads peer input: it never reads outside the packet, never throws, bounds what
// it buffers, and counts what it drops.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "format/rtp/packet.hpp"
#include "media/codec/bit_reader.hpp"

namespace firstmile::format::rtp {

// fmtp parameters as sdp::Fmtp holds them; names are compared case-insensitively.
using FmtpParams = std::vector<std::pair<std::string, std::string>>;

// ---- RFC 3640 mpeg4-generic ------------------------------------------------------------------

struct Mpeg4GenericParams {
  uint32_t stream_type = 5;  // ISO/IEC 14496-1 streamType; 5 is audio, the only one taken
  std::string mode;          // "AAC-hbr", "AAC-lbr" or "generic"
  Bytes config;              // the AudioSpecificConfig
  // The AU-header fields (RFC 3640 3.2.1), lengths in bits; 0 leaves a field out.
  uint32_t size_length = 0;
  uint32_t index_length = 0;
  uint32_t index_delta_length = 0;
  uint32_t cts_delta_length = 0;
  uint32_t dts_delta_length = 0;
  bool random_access_indication = false;
  uint32_t stream_state_indication = 0;
  uint32_t auxiliary_data_size_length = 0;  // 3.2.2: the auxiliary section, skipped
  // Without AU sizes: each AU has constant_size bytes, or a packet holds one AU (or a part).
  uint32_t constant_size = 0;
  // RTP ticks from one AU to the next; 0 takes the frame length from the AudioSpecificConfig.
  uint32_t constant_duration = 0;

  // RFC 3640 3.2.1: the AU-header section (and its AU-headers-length) is there only when some
  // AU-header field is.
  bool has_au_headers() const {
    return size_length || index_length || index_delta_length || cts_delta_length ||
           dts_delta_length || random_access_indication || stream_state_indication;
  }
};

// Reads streamtype, mode, config and the length parameters (RFC 3640 4.1). A missing length
// takes the mode's value (AAC-hbr: sizelength 13, indexlength and indexdeltalength 3; AAC-lbr:
// 6, 2, 2). Refused: another streamtype, the CELP modes or an unknown one, no config or one
// that does not parse, a length over 32 bits, a value that is not a number.
Result<Mpeg4GenericParams> parse_mpeg4_generic_fmtp(const FmtpParams& params);

// The fmtp value announcing `asc` in what Mpeg4GenericPacketizer sends: "streamtype=5;
// profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; indexdeltalength=3;
// config=1190".
std::string mpeg4_generic_fmtp(ByteSpan asc);

// ---- Depacketizers ---------------------------------------------------------------------------

struct AacAccessUnit {
  uint32_t timestamp = 0;  // RTP timestamp of this frame: the packet's plus its place * duration
  Bytes data;              // one raw AAC frame, without ADTS
};

struct AacDepacketizerLimits {
  // AAC's decoder input buffer holds 6144 bits per channel (ISO/IEC 14496-3): a frame of 8
  // channels is at most 6 KiB. Also bounds a fragmented frame being put together.
  size_t max_au_bytes = 8 << 10;
  size_t max_aus_per_packet = 64;  // frames one packet (or one AudioMuxElement) may give
};

struct AacDepacketizerStats {
  uint64_t packets = 0;               // packets taken in
  uint64_t access_units = 0;          // frames output
  uint64_t lost_packets = 0;          // sequence numbers skipped
  uint64_t late_packets = 0;          // duplicates and packets older than the last, ignored
  uint64_t malformed_packets = 0;     // payloads refused (push returned an error)
  uint64_t dropped_access_units = 0;  // frames not output: lost fragments, over a limit, damaged
};

// Shared with latm.cpp like the aac_detail section at the end of this file, but declared here:
// the depacketizers hold one.
namespace aac_detail {

// The frame being put together from several packets (fragments, or packets until the marker).
// `discarding`: the rest of a dropped frame, ignored until it ends; it was counted when dropped.
struct PartialAccessUnit {
  bool active = false;
  bool discarding = false;
  uint32_t timestamp = 0;
  Bytes data;

  // Forgets the frame, counting it in dropped_access_units unless it was counted already.
  void drop(AacDepacketizerStats& stats);
  // Counts the frame likewise, then ignores its rest: `active` stays, `discarding` is set.
  void discard(AacDepacketizerStats& stats);
};

}  // namespace aac_detail

// RFC 3640: the AU-header section, the auxiliary section, then the AUs. A packet holds several
// whole AUs, or one fragment of an AU (a single AU header whose AU-size, the whole AU's, exceeds
// the data: 3.2.3), continued with the same timestamp until the marker.
class Mpeg4GenericDepacketizer {
 public:
  // clock_rate: the rtpmap clock; 0 takes the AudioSpecificConfig's sampling rate. AU i of a
  // packet is at its timestamp + i frames (1024 or 960 samples at the sampling rate, scaled to
  // the clock), or constantduration ticks, or CTS-delta when that is sent.
  explicit Mpeg4GenericDepacketizer(Mpeg4GenericParams params, uint32_t clock_rate = 0,
                                    AacDepacketizerLimits limits = {});

  // Appends the frames `packet` completes to `out`. A payload that does not parse adds nothing,
  // is counted and returns why; a sequence gap drops the frame being put together.
  Status push(const Packet& packet, std::vector<AacAccessUnit>& out);

  // RTP ticks from one frame to the next.
  uint32_t frame_duration() const { return frame_duration_; }
  const AacDepacketizerStats& stats() const { return stats_; }
  // Forgets the frame being put together and the last sequence number (a new SSRC, a seek).
  void reset();

 private:
  struct AuHeader {
    uint32_t size = 0;
    uint32_t index_delta = 0;
    std::optional<int64_t> cts_delta;
  };
  Status push_payload(const Packet& packet, std::vector<AacAccessUnit>& out);
  Status push_headerless(const Packet& packet, std::vector<AacAccessUnit>& out);
  Status push_fragment(const Packet& packet, uint32_t au_size, ByteSpan data,
                       std::vector<AacAccessUnit>& out);
  void emit(uint32_t timestamp, ByteSpan data, std::vector<AacAccessUnit>& out);

  Mpeg4GenericParams params_;
  AacDepacketizerLimits limits_;
  AacDepacketizerStats stats_;
  uint32_t frame_duration_ = 1024;
  std::optional<uint16_t> last_sequence_;
  // The AU being put together from fragments (or, without AU headers, the packets until the
  // marker).
  aac_detail::PartialAccessUnit partial_;
  uint32_t partial_size_ = 0;  // the AU-size the fragments announce; 0 without AU headers
};

// ---- Packetizers -----------------------------------------------------------------------------

struct AacRtpPayload {
  Bytes payload;
  uint32_t timestamp = 0;
  bool marker = false;  // set on each packet that ends a frame
};

struct AacPacketizerOptions {
  // Payload bytes per packet: the path MTU less the IP, UDP, RTP (and SRTP) headers. Values
  // under 64 are taken as 64.
  size_t max_payload_bytes = 1200;
  // mpeg4-generic aggregation: frames held back to share a packet (each holds ~21 ms at
  // 48 kHz, so this bounds the latency added); 1 sends each frame at once.
  size_t max_frames_per_packet = 4;
  // RTP ticks from one frame to the next: only frames that follow on share a packet, since the
  // receiver places AU i at the packet's timestamp + i frames.
  uint32_t frame_duration = 1024;
};

// RFC 3640 AAC-hbr (sizelength 13, indexlength 3, indexdeltalength 3): several frames per
// packet when they fit, a frame larger than a packet in fragments that each carry its AU
// header (the whole frame's size), as ffmpeg sends them.
class Mpeg4GenericPacketizer {
 public:
  explicit Mpeg4GenericPacketizer(AacPacketizerOptions options = {});

  // Takes one raw AAC frame (no ADTS) and appends the payloads it completes. Refused: an empty
  // frame, or one over 8191 bytes (the 13-bit AU-size).
  Status push(ByteSpan frame, uint32_t timestamp, std::vector<AacRtpPayload>& out);
  // Appends the packet being aggregated, if any.
  void flush(std::vector<AacRtpPayload>& out);

 private:
  AacPacketizerOptions options_;
  std::vector<uint16_t> pending_sizes_;
  Bytes pending_data_;
  uint32_t pending_timestamp_ = 0;
};

// ---- Shared with latm.cpp --------------------------------------------------------------------

// What the two formats' code has in common, declared here so that latm.cpp can use it; not an
// interface for other code.
namespace aac_detail {

std::optional<std::string_view> find_param(const FmtpParams& params, std::string_view name);
// A decimal uint32_t and nothing else.
std::optional<uint32_t> parse_number(std::string_view s);
// A config value: an even, non-zero number of hex digits in either case.
std::optional<Bytes> from_hex(std::string_view s);
std::string to_hex(ByteSpan bytes);  // lower case

// Walks an AudioSpecificConfig (14496-3 1.6.2.1, GASpecificConfig 4.4.1), leaving `br` after
// it, and returns the frame length in samples. With `whole` false it stops after
// frameLengthFlag, all the RTP framing needs; `whole` reads to the end, which an
// audioMuxVersion 0 StreamMuxConfig requires since nothing there gives the config's length.
// Failures go to `br`.
uint32_t walk_audio_specific_config(media::BitReader& br, bool whole);

// RTP ticks per frame: the config's frame length at its sampling rate, scaled to the clock.
uint32_t frame_duration_for(ByteSpan asc, uint32_t clock_rate);

enum class SequenceStep { kNext, kGap, kLate };

// Places a packet against the last sequence number seen: the next one, after a gap (whose size
// is counted as lost), or late (a duplicate or reordered packet, to ignore).
SequenceStep check_sequence(std::optional<uint16_t>& last, uint16_t sequence,
                            AacDepacketizerStats& stats);

// The options a packetizer keeps: max_payload_bytes at least 64, max_frames_per_packet 1-4095.
AacPacketizerOptions checked(AacPacketizerOptions o);

}  // namespace aac_detail

}  // namespace firstmile::format::rtp
