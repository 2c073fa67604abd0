#include "format/rtp/rtcp.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <limits>

namespace firstmile::format::rtp {

namespace {

constexpr size_t kHeaderBytes = 4;
constexpr size_t kReportBlockBytes = 24;
constexpr size_t kSenderInfoBytes = 20;
constexpr size_t kFeedbackSsrcBytes = 8;  // sender and media SSRC before the FCI
constexpr size_t kMaxCount = 31;          // the 5-bit count field
constexpr std::array<char, 4> kRembIdentifier = {'R', 'E', 'M', 'B'};

std::string type_name(uint8_t type) {
  static constexpr const char* kNames[] = {"SR", "RR", "SDES", "BYE", "APP", "RTPFB", "PSFB"};
  if (type >= kRtcpSenderReport && type <= kRtcpPayloadSpecificFeedback) {
    return kNames[type - kRtcpSenderReport];
  }
  return "type " + std::to_string(type);
}

Bytes copy(ByteSpan s) {
  return Bytes(s.begin(), s.end());
}

std::string text(ByteSpan s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

ReportBlock read_report_block(ByteReader& r) {
  ReportBlock b;
  b.ssrc = r.u32();
  b.fraction_lost = r.u8();
  const uint32_t lost = r.u24();
  b.cumulative_lost =
      (lost & 0x800000) ? static_cast<int32_t>(lost) - 0x1000000 : static_cast<int32_t>(lost);
  b.extended_highest_sequence = r.u32();
  b.jitter = r.u32();
  b.last_sr = r.u32();
  b.delay_since_last_sr = r.u32();
  return b;
}

// The report blocks and extension that end both SR and RR.
Result<std::vector<ReportBlock>> read_report_blocks(ByteReader& r, size_t count) {
  if (r.remaining() < count * kReportBlockBytes) {
    return fail(count, " report blocks do not fit in ", r.remaining(), " bytes");
  }
  std::vector<ReportBlock> blocks;
  blocks.reserve(count);
  for (size_t i = 0; i < count; ++i)
    blocks.push_back(read_report_block(r));
  return blocks;
}

Result<RtcpPacket> parse_sender_report(uint8_t count, ByteSpan body) {
  ByteReader r(body);
  if (body.size() < 4 + kSenderInfoBytes) {
    return fail("SR of ", body.size(), " bytes, under its SSRC and sender info");
  }
  SenderReport sr;
  sr.ssrc = r.u32();
  sr.sender.ntp_timestamp = r.u64();
  sr.sender.rtp_timestamp = r.u32();
  sr.sender.packet_count = r.u32();
  sr.sender.octet_count = r.u32();
  auto blocks = read_report_blocks(r, count);
  if (!blocks) return blocks.error();
  sr.reports = std::move(*blocks);
  sr.extension = copy(r.rest());
  return RtcpPacket{std::move(sr)};
}

Result<RtcpPacket> parse_receiver_report(uint8_t count, ByteSpan body) {
  ByteReader r(body);
  if (body.size() < 4) return fail("RR of ", body.size(), " bytes, under its SSRC");
  ReceiverReport rr;
  rr.ssrc = r.u32();
  auto blocks = read_report_blocks(r, count);
  if (!blocks) return blocks.error();
  rr.reports = std::move(*blocks);
  rr.extension = copy(r.rest());
  return RtcpPacket{std::move(rr)};
}

// RFC 3550 6.5: each chunk is an SSRC, items (type, length, text), a null item, and zeros up to
// the next 32-bit boundary. The body starts 4 bytes into the packet, so its own offsets align.
Result<RtcpPacket> parse_sdes(uint8_t count, ByteSpan body, const RtcpLimits& limits) {
  SourceDescription sdes;
  sdes.chunks.reserve(count);
  size_t i = 0;
  for (size_t c = 0; c < count; ++c) {
    if (body.size() - i < 4) {
      return fail(count, " chunks do not fit in ", body.size(), " bytes");
    }
    SdesChunk chunk;
    chunk.ssrc = static_cast<uint32_t>(body[i]) << 24 | static_cast<uint32_t>(body[i + 1]) << 16 |
                 static_cast<uint32_t>(body[i + 2]) << 8 | body[i + 3];
    i += 4;
    // A chunk that runs to the end of the packet without its null item is taken as ended.
    while (i < body.size()) {
      const uint8_t type = body[i];
      if (type == 0) {
        i = std::min((i + 4) / 4 * 4, body.size());
        break;
      }
      if (body.size() - i < 2) return fail("SDES item ", type, " cut short");
      const size_t length = body[i + 1];
      if (body.size() - i - 2 < length) {
        return fail("SDES item ", type, " of ", length, " bytes does not fit");
      }
      if (chunk.items.size() >= limits.max_sdes_items) {
        return fail("SDES chunk of over ", limits.max_sdes_items, " items");
      }
      chunk.items.push_back({type, text(body.subspan(i + 2, length))});
      i += 2 + length;
    }
    sdes.chunks.push_back(std::move(chunk));
  }
  return RtcpPacket{std::move(sdes)};
}

Result<RtcpPacket> parse_bye(uint8_t count, ByteSpan body) {
  ByteReader r(body);
  if (body.size() < count * 4u) return fail(count, " SSRCs do not fit in ", body.size(), " bytes");
  Bye bye;
  bye.ssrcs.reserve(count);
  for (size_t i = 0; i < count; ++i)
    bye.ssrcs.push_back(r.u32());
  if (!r.empty()) {
    const size_t length = r.u8();
    if (r.remaining() < length) return fail("BYE reason of ", length, " bytes does not fit");
    bye.reason = text(r.bytes(length));
  }
  return RtcpPacket{std::move(bye)};
}

Result<RtcpPacket> parse_app(uint8_t subtype, ByteSpan body) {
  if (body.size() < 8) return fail("APP of ", body.size(), " bytes, under its SSRC and name");
  ByteReader r(body);
  App app;
  app.subtype = subtype;
  app.ssrc = r.u32();
  const ByteSpan name = r.bytes(4);
  std::copy(name.begin(), name.end(), app.name.begin());
  app.data = copy(r.rest());
  return RtcpPacket{std::move(app)};
}

Result<RtcpPacket> parse_nack(uint32_t sender, uint32_t media, ByteSpan fci,
                              const RtcpLimits& limits) {
  if (fci.size() % 4 != 0) return fail("NACK FCI of ", fci.size(), " bytes, not whole items");
  if (fci.size() / 4 > limits.max_nack_items) {
    return fail("NACK of ", fci.size() / 4, " items, over ", limits.max_nack_items);
  }
  ByteReader r(fci);
  Nack nack{sender, media, {}};
  nack.items.reserve(fci.size() / 4);
  while (!r.empty()) {
    const uint16_t pid = r.u16();
    nack.items.push_back({pid, r.u16()});
  }
  return RtcpPacket{std::move(nack)};
}

Result<RtcpPacket> parse_fir(uint32_t sender, uint32_t media, ByteSpan fci,
                             const RtcpLimits& limits) {
  if (fci.size() % 8 != 0) return fail("FIR FCI of ", fci.size(), " bytes, not whole entries");
  if (fci.size() / 8 > limits.max_fir_entries) {
    return fail("FIR of ", fci.size() / 8, " entries, over ", limits.max_fir_entries);
  }
  ByteReader r(fci);
  Fir fir{sender, media, {}};
  fir.entries.reserve(fci.size() / 8);
  while (!r.empty()) {
    const uint32_t ssrc = r.u32();
    fir.entries.push_back({ssrc, r.u8()});
    r.skip(3);  // reserved
  }
  return RtcpPacket{std::move(fir)};
}

// The FCI starts with "REMB"; anything else in FMT 15 is some other application's feedback.
Result<RtcpPacket> parse_remb(uint32_t sender, uint32_t media, ByteSpan fci,
                              const RtcpLimits& limits) {
  ByteReader r(fci);
  r.skip(4);
  Remb remb;
  remb.sender_ssrc = sender;
  remb.media_ssrc = media;
  const size_t count = r.u8();
  const uint32_t bitrate = r.u24();
  remb.exponent = static_cast<uint8_t>(bitrate >> 18);
  remb.mantissa = bitrate & 0x3FFFF;
  if (count > limits.max_remb_ssrcs) {
    return fail("REMB of ", count, " SSRCs, over ", limits.max_remb_ssrcs);
  }
  if (r.remaining() < count * 4) {
    return fail("REMB: ", count, " SSRCs do not fit in ", r.remaining(), " bytes");
  }
  remb.ssrcs.reserve(count);
  for (size_t i = 0; i < count; ++i)
    remb.ssrcs.push_back(r.u32());
  return RtcpPacket{std::move(remb)};
}

// RFC 4585 6.1: the common feedback format, sender SSRC, media SSRC, then the FCI.
Result<RtcpPacket> parse_feedback(uint8_t type, uint8_t format, ByteSpan body,
                                  const RtcpLimits& limits) {
  if (body.size() < kFeedbackSsrcBytes) {
    return fail("feedback of ", body.size(), " bytes, under its two SSRCs");
  }
  ByteReader r(body);
  const uint32_t sender = r.u32();
  const uint32_t media = r.u32();
  const ByteSpan fci = r.rest();
  if (type == kRtcpTransportLayerFeedback) {
    if (format == kRtpfbNack) return parse_nack(sender, media, fci, limits);
    if (format == kRtpfbTransportWideCc) {
      return RtcpPacket{TransportFeedback{sender, media, copy(fci)}};
    }
  } else {
    // RFC 4585 6.3.1.2 gives PLI no FCI; one that has some is still a PLI.
    if (format == kPsfbPli) return RtcpPacket{Pli{sender, media}};
    if (format == kPsfbFir) return parse_fir(sender, media, fci, limits);
    if (format == kPsfbApplicationLayer && fci.size() >= 8 &&
        std::equal(kRembIdentifier.begin(), kRembIdentifier.end(), fci.begin())) {
      return parse_remb(sender, media, fci, limits);
    }
  }
  return RtcpPacket{Feedback{type, format, sender, media, copy(fci)}};
}

Result<RtcpPacket> parse_body(uint8_t type, uint8_t count, ByteSpan body,
                              const RtcpLimits& limits) {
  switch (type) {
    case kRtcpSenderReport:
      return parse_sender_report(count, body);
    case kRtcpReceiverReport:
      return parse_receiver_report(count, body);
    case kRtcpSourceDescription:
      return parse_sdes(count, body, limits);
    case kRtcpBye:
      return parse_bye(count, body);
    case kRtcpApp:
      return parse_app(count, body);
    case kRtcpTransportLayerFeedback:
    case kRtcpPayloadSpecificFeedback:
      return parse_feedback(type, count, body, limits);
    default:
      return RtcpPacket{UnknownRtcp{type, count, copy(body)}};
  }
}

// Writing: each function writes a body and returns the header's type and count field.
struct Header {
  uint8_t type;
  uint8_t count;
};

uint8_t capped_count(size_t n) {
  return static_cast<uint8_t>(std::min(n, kMaxCount));
}

void write_report_block(const ReportBlock& b, ByteWriter& w) {
  w.u32(b.ssrc);
  w.u8(b.fraction_lost);
  const int32_t lost = std::clamp(b.cumulative_lost, kMinCumulativeLost, kMaxCumulativeLost);
  w.u24(static_cast<uint32_t>(lost) & 0xFFFFFF);
  w.u32(b.extended_highest_sequence);
  w.u32(b.jitter);
  w.u32(b.last_sr);
  w.u32(b.delay_since_last_sr);
}

Header write_body(const SenderReport& sr, ByteWriter& w) {
  w.u32(sr.ssrc);
  w.u64(sr.sender.ntp_timestamp);
  w.u32(sr.sender.rtp_timestamp);
  w.u32(sr.sender.packet_count);
  w.u32(sr.sender.octet_count);
  const uint8_t count = capped_count(sr.reports.size());
  for (size_t i = 0; i < count; ++i)
    write_report_block(sr.reports[i], w);
  w.bytes(sr.extension);
  return {kRtcpSenderReport, count};
}

Header write_body(const ReceiverReport& rr, ByteWriter& w) {
  w.u32(rr.ssrc);
  const uint8_t count = capped_count(rr.reports.size());
  for (size_t i = 0; i < count; ++i)
    write_report_block(rr.reports[i], w);
  w.bytes(rr.extension);
  return {kRtcpReceiverReport, count};
}

void write_text(std::string_view s, ByteWriter& w) {
  const size_t length = std::min<size_t>(s.size(), 255);
  w.u8(static_cast<uint8_t>(length));
  w.bytes(s.substr(0, length));
}

Header write_body(const SourceDescription& sdes, ByteWriter& w) {
  const uint8_t count = capped_count(sdes.chunks.size());
  const size_t start = w.size();
  for (size_t c = 0; c < count; ++c) {
    const SdesChunk& chunk = sdes.chunks[c];
    w.u32(chunk.ssrc);
    for (const SdesItem& item : chunk.items) {
      if (item.type == 0) continue;  // would end the list
      w.u8(item.type);
      write_text(item.text, w);
    }
    w.u8(0);  // the null item, then zeros to the boundary
    w.fill(0, (4 - (w.size() - start) % 4) % 4);
  }
  return {kRtcpSourceDescription, count};
}

Header write_body(const Bye& bye, ByteWriter& w) {
  const uint8_t count = capped_count(bye.ssrcs.size());
  for (size_t i = 0; i < count; ++i)
    w.u32(bye.ssrcs[i]);
  if (bye.reason) {
    const size_t start = w.size();
    write_text(*bye.reason, w);
    w.fill(0, (4 - (w.size() - start) % 4) % 4);
  }
  return {kRtcpBye, count};
}

Header write_body(const App& app, ByteWriter& w) {
  w.u32(app.ssrc);
  for (char c : app.name)
    w.u8(static_cast<uint8_t>(c));
  w.bytes(app.data);
  return {kRtcpApp, static_cast<uint8_t>(app.subtype & 0x1F)};
}

Header write_body(const Nack& nack, ByteWriter& w) {
  w.u32(nack.sender_ssrc);
  w.u32(nack.media_ssrc);
  for (const NackItem& item : nack.items) {
    w.u16(item.pid);
    w.u16(item.blp);
  }
  return {kRtcpTransportLayerFeedback, kRtpfbNack};
}

Header write_body(const TransportFeedback& twcc, ByteWriter& w) {
  w.u32(twcc.sender_ssrc);
  w.u32(twcc.media_ssrc);
  w.bytes(twcc.fci);
  return {kRtcpTransportLayerFeedback, kRtpfbTransportWideCc};
}

Header write_body(const Pli& pli, ByteWriter& w) {
  w.u32(pli.sender_ssrc);
  w.u32(pli.media_ssrc);
  return {kRtcpPayloadSpecificFeedback, kPsfbPli};
}

Header write_body(const Fir& fir, ByteWriter& w) {
  w.u32(fir.sender_ssrc);
  w.u32(fir.media_ssrc);
  for (const FirEntry& e : fir.entries) {
    w.u32(e.ssrc);
    w.u8(e.sequence);
    w.fill(0, 3);
  }
  return {kRtcpPayloadSpecificFeedback, kPsfbFir};
}

Header write_body(const Remb& remb, ByteWriter& w) {
  w.u32(remb.sender_ssrc);
  w.u32(remb.media_ssrc);
  for (char c : kRembIdentifier)
    w.u8(static_cast<uint8_t>(c));
  const size_t count = std::min<size_t>(remb.ssrcs.size(), 255);
  w.u8(static_cast<uint8_t>(count));
  w.u24(static_cast<uint32_t>(remb.exponent & 0x3F) << 18 | (remb.mantissa & 0x3FFFF));
  for (size_t i = 0; i < count; ++i)
    w.u32(remb.ssrcs[i]);
  return {kRtcpPayloadSpecificFeedback, kPsfbApplicationLayer};
}

Header write_body(const Feedback& fb, ByteWriter& w) {
  w.u32(fb.sender_ssrc);
  w.u32(fb.media_ssrc);
  w.bytes(fb.fci);
  return {fb.type, static_cast<uint8_t>(fb.format & 0x1F)};
}

Header write_body(const UnknownRtcp& unknown, ByteWriter& w) {
  w.bytes(unknown.body);
  return {unknown.type, static_cast<uint8_t>(unknown.count & 0x1F)};
}

}  // namespace

std::optional<std::string_view> SdesChunk::cname() const {
  for (const SdesItem& item : items)
    if (item.type == kSdesCname) return item.text;
  return std::nullopt;
}

uint64_t Remb::bitrate() const {
  const uint64_t m = mantissa;
  if (m == 0) return 0;
  if (std::bit_width(m) + exponent > 64) return std::numeric_limits<uint64_t>::max();
  return m << exponent;
}

void Remb::set_bitrate(uint64_t bits_per_second) {
  uint8_t e = 0;
  while ((bits_per_second >> e) > 0x3FFFF)
    ++e;
  exponent = e;
  mantissa = static_cast<uint32_t>(bits_per_second >> e);
}

Result<std::vector<RtcpPacket>> parse_rtcp(ByteSpan datagram, const RtcpLimits& limits) {
  if (datagram.empty()) return fail("RTCP: empty packet");
  std::vector<RtcpPacket> packets;
  ByteReader r(datagram);
  for (size_t index = 1; !r.empty(); ++index) {
    if (packets.size() >= limits.max_packets) {
      return fail("RTCP: compound of over ", limits.max_packets, " packets");
    }
    if (r.remaining() < kHeaderBytes) {
      return fail("RTCP packet ", index, ": header cut short, ", r.remaining(), " bytes left");
    }
    const uint8_t b0 = r.u8();
    const uint8_t type = r.u8();
    const size_t length = (r.u16() + 1u) * 4;  // in 32-bit words minus one, header included
    if ((b0 >> 6) != 2) return fail("RTCP packet ", index, ": version ", b0 >> 6, ", not 2");
    const size_t body_bytes = length - kHeaderBytes;
    if (r.remaining() < body_bytes) {
      return fail("RTCP packet ", index, " (", type_name(type), "): length ", length,
                  " past the end, ", r.remaining() + kHeaderBytes, " bytes left");
    }
    ByteSpan body = r.bytes(body_bytes);
    // RFC 3550 6.4.1: the last octet of a padded packet counts the padding, itself included.
    if (b0 & 0x20) {
      const size_t padding = body.empty() ? 0 : body.back();
      if (padding == 0 || padding > body.size()) {
        return fail("RTCP packet ", index, " (", type_name(type), "): padding count ", padding,
                    " in a body of ", body.size(), " bytes");
      }
      body = body.first(body.size() - padding);
    }
    auto packet = parse_body(type, b0 & 0x1F, body, limits);
    if (!packet) {
      return fail("RTCP packet ", index, " (", type_name(type), "): ", packet.error().message);
    }
    packets.push_back(std::move(*packet));
  }
  return packets;
}

void write_rtcp(const RtcpPacket& packet, Bytes& out) {
  ByteWriter w(out);
  const size_t start = w.size();
  w.fill(0, kHeaderBytes);
  const Header header = std::visit([&w](const auto& p) { return write_body(p, w); }, packet);
  const size_t misaligned = (w.size() - start) % 4;
  const bool padded = misaligned != 0;
  if (padded) {
    const size_t padding = 4 - misaligned;
    w.fill(0, padding - 1);
    w.u8(static_cast<uint8_t>(padding));
  }
  const size_t words = (w.size() - start) / 4 - 1;
  assert(words <= 0xFFFF);
  w.patch(start, 0x80 | (padded ? 0x20 : 0) | header.count, 1);
  w.patch(start + 1, header.type, 1);
  w.patch(start + 2, words, 2);
}

void write_rtcp(std::span<const RtcpPacket> packets, Bytes& out) {
  for (const RtcpPacket& p : packets)
    write_rtcp(p, out);
}

bool is_rtcp(ByteSpan datagram) {
  return datagram.size() >= kHeaderBytes && (datagram[0] >> 6) == 2 && datagram[1] >= 192 &&
         datagram[1] <= 223;
}

std::vector<uint16_t> lost_sequences(std::span<const NackItem> items) {
  std::vector<uint16_t> out;
  out.reserve(items.size());
  for (const NackItem& item : items) {
    out.push_back(item.pid);
    for (int bit = 0; bit < 16; ++bit)
      if ((item.blp >> bit) & 1) out.push_back(static_cast<uint16_t>(item.pid + bit + 1));
  }
  return out;
}

std::vector<NackItem> nack_items(std::span<const uint16_t> lost) {
  std::vector<uint16_t> sorted(lost.begin(), lost.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  // Start after the widest gap between neighbours (modulo 2^16), so that 65534, 65535, 0, 1
  // read as a run whatever order they came in.
  size_t start = 0;
  uint16_t widest = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const uint16_t previous = sorted[(i + sorted.size() - 1) % sorted.size()];
    const uint16_t gap = static_cast<uint16_t>(sorted[i] - previous);
    if (gap > widest) {
      widest = gap;
      start = i;
    }
  }
  std::rotate(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(start), sorted.end());
  std::vector<NackItem> items;
  for (uint16_t s : sorted) {
    if (!items.empty()) {
      const uint16_t distance = static_cast<uint16_t>(s - items.back().pid);
      if (distance <= 16) {
        items.back().blp |= static_cast<uint16_t>(1u << (distance - 1));
        continue;
      }
    }
    items.push_back({s, 0});
  }
  return items;
}

}  // namespace firstmile::format::rtp
