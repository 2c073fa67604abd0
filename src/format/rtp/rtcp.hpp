#pragma once
// RTCP (RFC 3550 6): compound packets of sender and receiver reports, source descriptions, BYE
// and APP, and the feedback messages RTSP and WebRTC peers exchange (RFC 4585 generic NACK and
// PLI, RFC 5104 FIR, REMB, transport-wide congestion control). The NTP times reports carry and
// the receiver statistics behind a report block are in rtcp_stats.hpp.
// Protocol-neutral, like packet.hpp. Parsing reads peer input: it never reads outside the
// datagram, never throws and is bounded (RtcpLimits). What it does not model is kept raw, so a
// parsed compound written back loses only padding and reserved bits.
//
// Unlike rtp::Packet, parsed packets own their bytes: RTCP comes a few times a second, and the
// same structs are filled in by senders (reports, NACK, PLI), so owning keeps them simple to
// build, store and compare.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::format::rtp {

// Packet types (RFC 3550 12.1, RFC 4585 6.1).
constexpr uint8_t kRtcpSenderReport = 200;
constexpr uint8_t kRtcpReceiverReport = 201;
constexpr uint8_t kRtcpSourceDescription = 202;
constexpr uint8_t kRtcpBye = 203;
constexpr uint8_t kRtcpApp = 204;
constexpr uint8_t kRtcpTransportLayerFeedback = 205;   // RTPFB
constexpr uint8_t kRtcpPayloadSpecificFeedback = 206;  // PSFB

// Feedback message types, the FMT field of RTPFB and PSFB packets.
constexpr uint8_t kRtpfbNack = 1;              // RFC 4585 6.2.1
constexpr uint8_t kRtpfbTransportWideCc = 15;  // draft-holmer-rmcat-transport-wide-cc-01 3.1
constexpr uint8_t kPsfbPli = 1;                // RFC 4585 6.3.1
constexpr uint8_t kPsfbFir = 4;                // RFC 5104 4.3.1
constexpr uint8_t kPsfbApplicationLayer = 15;  // RFC 4585 6.4; REMB is one of these

// SDES item types (RFC 3550 6.5); 0 ends a chunk's item list on the wire.
constexpr uint8_t kSdesCname = 1;
constexpr uint8_t kSdesName = 2;
constexpr uint8_t kSdesEmail = 3;
constexpr uint8_t kSdesPhone = 4;
constexpr uint8_t kSdesLocation = 5;
constexpr uint8_t kSdesTool = 6;
constexpr uint8_t kSdesNote = 7;
constexpr uint8_t kSdesPrivate = 8;

// The range of ReportBlock::cumulative_lost, a 24-bit signed field on the wire.
constexpr int32_t kMaxCumulativeLost = 0x7FFFFF;
constexpr int32_t kMinCumulativeLost = -0x800000;

// One source's reception report (RFC 3550 6.4.1).
struct ReportBlock {
  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;               // lost since the previous report, in 1/256
  int32_t cumulative_lost = 0;             // 24-bit signed on the wire: -2^23 to 2^23-1
  uint32_t extended_highest_sequence = 0;  // sequence cycles << 16 | highest sequence
  uint32_t jitter = 0;                     // interarrival jitter, in RTP timestamp units
  uint32_t last_sr = 0;                    // LSR: compact NTP time of the last SR, 0 = none
  uint32_t delay_since_last_sr = 0;        // DLSR, in 1/65536 s

  bool operator==(const ReportBlock&) const = default;
};

struct SenderInfo {
  uint64_t ntp_timestamp = 0;
  uint32_t rtp_timestamp = 0;  // the same instant as ntp_timestamp, in the media clock
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;  // payload octets

  bool operator==(const SenderInfo&) const = default;
};

// PT 200. At most 31 report blocks (the 5-bit count); write() drops any beyond.
struct SenderReport {
  uint32_t ssrc = 0;
  SenderInfo sender;
  std::vector<ReportBlock> reports;
  Bytes extension;  // the profile-specific extension after the blocks (RFC 3550 6.4.1), as is

  bool operator==(const SenderReport&) const = default;
};

// PT 201. Chrome sends one with no report blocks before it has received media.
struct ReceiverReport {
  uint32_t ssrc = 0;
  std::vector<ReportBlock> reports;
  Bytes extension;

  bool operator==(const ReceiverReport&) const = default;
};

// An SDES item: its type (1-255) and text of up to 255 bytes. A PRIV item's text holds its
// prefix length, prefix and value as they are on the wire.
struct SdesItem {
  uint8_t type = 0;
  std::string text;

  bool operator==(const SdesItem&) const = default;
};

struct SdesChunk {
  uint32_t ssrc = 0;
  std::vector<SdesItem> items;

  std::optional<std::string_view> cname() const;

  bool operator==(const SdesChunk&) const = default;
};

// PT 202. At most 31 chunks.
struct SourceDescription {
  std::vector<SdesChunk> chunks;

  bool operator==(const SourceDescription&) const = default;
};

// PT 203. At most 31 SSRCs; a reason of up to 255 bytes.
struct Bye {
  std::vector<uint32_t> ssrcs;
  std::optional<std::string> reason;

  bool operator==(const Bye&) const = default;
};

