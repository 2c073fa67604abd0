#pragma once
// H.264 (RFC 6184) and H.265 (RFC 7798) RTP payloads back into access units. Both formats carry
// NAL units the same three ways: one NAL unit per packet, several small ones aggregated into one
// packet (H.264 STAP-A, H.265 AP), one large one fragmented over several packets (FU-A, FU), so
// one class reads both, told which header layout to expect.
//
// Packets are given in sequence order (after the reorder buffer for UDP). An access unit ends
// at the marker bit (RFC 6184 5.1, RFC 7798 4.1) or, for senders that never set it, when the
// timestamp changes. A sequence gap loses whatever it cut through: the access unit it falls in
// is returned marked `damaged`, and the caller decides (the ingest waits for the next keyframe).
// Parsing reads peer input: it never throws and bounds what it holds.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "format/rtp/packet.hpp"
#include "media/codec.hpp"

namespace firstmile::format::rtp {

struct AccessUnit {
  uint32_t timestamp = 0;  // RTP timestamp (90 kHz): presentation time
  Bytes nals;              // each NAL unit prefixed by its 4-byte big-endian length (AVCC)
  size_t nal_count = 0;
  bool keyframe = false;  // holds an IDR (H.264) or IRAP (H.265) NAL unit
  bool damaged = false;   // a packet of it was lost or malformed
};

class NalDepacketizer {
 public:
  struct Limits {
    size_t max_access_unit_bytes = 16 * 1024 * 1024;
    size_t max_nals = 4096;  // per access unit
  };
  struct Counters {
    uint64_t packets = 0;
    uint64_t lost_packets = 0;       // from sequence gaps
    uint64_t malformed_packets = 0;  // refused, with last_error() saying why
    uint64_t oversized_units = 0;    // access units cut at max_access_unit_bytes
    uint64_t damaged_units = 0;      // access units returned with `damaged`
  };

  // `codec` is Codec::H264 or Codec::H265.
  explicit NalDepacketizer(media::Codec codec) : NalDepacketizer(codec, Limits{}) {}
  NalDepacketizer(media::Codec codec, Limits limits);

  // Reads one packet; appends the access units it completes (at most two: the one a timestamp
  // change ended, and the one this packet's marker ends) to `out`.
  void push(const Packet& packet, std::vector<AccessUnit>& out);

  // The access unit being assembled, if it holds anything (at the end of a stream).
  std::optional<AccessUnit> flush();

  const Counters& counters() const { return counters_; }
  const std::string& last_error() const { return last_error_; }

 private:
  void read_payload(ByteSpan payload);
  void read_aggregate(ByteSpan body);
  void read_fragment(ByteSpan payload);
  void add_nal(ByteSpan nal);
  void drop_fragment();
  void malformed(std::string why);
  void finish(std::vector<AccessUnit>& out);
  bool is_keyframe_nal(ByteSpan nal) const;

  media::Codec codec_;
  size_t header_bytes_;  // NAL header: 1 (H.264) or 2 (H.265)
  Limits limits_;
  Counters counters_;
  std::string last_error_;

  AccessUnit unit_;
  bool open_ = false;  // unit_ has received a packet
  std::optional<uint16_t> last_sequence_;
  // A fragmented NAL unit in progress: its length prefix is at fragment_start_ in unit_.nals.
  bool in_fragment_ = false;
  size_t fragment_start_ = 0;
};

}  // namespace firstmile::format::rtp
