#include "format/rtp/nal_packetizer.hpp"

#include <algorithm>

#include "format/rtp/nal_types.hpp"
#include "format/rtp/packet.hpp"
#include "media/codec/nal.hpp"

namespace firstmile::format::rtp {
using namespace nal_type;

NalPacketizer::NalPacketizer(Settings settings)
    : settings_(settings),
      header_bytes_(settings.codec == media::Codec::H265 ? 2 : 1),
      sequence_(settings.first_sequence) {
  // Room for the largest headers a packet adds (FU: NAL header + FU header; AP: one size field
  // more than a lone NAL unit) and one byte of data.
  settings_.max_payload = std::max<size_t>(settings_.max_payload, header_bytes_ + 2);
}

void NalPacketizer::emit(ByteSpan payload, bool marker, uint32_t timestamp,
                         std::vector<Bytes>& out) {
  Packet p;
  p.marker = marker;
  p.payload_type = settings_.payload_type;
  p.sequence = sequence_++;
  p.timestamp = timestamp;
  p.ssrc = settings_.ssrc;
  p.payload = payload;
  Bytes bytes;
  bytes.reserve(kFixedHeaderBytes + payload.size());
  write(p, bytes);
  out.push_back(std::move(bytes));
}

void NalPacketizer::emit_aggregate(const std::vector<ByteSpan>& nals, bool marker,
                                   uint32_t timestamp, std::vector<Bytes>& out) {
  if (nals.size() == 1) {
    emit(nals.front(), marker, timestamp, out);
    return;
  }
  Bytes payload;
  if (settings_.codec == media::Codec::H265) {
    // RFC 7798 4.4.2: F = 0, LayerId and TID the lowest of the aggregated units.
    uint8_t layer = 0x3f, tid = 7;
    for (auto nal : nals) {
      layer = std::min<uint8_t>(layer, static_cast<uint8_t>((nal[0] & 1) << 5 | nal[1] >> 3));
      tid = std::min<uint8_t>(tid, nal[1] & 7);
    }
    payload.push_back(static_cast<uint8_t>(kH265Ap << 1 | layer >> 5));
    payload.push_back(static_cast<uint8_t>((layer & 0x1f) << 3 | tid));
  } else {
    // RFC 6184 5.7.1: F the OR of the units' F bits, NRI their maximum.
    uint8_t f = 0, nri = 0;
    for (auto nal : nals) {
      f |= nal[0] & 0x80;
      nri = std::max<uint8_t>(nri, nal[0] & 0x60);
    }
    payload.push_back(static_cast<uint8_t>(f | nri | kH264StapA));
  }
  for (auto nal : nals) {
    payload.push_back(static_cast<uint8_t>(nal.size() >> 8));
    payload.push_back(static_cast<uint8_t>(nal.size()));
    payload.insert(payload.end(), nal.begin(), nal.end());
  }
  emit(payload, marker, timestamp, out);
}

void NalPacketizer::emit_fragments(ByteSpan nal, bool marker, uint32_t timestamp,
                                   std::vector<Bytes>& out) {
  const bool h265 = settings_.codec == media::Codec::H265;
  uint8_t indicator[2];
  uint8_t type;
  if (h265) {
    type = (nal[0] >> 1) & 0x3f;
    indicator[0] = static_cast<uint8_t>((nal[0] & 0x81) | kH265Fu << 1);
    indicator[1] = nal[1];
  } else {
    type = nal[0] & 0x1f;
    indicator[0] = static_cast<uint8_t>((nal[0] & 0xe0) | kH264FuA);
  }
  const ByteSpan data = nal.subspan(header_bytes_);
  const size_t room = settings_.max_payload - header_bytes_ - 1;
  Bytes payload;
  for (size_t pos = 0; pos < data.size();) {
    const size_t n = std::min(room, data.size() - pos);
    const bool first = pos == 0;
    const bool last = pos + n == data.size();
    payload.assign(indicator, indicator + header_bytes_);
    payload.push_back(static_cast<uint8_t>((first ? 0x80 : 0) | (last ? 0x40 : 0) | type));
    payload.insert(payload.end(), data.begin() + static_cast<ptrdiff_t>(pos),
                   data.begin() + static_cast<ptrdiff_t>(pos + n));
    emit(payload, marker && last, timestamp, out);
    pos += n;
  }
}

bool NalPacketizer::packetize(ByteSpan avcc, uint32_t timestamp, std::vector<Bytes>& out) {
  const bool h265 = settings_.codec == media::Codec::H265;
  std::vector<ByteSpan> nals;
  bool short_nal = false;
  const bool well_formed = media::for_each_nal_avcc(avcc, [&](ByteSpan nal) {
    if (nal.size() < header_bytes_) {
      short_nal = true;
      return;
    }
    const uint8_t type = h265 ? (nal[0] >> 1) & 0x3f : nal[0] & 0x1f;
    if (type == (h265 ? kH265Aud : kH264Aud)) return;
    nals.push_back(nal);
  });
  if (!well_formed || short_nal) return false;
  // Greedy: gather consecutive units while an aggregation packet of them fits; a unit too large
  // for a packet of its own is fragmented.
  std::vector<ByteSpan> group;
  size_t group_bytes = header_bytes_;  // the aggregation packet's header
  auto flush = [&](bool marker) {
    if (group.empty()) return;
    emit_aggregate(group, marker, timestamp, out);
    group.clear();
    group_bytes = header_bytes_;
  };
  for (size_t i = 0; i < nals.size(); ++i) {
    const ByteSpan nal = nals[i];
    const bool last = i + 1 == nals.size();
    if (nal.size() > settings_.max_payload) {
      flush(false);
      emit_fragments(nal, last, timestamp, out);
      continue;
    }
    if (group_bytes + 2 + nal.size() > settings_.max_payload) flush(false);
    group.push_back(nal);
    group_bytes += 2 + nal.size();
    // A lone unit that fits is sent as itself; it is only aggregated with its successors.
  }
  flush(true);
  return true;
}

}  // namespace firstmile::format::rtp
