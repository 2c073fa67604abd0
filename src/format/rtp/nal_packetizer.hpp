#pragma once
// Access units of H.264 (RFC 6184, packetization-mode=1) or H.265 (RFC 7798) as RTP packets:
// a NAL unit that fits the payload size goes alone; consecutive small ones (parameter sets, SEI)
// share a STAP-A / AP; a larger one is cut into FU-A / FU fragments. The marker bit is set on
// the access unit's last packet. Serialized once per stream, the packets are what every RTSP and
// WebRTC viewer of the stream receives.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "media/codec.hpp"

namespace firstmile::format::rtp {

class NalPacketizer {
 public:
  struct Settings {
    media::Codec codec = media::Codec::H264;  // H264 or H265
    uint8_t payload_type = 96;
    uint32_t ssrc = 0;
    uint16_t first_sequence = 0;
    // RTP payload bytes per packet. 1200 keeps a packet under the minimum IPv6 MTU with room
    // for SRTP, TURN and IP headers (what browsers use too).
    size_t max_payload = 1200;
  };

  explicit NalPacketizer(Settings settings);

  // Appends one serialized RTP packet per element of `out` for the access unit `avcc` (NAL
  // units each prefixed by a 4-byte length) at RTP timestamp `timestamp`. Access unit
  // delimiters are left out (RFC 6184 does not forbid them, but receivers gain nothing).
  // Returns false, appending nothing, for a malformed payload.
  bool packetize(ByteSpan avcc, uint32_t timestamp, std::vector<Bytes>& out);

  uint16_t next_sequence() const { return sequence_; }
  uint32_t ssrc() const { return settings_.ssrc; }

 private:
  void emit(ByteSpan payload, bool marker, uint32_t timestamp, std::vector<Bytes>& out);
  void emit_aggregate(const std::vector<ByteSpan>& nals, bool marker, uint32_t timestamp,
                      std::vector<Bytes>& out);
  void emit_fragments(ByteSpan nal, bool marker, uint32_t timestamp, std::vector<Bytes>& out);

  Settings settings_;
  size_t header_bytes_;
  uint16_t sequence_;
};

}  // namespace firstmile::format::rtp
