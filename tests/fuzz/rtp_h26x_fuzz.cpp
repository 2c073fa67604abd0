// H.264 and H.265 RTP payloads arrive from any RTSP publisher or camera and from WebRTC
// publishers. The input is a run of packets: a first byte choosing the codec, then records of
// [flags][length][payload], flags bit 0 the marker, bit 1 a new timestamp, bit 2 a lost packet
// before this one. Checks: every access unit is well-formed AVCC within the limits; an
// undamaged unit, packetized again with a small payload size and read back, gives the same
// NAL units (access unit delimiters aside); the reorder buffer releases each sequence number
// at most once and in increasing order.
#include <cstddef>
#include <cstdint>
#include <set>

#include "format/rtp/nal_depacketizer.hpp"
#include "format/rtp/nal_packetizer.hpp"
#include "format/rtp/packet.hpp"
#include "format/rtp/reorder_buffer.hpp"
#include "media/codec/nal.hpp"

using namespace firstmile;
using namespace firstmile::format;

namespace {

constexpr size_t kMaxUnitBytes = 64 * 1024;

Bytes without_delimiters(media::Codec codec, ByteSpan avcc) {
  Bytes out;
  media::for_each_nal_avcc(avcc, [&](ByteSpan nal) {
    const uint8_t type = codec == media::Codec::H265 ? (nal[0] >> 1) & 0x3f : nal[0] & 0x1f;
    if (type == (codec == media::Codec::H265 ? 35 : 9)) return;
    const auto n = static_cast<uint32_t>(nal.size());
    out.insert(out.end(), {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                           static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
    out.insert(out.end(), nal.begin(), nal.end());
  });
  return out;
}

void check_unit(media::Codec codec, const rtp::AccessUnit& unit) {
  size_t count = 0;
  if (!media::for_each_nal_avcc(unit.nals, [&](ByteSpan) { ++count; })) __builtin_trap();
  if (count != unit.nal_count || unit.nals.size() > kMaxUnitBytes) __builtin_trap();
  if (unit.damaged) return;
  rtp::NalPacketizer packetizer({.codec = codec, .max_payload = 40});
  std::vector<Bytes> packets;
  if (!packetizer.packetize(unit.nals, unit.timestamp, packets)) __builtin_trap();
  rtp::NalDepacketizer again(codec, {.max_access_unit_bytes = kMaxUnitBytes, .max_nals = 4096});
  std::vector<rtp::AccessUnit> back;
  for (const auto& b : packets) {
    auto p = rtp::parse(b);
    if (!p || p->payload.size() > 40) __builtin_trap();
    again.push(*p, back);
  }
  const Bytes expected = without_delimiters(codec, unit.nals);
  if (expected.empty()) {
    if (!packets.empty()) __builtin_trap();
    return;
  }
  if (back.size() != 1 || back[0].damaged || back[0].nals != expected) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const media::Codec codec = (data[0] & 1) ? media::Codec::H265 : media::Codec::H264;
  rtp::NalDepacketizer depacketizer(codec,
                                    {.max_access_unit_bytes = kMaxUnitBytes, .max_nals = 64});
  rtp::ReorderBuffer reorder({.max_packets = 8, .max_delay_ms = 10});
  std::vector<rtp::AccessUnit> units;
  std::vector<Bytes> released;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  size_t pos = 1;
  int64_t now = 0;
  while (size - pos >= 2) {
    const uint8_t flags = data[pos];
    const size_t n = std::min<size_t>(data[pos + 1], size - pos - 2);
    const ByteSpan payload(data + pos + 2, n);
    pos += 2 + n;
    if (flags & 4) ++sequence;
    if (flags & 2) timestamp += 3000;
    rtp::Packet p;
    p.marker = flags & 1;
    p.sequence = sequence;
    p.timestamp = timestamp;
    p.payload = payload;
    depacketizer.push(p, units);
    // The reorder buffer on the same sequence numbers, shuffled by the flags' high bits.
    const auto arrival = static_cast<uint16_t>(sequence + (flags >> 5) - 3);
    reorder.push(arrival, Bytes{static_cast<uint8_t>(arrival >> 8), static_cast<uint8_t>(arrival)},
                 now, released);
    now += (flags >> 3) & 3;
    reorder.poll(now, released);
    ++sequence;
  }
  if (auto last = depacketizer.flush()) units.push_back(std::move(*last));
  for (const auto& u : units)
    check_unit(codec, u);
  rtp::SequenceUnwrapper unwrap;
  std::set<uint64_t> seen;
  uint64_t previous = 0;
  for (const auto& b : released) {
    const uint64_t s = unwrap.unwrap(static_cast<uint16_t>(b[0] << 8 | b[1]));
    if (!seen.insert(s).second || (!seen.empty() && s < previous)) __builtin_trap();
    previous = s;
  }
  return 0;
}
