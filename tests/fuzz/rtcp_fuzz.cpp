// RTCP compound packets arrive from any RTSP client or camera (UDP, or interleaved in the RTSP
// connection) and, after SRTCP, from WebRTC peers. Checks: nothing is read outside the datagram
// (ASan); the limits hold; what parses writes back as a compound that parses to the same
// packets and writes the same bytes again; NACK items expand within their bound and rebuild to
// the same set of sequence numbers; the reception statistics stay in their ranges and the NTP
// conversions round-trip within a nanosecond.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

#include "format/rtp/packet.hpp"
#include "format/rtp/rtcp.hpp"
#include "format/rtp/rtcp_stats.hpp"

using namespace firstmile;
using namespace firstmile::format;

namespace {

std::vector<uint16_t> sorted_set(std::vector<uint16_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

void check_packets(const std::vector<rtp::RtcpPacket>& packets, const rtp::RtcpLimits& limits) {
  if (packets.empty() || packets.size() > limits.max_packets) __builtin_trap();
  for (const auto& packet : packets) {
    if (const auto* sr = std::get_if<rtp::SenderReport>(&packet)) {
      if (sr->reports.size() > 31) __builtin_trap();
    } else if (const auto* rr = std::get_if<rtp::ReceiverReport>(&packet)) {
      if (rr->reports.size() > 31) __builtin_trap();
    } else if (const auto* sdes = std::get_if<rtp::SourceDescription>(&packet)) {
      if (sdes->chunks.size() > 31) __builtin_trap();
      for (const auto& chunk : sdes->chunks) {
        if (chunk.items.size() > limits.max_sdes_items) __builtin_trap();
        for (const auto& item : chunk.items)
          if (item.type == 0 || item.text.size() > 255) __builtin_trap();
      }
    } else if (const auto* bye = std::get_if<rtp::Bye>(&packet)) {
      if (bye->ssrcs.size() > 31 || (bye->reason && bye->reason->size() > 255)) __builtin_trap();
    } else if (const auto* nack = std::get_if<rtp::Nack>(&packet)) {
      if (nack->items.size() > limits.max_nack_items) __builtin_trap();
      const auto lost = rtp::lost_sequences(nack->items);
      if (lost.size() > nack->items.size() * 17) __builtin_trap();
      if (sorted_set(rtp::lost_sequences(rtp::nack_items(lost))) != sorted_set(lost)) {
        __builtin_trap();
      }
    } else if (const auto* fir = std::get_if<rtp::Fir>(&packet)) {
      if (fir->entries.size() > limits.max_fir_entries) __builtin_trap();
    } else if (const auto* remb = std::get_if<rtp::Remb>(&packet)) {
      if (remb->ssrcs.size() > limits.max_remb_ssrcs || remb->exponent > 63 ||
          remb->mantissa > 0x3FFFF) {
        __builtin_trap();
      }
      (void)remb->bitrate();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);
  const rtp::RtcpLimits limits;
  auto packets = rtp::parse_rtcp(input, limits);
  if (packets) {
    check_packets(*packets, limits);
    Bytes out;
    rtp::write_rtcp(*packets, out);
    if (out.size() % 4 != 0) __builtin_trap();
    auto again = rtp::parse_rtcp(out, limits);
    if (!again || *again != *packets) __builtin_trap();
    Bytes out_again;
    rtp::write_rtcp(*again, out_again);
    if (out_again != out) __builtin_trap();
    if (!rtp::is_rtcp(out) && out[1] >= 192 && out[1] <= 223) __builtin_trap();
  }

  // The input as a run of (sequence, timestamp delta, arrival delta) for the statistics.
  rtp::ReceptionStats stats(1);
  rtp::SequenceUnwrapper unwrapper;
  uint32_t timestamp = 0;
  uint32_t arrival = 0;
  const auto start = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  for (size_t i = 0; i + 6 <= size; i += 6) {
    const uint16_t sequence = static_cast<uint16_t>(data[i] << 8 | data[i + 1]);
    timestamp += static_cast<uint32_t>(data[i + 2] << 8 | data[i + 3]) * 90;
    arrival += static_cast<uint32_t>(data[i + 4] << 8 | data[i + 5]) * 90;
    stats.on_packet(unwrapper.unwrap(sequence), timestamp, arrival);
    if (i % 60 == 0) stats.on_sender_report(static_cast<uint64_t>(i) << 32, start);
    if (i % 24 == 0) {
      const auto block = stats.report(start + std::chrono::milliseconds(i));
      if (!block || block->cumulative_lost > 0x7FFFFF || block->cumulative_lost < -0x800000) {
        __builtin_trap();
      }
      const auto rtt = rtp::round_trip_time(*block, block->last_sr + 0x10000);
      if (rtt && *rtt < std::chrono::nanoseconds(0)) __builtin_trap();
    }
  }

  // The first 8 bytes as an NTP timestamp: to a time point and back within a nanosecond (about
  // 4.3 units of the fraction).
  if (size >= 8) {
    uint64_t ntp = 0;
    for (size_t i = 0; i < 8; ++i)
      ntp = ntp << 8 | data[i];
    const uint64_t back = rtp::to_ntp(rtp::from_ntp(ntp));
    const uint64_t diff = back - ntp;  // modulo 2^64: the era wraps
    if (diff > 5 && diff < ~uint64_t{0} - 4) __builtin_trap();
    const uint32_t compact = static_cast<uint32_t>(ntp);
    if (rtp::to_compact_ntp(rtp::from_compact_ntp(compact)) != compact) __builtin_trap();
  }
  return 0;
}
