#include "format/rtp/nal_depacketizer.hpp"

#include "format/rtp/nal_types.hpp"

namespace firstmile::format::rtp {
namespace {

using namespace nal_type;

uint8_t h264_type(ByteSpan nal) {
  return nal[0] & 0x1f;
}
uint8_t h265_type(ByteSpan nal) {
  return (nal[0] >> 1) & 0x3f;
}

void put_u32(Bytes& out, size_t at, uint32_t v) {
  out[at] = static_cast<uint8_t>(v >> 24);
  out[at + 1] = static_cast<uint8_t>(v >> 16);
  out[at + 2] = static_cast<uint8_t>(v >> 8);
  out[at + 3] = static_cast<uint8_t>(v);
}

}  // namespace

NalDepacketizer::NalDepacketizer(media::Codec codec, Limits limits)
    : codec_(codec), header_bytes_(codec == media::Codec::H265 ? 2 : 1), limits_(limits) {}

bool NalDepacketizer::is_keyframe_nal(ByteSpan nal) const {
  if (codec_ == media::Codec::H265) {
    const uint8_t t = h265_type(nal);
    return t >= 16 && t <= 21;  // IRAP: BLA, IDR, CRA (ITU-T H.265 table 7-1)
  }
  return h264_type(nal) == 5;
}

void NalDepacketizer::drop_fragment() {
  if (!in_fragment_) return;
  unit_.nals.resize(fragment_start_);
  --unit_.nal_count;
  in_fragment_ = false;
}

void NalDepacketizer::malformed(std::string why) {
  ++counters_.malformed_packets;
  last_error_ = std::move(why);
  unit_.damaged = true;
}

void NalDepacketizer::finish(std::vector<AccessUnit>& out) {
  if (in_fragment_) {
    // The unit ended inside a fragmented NAL unit: its end was lost.
    drop_fragment();
    unit_.damaged = true;
  }
  if (open_ && (unit_.nal_count > 0 || unit_.damaged)) {
    if (unit_.damaged) ++counters_.damaged_units;
    out.push_back(std::move(unit_));
  }
  unit_ = AccessUnit{};
  open_ = false;
}

std::optional<AccessUnit> NalDepacketizer::flush() {
  std::vector<AccessUnit> out;
  finish(out);
  if (out.empty()) return std::nullopt;
  return std::move(out.front());
}

void NalDepacketizer::push(const Packet& packet, std::vector<AccessUnit>& out) {
  ++counters_.packets;
  bool gap = false;
  if (last_sequence_) {
    const uint16_t expected = static_cast<uint16_t>(*last_sequence_ + 1);
    if (packet.sequence != expected) {
      counters_.lost_packets += static_cast<uint16_t>(packet.sequence - expected);
      gap = true;
    }
  }
  last_sequence_ = packet.sequence;
  if (gap && open_) {
    // What was lost may have been the rest of the unit in progress (and of the NAL unit being
    // reassembled, which is dropped now: later fragments would join across the hole).
    unit_.damaged = true;
    drop_fragment();
  }
  if (open_ && packet.timestamp != unit_.timestamp) finish(out);
  if (!open_) {
    unit_.timestamp = packet.timestamp;
    // ... or the start of this one.
    unit_.damaged = gap;
    open_ = true;
  }
  read_payload(packet.payload);
  if (packet.marker) finish(out);
}

void NalDepacketizer::add_nal(ByteSpan nal) {
  if (nal.size() < header_bytes_) {
    malformed("an empty NAL unit");
    return;
  }
  // What an aggregation packet or a fragment holds must itself be a plain NAL unit: not one of
  // the packetization types (nesting is not allowed), nor unspecified, nor marked broken.
  const bool h265 = codec_ == media::Codec::H265;
  const uint8_t type = h265 ? h265_type(nal) : h264_type(nal);
  if ((nal[0] & 0x80) != 0 || (h265 ? type >= kH265Ap : type == 0 || type >= kH264StapA)) {
    malformed("an aggregated or fragmented NAL unit of type " + std::to_string(type));
    return;
  }
  if (unit_.nal_count >= limits_.max_nals ||
      unit_.nals.size() + 4 + nal.size() > limits_.max_access_unit_bytes) {
    ++counters_.oversized_units;
    malformed("access unit over its size limit");
    return;
  }
  const size_t at = unit_.nals.size();
  unit_.nals.resize(at + 4);
  put_u32(unit_.nals, at, static_cast<uint32_t>(nal.size()));
  unit_.nals.insert(unit_.nals.end(), nal.begin(), nal.end());
  ++unit_.nal_count;
  if (is_keyframe_nal(nal)) unit_.keyframe = true;
}

void NalDepacketizer::read_payload(ByteSpan payload) {
  if (payload.size() < header_bytes_) {
    malformed("a payload shorter than its header");
    return;
  }
  if ((payload[0] & 0x80) != 0) {
    // forbidden_zero_bit: the sender marks a unit it knows is broken (RFC 6184 5.3).
    malformed("the forbidden bit is set");
    return;
  }
  const bool h265 = codec_ == media::Codec::H265;
  const uint8_t type = h265 ? h265_type(payload) : h264_type(payload);
  const bool fragment = h265 ? type == kH265Fu : type == kH264FuA;
  if (in_fragment_ && !fragment) {
    // A fragmented unit was not finished before the next NAL unit (its end packet was lost,
    // or the sender is broken): drop the part of it that arrived.
    drop_fragment();
    malformed("a fragmented NAL unit without its end");
  }
  if (fragment) {
    read_fragment(payload);
  } else if (h265 ? type == kH265Ap : type == kH264StapA) {
    read_aggregate(payload.subspan(header_bytes_));
  } else if (h265 ? type == kH265Paci
                  : (type == kH264StapB || type == kH264Mtap16 || type == kH264Mtap24 ||
                     type == kH264FuB || type == 0 || type >= 30)) {
    // STAP-B, MTAPs and FU-B only exist in interleaved mode (packetization-mode=2), which the
    // SDP answer does not offer; PACI carries extensions nobody sends.
    malformed("an unsupported payload structure (type " + std::to_string(type) + ")");
  } else if (h265 && type > kH265Paci) {
    malformed("an unspecified H.265 NAL unit type " + std::to_string(type));
  } else {
    add_nal(payload);
  }
}

void NalDepacketizer::read_aggregate(ByteSpan body) {
  // STAP-A (RFC 6184 5.7.1) and AP without DONL (RFC 7798 4.4.2): 16-bit size, NAL unit, ...
  if (body.empty()) {
    malformed("an empty aggregation packet");
    return;
  }
  size_t pos = 0;
  while (pos < body.size()) {
    if (body.size() - pos < 2) {
      malformed("an aggregation packet with a truncated size field");
      return;
    }
    const size_t n = size_t{body[pos]} << 8 | body[pos + 1];
    pos += 2;
    if (n > body.size() - pos) {
      malformed("an aggregated NAL unit longer than its packet");
      return;
    }
    add_nal(body.subspan(pos, n));
    pos += n;
  }
}

void NalDepacketizer::read_fragment(ByteSpan payload) {
  // FU-A (RFC 6184 5.8): indicator (F, NRI, 28), header (S, E, R, type), data. FU (RFC 7798
  // 4.4.3): payload header (2 bytes, type 49), header (S, E, type), data. The NAL header is
  // rebuilt from both.
  const size_t fu_header_at = header_bytes_;
  if (payload.size() < header_bytes_ + 2) {
    malformed("a fragment with no data");
    return;
  }
  const uint8_t fu = payload[fu_header_at];
  const bool start = (fu & 0x80) != 0;
  const bool end = (fu & 0x40) != 0;
  const ByteSpan data = payload.subspan(fu_header_at + 1);
  if (start && end) {
    malformed("a fragment that is both start and end");
    return;
  }
  if (start) {
    if (in_fragment_) {
      drop_fragment();
      malformed("a fragmented NAL unit restarted before its end");
    }
    uint8_t header[2];
    if (codec_ == media::Codec::H265) {
      header[0] = static_cast<uint8_t>((payload[0] & 0x81) | ((fu & 0x3f) << 1));
      header[1] = payload[1];
    } else {
      header[0] = static_cast<uint8_t>((payload[0] & 0xe0) | (fu & 0x1f));
    }
    const size_t before = unit_.nal_count;
    fragment_start_ = unit_.nals.size();
    Bytes first(header, header + header_bytes_);
    first.insert(first.end(), data.begin(), data.end());
    add_nal(first);
    in_fragment_ = unit_.nal_count > before;
    return;
  }
  if (!in_fragment_) {
    // A middle or end whose start was lost: nothing to attach it to. Counted once, as the
    // gap that lost the start (or the malformed start) already marked the unit.
    if (!unit_.damaged) malformed("a fragment without its start");
    return;
  }
  const size_t length = unit_.nals.size() - fragment_start_ - 4 + data.size();
  if (unit_.nals.size() + data.size() > limits_.max_access_unit_bytes) {
    drop_fragment();
    ++counters_.oversized_units;
    malformed("access unit over its size limit");
    return;
  }
  unit_.nals.insert(unit_.nals.end(), data.begin(), data.end());
  put_u32(unit_.nals, fragment_start_, static_cast<uint32_t>(length));
  if (end) in_fragment_ = false;
}

}  // namespace firstmile::format::rtp