// PT 204 (RFC 3550 6.7): application-defined, kept as it is.
struct App {
  uint8_t subtype = 0;  // 0-31
  uint32_t ssrc = 0;
  std::array<char, 4> name{};
  Bytes data;

  bool operator==(const App&) const = default;
};

// One FCI entry of a generic NACK (RFC 4585 6.2.1): packet `pid` is lost, and packet pid+i+1
// for each bit i set in `blp`.
struct NackItem {
  uint16_t pid = 0;
  uint16_t blp = 0;

  bool operator==(const NackItem&) const = default;
};

// RTPFB FMT 1.
struct Nack {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  std::vector<NackItem> items;

  bool operator==(const Nack&) const = default;
};

// RTPFB FMT 15: transport-wide congestion control feedback, its FCI kept as it is (the reader
// is the congestion controller).
struct TransportFeedback {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  Bytes fci;

  bool operator==(const TransportFeedback&) const = default;
};

// PSFB FMT 1: picture loss indication (no FCI).
struct Pli {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;

  bool operator==(const Pli&) const = default;
};

struct FirEntry {
  uint32_t ssrc = 0;     // the media sender asked for a decoder refresh
  uint8_t sequence = 0;  // incremented for each new request (RFC 5104 4.3.1.1)

  bool operator==(const FirEntry&) const = default;
};

// PSFB FMT 4: full intra request. RFC 5104 4.3.1.2: the media SSRC "SHALL be set to 0"; the
// targets are in the entries.
struct Fir {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  std::vector<FirEntry> entries;

  bool operator==(const Fir&) const = default;
};

// PSFB FMT 15 with the "REMB" identifier (draft-alvestrand-rmcat-remb-03 2.2): the receiver's
// estimate of the total bitrate, mantissa * 2^exponent bits per second, for `ssrcs`.
struct Remb {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;  // 0 by the draft
  uint8_t exponent = 0;     // 6 bits
  uint32_t mantissa = 0;    // 18 bits
  std::vector<uint32_t> ssrcs;

  uint64_t bitrate() const;  // saturates at UINT64_MAX
  // The smallest exponent whose mantissa holds the value (rounded down to its 18 bits).
  void set_bitrate(uint64_t bits_per_second);

  bool operator==(const Remb&) const = default;
};

// Any other RTPFB or PSFB message (TMMBR, SLI, RPSI, application-layer feedback other than
// REMB, a NACK format of its own...), kept as it is. `type` is 205 or 206; a format that has a
// struct above is written by it, and reads back as that struct.
struct Feedback {
  uint8_t type = 0;
  uint8_t format = 0;  // FMT, 0-31
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  Bytes fci;

  bool operator==(const Feedback&) const = default;
};

// A packet type none of the above model (XR, RSI, ...), kept as it is: its type, the 5-bit
// count field and the body after the 4-byte header, padding removed.
struct UnknownRtcp {
  uint8_t type = 0;
  uint8_t count = 0;
  Bytes body;

  bool operator==(const UnknownRtcp&) const = default;
};

using RtcpPacket = std::variant<SenderReport, ReceiverReport, SourceDescription, Bye, App, Nack,
                                TransportFeedback, Pli, Fir, Remb, Feedback, UnknownRtcp>;

struct RtcpLimits {
  size_t max_packets = 64;      // in one compound packet
  size_t max_sdes_items = 16;   // in one SDES chunk (report blocks, chunks, BYE SSRCs: 31)
  size_t max_nack_items = 512;  // 8704 sequence numbers, more than a 1500-byte packet holds
  size_t max_fir_entries = 64;
  size_t max_remb_ssrcs = 64;
};

// The packets of a compound RTCP packet (a UDP datagram, an interleaved frame's body, an SRTCP
// packet after decryption). Padding (the P bit) is removed from any packet that has it, not
// only the last. Lenient where real senders are: an SDES chunk may end without its null item
// when the packet ends, and bytes after the last chunk, the BYE reason or a REMB's SSRCs are
// ignored. Refused: an empty datagram, a header cut short, a version other than 2, a length
// past the end, a padding count of 0 or longer than the body, a count that does not fit the
// length (report blocks, chunks, SSRCs, items, NACK and FIR entries), more than the limits.
Result<std::vector<RtcpPacket>> parse_rtcp(ByteSpan datagram, const RtcpLimits& limits = {});

// Appends the packets, each with its header and length. A raw body or extension that is not a
// multiple of 4 bytes is padded (P bit set) to keep the 32-bit alignment. Counts are capped at
// their field's width and texts at 255 bytes; a packet must stay under 256 KiB (the 16-bit
// length). parse_rtcp() reads the result back as the same packets.
void write_rtcp(std::span<const RtcpPacket> packets, Bytes& out);
void write_rtcp(const RtcpPacket& packet, Bytes& out);

// Whether a datagram on a port that carries both RTP and RTCP is RTCP: version 2 and a second
// byte in 192-223 (RFC 5761 4).
bool is_rtcp(ByteSpan datagram);

// The sequence numbers a NACK's items mark lost, in item order.
std::vector<uint16_t> lost_sequences(std::span<const NackItem> items);

// Items for these lost sequence numbers, in any order, duplicates dropped: ascending from the
// one after the widest gap (modulo 2^16), so a run across the 16-bit wrap stays one run.
std::vector<NackItem> nack_items(std::span<const uint16_t> lost);

}  // namespace firstmile::format::rtp
