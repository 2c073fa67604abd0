// RTCP packets: parsing and writing compound packets of every type, NACK items, refusals.
#include "format/rtp/rtcp.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "hex.hpp"

namespace firstmile::format::rtp {
namespace {

using test::from_hex;

std::vector<RtcpPacket> parse_ok(std::string_view hex, const RtcpLimits& limits = {}) {
  auto packets = parse_rtcp(from_hex(hex), limits);
  EXPECT_TRUE(packets) << packets.error().message;
  return packets ? *packets : std::vector<RtcpPacket>{};
}

std::string refusal(std::string_view hex, const RtcpLimits& limits = {}) {
  auto packets = parse_rtcp(from_hex(hex), limits);
  return packets ? std::string("(accepted)") : packets.error().message;
}

Bytes written(std::span<const RtcpPacket> packets) {
  Bytes out;
  write_rtcp(packets, out);
  return out;
}

// Parses, checks the packets, and that writing them gives the same bytes back.
template <class T>
T parse_single(std::string_view hex) {
  const auto packets = parse_ok(hex);
  EXPECT_EQ(packets.size(), 1u);
  EXPECT_TRUE(!packets.empty() && std::holds_alternative<T>(packets[0]));
  if (packets.empty() || !std::holds_alternative<T>(packets[0])) return T{};
  EXPECT_EQ(written(packets), from_hex(hex));
  return std::get<T>(packets[0]);
}

TEST(Rtcp, SenderReportAndSdesCompound) {
  // SR from SSRC 0x11223344 without report blocks: NTP 0xe22b3c4d.80000000, RTP timestamp
  // 90000, 100 packets, 100000 octets. Then SDES with one chunk: CNAME "camera-1", the null
  // item and one byte of padding to the 32-bit boundary.
  const Bytes wire = from_hex(
      "80 c8 00 06  11 22 33 44  e2 2b 3c 4d 80 00 00 00  00 01 5f 90  00 00 00 64  00 01 86 a0"
      "81 ca 00 04  11 22 33 44  01 08 63 61 6d 65 72 61 2d 31  00 00");
  auto packets = parse_rtcp(wire);
  ASSERT_TRUE(packets) << packets.error().message;
  ASSERT_EQ(packets->size(), 2u);
  const auto& sr = std::get<SenderReport>((*packets)[0]);
  EXPECT_EQ(sr.ssrc, 0x11223344u);
  EXPECT_EQ(sr.sender.ntp_timestamp, 0xe22b3c4d80000000u);
  EXPECT_EQ(sr.sender.rtp_timestamp, 90000u);
  EXPECT_EQ(sr.sender.packet_count, 100u);
  EXPECT_EQ(sr.sender.octet_count, 100000u);
  EXPECT_TRUE(sr.reports.empty());
  EXPECT_TRUE(sr.extension.empty());
  const auto& sdes = std::get<SourceDescription>((*packets)[1]);
  ASSERT_EQ(sdes.chunks.size(), 1u);
  EXPECT_EQ(sdes.chunks[0].ssrc, 0x11223344u);
  ASSERT_EQ(sdes.chunks[0].items.size(), 1u);
  EXPECT_EQ(sdes.chunks[0].items[0], (SdesItem{kSdesCname, "camera-1"}));
  EXPECT_EQ(sdes.chunks[0].cname(), "camera-1");
  EXPECT_EQ(written(*packets), wire);
}

TEST(Rtcp, SenderReportWithReportBlockAndExtension) {
  // RC=1; the block: SSRC 0x55667788, fraction 0x40 (1/4), cumulative lost -2, extended highest
  // 0x00010005, jitter 32, LSR 0x3c4d8000, DLSR 1.5 s; then a one-word profile extension.
  const auto sr = parse_single<SenderReport>(
      "81 c8 00 0d  11 22 33 44  e2 2b 3c 4d 80 00 00 00  00 01 5f 90  00 00 00 64  00 01 86 a0"
      "55 66 77 88  40 ff ff fe  00 01 00 05  00 00 00 20  3c 4d 80 00  00 01 80 00"
      "de ad be ef");
  ASSERT_EQ(sr.reports.size(), 1u);
  const ReportBlock& b = sr.reports[0];
  EXPECT_EQ(b.ssrc, 0x55667788u);
  EXPECT_EQ(b.fraction_lost, 0x40);
  EXPECT_EQ(b.cumulative_lost, -2);
  EXPECT_EQ(b.extended_highest_sequence, 0x00010005u);
  EXPECT_EQ(b.jitter, 32u);
  EXPECT_EQ(b.last_sr, 0x3c4d8000u);
  EXPECT_EQ(b.delay_since_last_sr, 0x00018000u);
  EXPECT_EQ(sr.extension, from_hex("de ad be ef"));
}

TEST(Rtcp, ReceiverReports) {
  // Chrome's RR before media arrives: no report blocks.
  const auto empty = parse_single<ReceiverReport>("80 c9 00 01  00 00 00 01");
  EXPECT_EQ(empty.ssrc, 1u);
  EXPECT_TRUE(empty.reports.empty());
  // Two blocks, the cumulative loss at the top and bottom of its 24-bit signed range.
  const auto rr = parse_single<ReceiverReport>(
      "82 c9 00 0d  00 00 00 01"
      "00 00 00 0a  ff 7f ff ff  00 00 ff ff  00 00 00 00  00 00 00 00  00 00 00 00"
      "00 00 00 0b  00 80 00 00  00 02 00 01  00 00 01 00  12 34 56 78  00 00 00 10");
  ASSERT_EQ(rr.reports.size(), 2u);
  EXPECT_EQ(rr.reports[0].fraction_lost, 0xff);
  EXPECT_EQ(rr.reports[0].cumulative_lost, 0x7fffff);
  EXPECT_EQ(rr.reports[1].cumulative_lost, -0x800000);
  EXPECT_EQ(rr.reports[1].extended_highest_sequence, 0x00020001u);
  EXPECT_EQ(rr.reports[1].jitter, 256u);
  EXPECT_EQ(rr.reports[1].last_sr, 0x12345678u);
  EXPECT_EQ(rr.reports[1].delay_since_last_sr, 16u);
}

TEST(Rtcp, SourceDescriptionItems) {
  // Two chunks: CNAME "ab", TOOL "x" and the null item, ending on the 32-bit boundary; NAME
  // "abc", a PRIV item (prefix length 1, prefix "p", value "v"), the null item and one byte of
  // padding.
  const auto sdes = parse_single<SourceDescription>(
      "82 ca 00 07  00 00 00 01  01 02 61 62 06 01 78 00"
      "00 00 00 02  02 03 61 62 63 08 03 01 70 76 00 00");
  ASSERT_EQ(sdes.chunks.size(), 2u);
  EXPECT_EQ(sdes.chunks[0].items, (std::vector<SdesItem>{{kSdesCname, "ab"}, {kSdesTool, "x"}}));
  EXPECT_EQ(sdes.chunks[1].items,
            (std::vector<SdesItem>{{kSdesName, "abc"}, {kSdesPrivate, "\x01pv"}}));
  EXPECT_FALSE(sdes.chunks[1].cname());
  // No chunks at all.
  EXPECT_TRUE(parse_single<SourceDescription>("80 ca 00 00").chunks.empty());
}

TEST(Rtcp, SourceDescriptionLeniency) {
  // A chunk that ends with the packet and no null item: read; written with its null item.
  auto packets = parse_ok("81 ca 00 02  00 00 00 01  01 02 61 62");
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<SourceDescription>(packets[0]).chunks[0].cname(), "ab");
  EXPECT_EQ(written(packets), from_hex("81 ca 00 03  00 00 00 01  01 02 61 62  00 00 00 00"));
  // A word of zeros after the last chunk is ignored.
  packets = parse_ok("81 ca 00 03  00 00 00 01  01 01 61 00  00 00 00 00");
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<SourceDescription>(packets[0]).chunks.size(), 1u);
  EXPECT_EQ(written(packets), from_hex("81 ca 00 02  00 00 00 01  01 01 61 00"));
}

TEST(Rtcp, Bye) {
  const auto plain = parse_single<Bye>("81 cb 00 01  11 22 33 44");
  EXPECT_EQ(plain.ssrcs, (std::vector<uint32_t>{0x11223344}));
  EXPECT_FALSE(plain.reason);
  // Two SSRCs and the reason "gone": length byte, text, three bytes of padding.
  const auto reason =
      parse_single<Bye>("82 cb 00 04  11 22 33 44  55 66 77 88  04 67 6f 6e 65 00 00 00");
  EXPECT_EQ(reason.ssrcs, (std::vector<uint32_t>{0x11223344, 0x55667788}));
  EXPECT_EQ(reason.reason, "gone");
  const auto fits = parse_single<Bye>("81 cb 00 02  11 22 33 44  03 62 79 65");
  EXPECT_EQ(fits.reason, "bye");
  // No SSRC at all (RFC 3550 6.6 allows SC=0).
  EXPECT_TRUE(parse_single<Bye>("80 cb 00 00").ssrcs.empty());
}

TEST(Rtcp, App) {
  const auto app = parse_single<App>("82 cc 00 03  11 22 33 44  46 4d 53 58  01 02 03 04");
  EXPECT_EQ(app.subtype, 2);
  EXPECT_EQ(app.ssrc, 0x11223344u);
  EXPECT_EQ(std::string(app.name.begin(), app.name.end()), "FMSX");
  EXPECT_EQ(app.data, from_hex("01 02 03 04"));
}

TEST(Rtcp, GenericNack) {
  // Items: PID 1000 with BLP 0b101 (1001 and 1003 lost too); PID 65535 with bit 15 (15 lost).
  const auto nack =
      parse_single<Nack>("81 cd 00 04  00 00 00 01  11 22 33 44  03 e8 00 05  ff ff 80 00");
  EXPECT_EQ(nack.sender_ssrc, 1u);
  EXPECT_EQ(nack.media_ssrc, 0x11223344u);
  EXPECT_EQ(nack.items, (std::vector<NackItem>{{1000, 0x0005}, {65535, 0x8000}}));
  EXPECT_EQ(lost_sequences(nack.items), (std::vector<uint16_t>{1000, 1001, 1003, 65535, 15}));
}

TEST(Rtcp, NackItemsFromSequenceNumbers) {
  EXPECT_TRUE(nack_items({}).empty());
  const std::vector<uint16_t> run = {1000, 1001, 1003, 1016, 1017, 1040};
  EXPECT_EQ(nack_items(run), (std::vector<NackItem>{{1000, 0x8005}, {1017, 0}, {1040, 0}}));
  // Across the wrap, out of order, with a duplicate: still one run from 65534.
  const std::vector<uint16_t> wrap = {0, 65535, 1, 65534, 0};
  EXPECT_EQ(nack_items(wrap), (std::vector<NackItem>{{65534, 0x0007}}));
  EXPECT_EQ(lost_sequences(nack_items(wrap)), (std::vector<uint16_t>{65534, 65535, 0, 1}));
  const std::vector<uint16_t> one = {42};
  EXPECT_EQ(nack_items(one), (std::vector<NackItem>{{42, 0}}));
  // Written as a packet.
  const std::vector<RtcpPacket> packets = {Nack{1, 0x11223344, nack_items(run)}};
  EXPECT_EQ(written(packets), from_hex("81 cd 00 05  00 00 00 01  11 22 33 44"
                                       "03 e8 80 05  03 f9 00 00  04 10 00 00"));
}

TEST(Rtcp, TransportWideFeedbackKeptRawWithItsPadding) {
  // libwebrtc pads its feedback with the P bit: 11 FCI bytes (base sequence 1, one status,
  // reference time 0x000010, feedback count 1, a run-length chunk, one delta), one byte of
  // padding holding the count.
  const auto twcc = parse_single<TransportFeedback>(
      "af cd 00 05  00 00 00 01  11 22 33 44  00 01 00 01 00 00 10 01 20 01 04 01");
  EXPECT_EQ(twcc.sender_ssrc, 1u);
  EXPECT_EQ(twcc.media_ssrc, 0x11223344u);
  EXPECT_EQ(twcc.fci, from_hex("00 01 00 01 00 00 10 01 20 01 04"));
}

TEST(Rtcp, PictureLossAndFullIntraRequest) {
  const auto pli = parse_single<Pli>("81 ce 00 02  00 00 00 01  11 22 33 44");
  EXPECT_EQ(pli, (Pli{1, 0x11223344}));
  // A PLI with an FCI is still a PLI (the FCI is dropped).
  const auto odd = parse_ok("81 ce 00 03  00 00 00 01  11 22 33 44  ff ff ff ff");
  ASSERT_EQ(odd.size(), 1u);
  EXPECT_EQ(std::get<Pli>(odd[0]), (Pli{1, 0x11223344}));
  // FIR: media SSRC 0, entries (SSRC, sequence number, 3 reserved bytes).
  const auto fir = parse_single<Fir>(
      "84 ce 00 06  00 00 00 01  00 00 00 00  11 22 33 44 07 00 00 00  55 66 77 88 08 00 00 00");
  EXPECT_EQ(fir.entries, (std::vector<FirEntry>{{0x11223344, 7}, {0x55667788, 8}}));
}

TEST(Rtcp, Remb) {
  // 1,000,000 bit/s = 250000 * 2^2: exponent 2, mantissa 0x3d090, for one SSRC.
  const auto remb = parse_single<Remb>(
      "8f ce 00 05  00 00 00 01  00 00 00 00  52 45 4d 42  01 0b d0 90  11 22 33 44");
  EXPECT_EQ(remb.exponent, 2);
  EXPECT_EQ(remb.mantissa, 0x3d090u);
  EXPECT_EQ(remb.bitrate(), 1'000'000u);
  EXPECT_EQ(remb.ssrcs, (std::vector<uint32_t>{0x11223344}));

  Remb r;
  r.set_bitrate(1'000'000);
  EXPECT_EQ(r.exponent, 2);
  EXPECT_EQ(r.mantissa, 250000u);
  r.set_bitrate(0x3ffff);
  EXPECT_EQ(r.exponent, 0);
  EXPECT_EQ(r.mantissa, 0x3ffffu);
  r.set_bitrate(std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(r.exponent, 46);
  EXPECT_EQ(r.mantissa, 0x3ffffu);
  EXPECT_EQ(r.bitrate(), uint64_t{0x3ffff} << 46);
  r.exponent = 63;
  EXPECT_EQ(r.bitrate(), std::numeric_limits<uint64_t>::max());
  r.mantissa = 0;
  EXPECT_EQ(r.bitrate(), 0u);
}

TEST(Rtcp, OtherFeedbackAndUnknownTypesKeptRaw) {
  // PSFB FMT 15 that is not REMB; RTPFB FMT 3 (TMMBR); an XR (207) with count 3.
  const auto afb = parse_single<Feedback>("8f ce 00 03  00 00 00 01  00 00 00 00  41 42 43 44");
  EXPECT_EQ(afb, (Feedback{kRtcpPayloadSpecificFeedback, 15, 1, 0, from_hex("41 42 43 44")}));
  const auto tmmbr =
      parse_single<Feedback>("83 cd 00 04  00 00 00 01  00 00 00 00  11 22 33 44  04 00 10 00");
  EXPECT_EQ(tmmbr.type, kRtcpTransportLayerFeedback);
  EXPECT_EQ(tmmbr.format, 3);
  EXPECT_EQ(tmmbr.fci, from_hex("11 22 33 44  04 00 10 00"));
  const auto xr = parse_single<UnknownRtcp>("83 cf 00 02  11 22 33 44  01 02 03 04");
  EXPECT_EQ(xr, (UnknownRtcp{207, 3, from_hex("11 22 33 44 01 02 03 04")}));
  // A REMB-sized AFB whose identifier is not "REMB".
  const auto other =
      parse_single<Feedback>("8f ce 00 04  00 00 00 01  00 00 00 00  52 45 4d 43  00 00 00 00");
  EXPECT_EQ(other.format, kPsfbApplicationLayer);
}

TEST(Rtcp, PaddingIsRemovedFromAnyPacket) {
  // An RR padded by a word (count 4) in the middle of a compound, then a BYE.
  const auto packets = parse_ok("a0 c9 00 02  11 22 33 44  00 00 00 04  80 cb 00 00");
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(std::get<ReceiverReport>(packets[0]), (ReceiverReport{0x11223344, {}, {}}));
  EXPECT_TRUE(std::get<Bye>(packets[1]).ssrcs.empty());
  EXPECT_EQ(written(packets), from_hex("80 c9 00 01  11 22 33 44  80 cb 00 00"));
  // Padding that covers the whole body leaves an empty one.
  const auto empty = parse_ok("a0 d0 00 01  00 00 00 04");
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(std::get<UnknownRtcp>(empty[0]), (UnknownRtcp{208, 0, {}}));
}

TEST(Rtcp, WriteCapsAndAlignment) {
  // An unaligned raw body is padded with the P bit, and reads back the same.
  const std::vector<RtcpPacket> raw = {UnknownRtcp{210, 1, from_hex("01 02 03 04 05")}};
  EXPECT_EQ(written(raw), from_hex("a1 d2 00 02  01 02 03 04  05 00 00 03"));
  auto back = parse_rtcp(written(raw));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, raw);

  // 32 report blocks: 31 are written; a cumulative loss out of range is clamped.
  SenderReport sr;
  sr.reports.resize(32);
  sr.reports[0].cumulative_lost = 10'000'000;
  sr.reports[1].cumulative_lost = -10'000'000;
  const std::vector<RtcpPacket> srs = {sr};
  const Bytes wire = written(srs);
  EXPECT_EQ(wire.size(), 28u + 31 * 24);
  EXPECT_EQ(wire[0], 0x9f);
  back = parse_rtcp(wire);
  ASSERT_TRUE(back) << back.error().message;
  const auto& reports = std::get<SenderReport>((*back)[0]).reports;
  ASSERT_EQ(reports.size(), 31u);
  EXPECT_EQ(reports[0].cumulative_lost, 0x7fffff);
  EXPECT_EQ(reports[1].cumulative_lost, -0x800000);

  // SDES: a text over 255 bytes is cut to 255; an item of type 0 is skipped.
  SourceDescription sdes;
  sdes.chunks.push_back({7, {{0, "skipped"}, {kSdesCname, std::string(300, 'c')}}});
  const std::vector<RtcpPacket> sdeses = {sdes};
  back = parse_rtcp(written(sdeses));
  ASSERT_TRUE(back) << back.error().message;
  const auto& items = std::get<SourceDescription>((*back)[0]).chunks[0].items;
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].text, std::string(255, 'c'));
}

TEST(Rtcp, EveryTypeRoundTrips) {
  SenderReport sr{0x01020304, {0x0123456789abcdef, 1, 2, 3}, {{9, 1, -5, 70000, 4, 5, 6}}, {}};
  ReceiverReport rr{1, {{2, 3, 4, 5, 6, 7, 8}}, from_hex("aa bb cc dd")};
  SourceDescription sdes{{{1, {{kSdesCname, "x@y"}, {kSdesNote, ""}}}, {2, {}}}};
  Bye bye{{1, 2, 3}, std::string("")};
  App app{31, 5, {'a', 'b', 'c', 'd'}, from_hex("00 11 22")};
  Nack nack{1, 2, {{10, 0xffff}}};
  TransportFeedback twcc{1, 2, from_hex("00 01 02")};
  Pli pli{1, 2};
  Fir fir{1, 0, {{3, 255}}};
  Remb remb{1, 0, 10, 0x3ffff, {1, 2, 3}};
  Feedback fb{kRtcpTransportLayerFeedback, 31, 1, 2, from_hex("01")};
  UnknownRtcp unknown{255, 31, {}};
  const std::vector<RtcpPacket> all = {sr,   rr,  sdes, bye,  app, nack,
                                       twcc, pli, fir,  remb, fb,  unknown};
  const Bytes wire = written(all);
  auto back = parse_rtcp(wire);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, all);
  EXPECT_EQ(written(*back), wire);
  // Writing one packet at a time gives the same bytes.
  Bytes one_by_one;
  for (const auto& p : all)
    write_rtcp(p, one_by_one);
  EXPECT_EQ(one_by_one, wire);
}

TEST(Rtcp, Refusals) {
  EXPECT_EQ(refusal(""), "RTCP: empty packet");
  EXPECT_EQ(refusal("80 c9 00"), "RTCP packet 1: header cut short, 3 bytes left");
  EXPECT_EQ(refusal("80 c9 00 01 00 00 00 01  80"),
            "RTCP packet 2: header cut short, 1 bytes left");
  EXPECT_EQ(refusal("40 c9 00 01 00 00 00 01"), "RTCP packet 1: version 1, not 2");
  EXPECT_EQ(refusal("80 c9 00 01 00 00 00 01  c0 c9 00 01 00 00 00 01"),
            "RTCP packet 2: version 3, not 2");
  EXPECT_EQ(refusal("80 c9 00 02 00 00 00 01"),
            "RTCP packet 1 (RR): length 12 past the end, 8 bytes left");
  EXPECT_EQ(refusal("80 c9 ff ff 00 00 00 01"),
            "RTCP packet 1 (RR): length 262144 past the end, 8 bytes left");
  // Padding.
  EXPECT_EQ(refusal("a0 c9 00 00"), "RTCP packet 1 (RR): padding count 0 in a body of 0 bytes");
  EXPECT_EQ(refusal("a0 c9 00 01 11 22 33 00"),
            "RTCP packet 1 (RR): padding count 0 in a body of 4 bytes");
  EXPECT_EQ(refusal("a0 c9 00 01 11 22 33 05"),
            "RTCP packet 1 (RR): padding count 5 in a body of 4 bytes");
  // SR and RR.
  EXPECT_EQ(refusal("80 c8 00 01 11 22 33 44"),
            "RTCP packet 1 (SR): SR of 4 bytes, under its SSRC and sender info");
  EXPECT_EQ(refusal("81 c8 00 06  11 22 33 44  00000000 00000000 00000000 00000000 00000000"),
            "RTCP packet 1 (SR): 1 report blocks do not fit in 0 bytes");
  EXPECT_EQ(refusal("80 c9 00 00"), "RTCP packet 1 (RR): RR of 0 bytes, under its SSRC");
  EXPECT_EQ(refusal("82 c9 00 07  00 00 00 01  000000000000000000000000000000000000000000000000"),
            "RTCP packet 1 (RR): 2 report blocks do not fit in 24 bytes");
  // SDES.
  EXPECT_EQ(refusal("82 ca 00 02  11 22 33 44  01 00 00 00"),
            "RTCP packet 1 (SDES): 2 chunks do not fit in 8 bytes");
  EXPECT_EQ(refusal("81 ca 00 02  11 22 33 44  01 01 61 05"),
            "RTCP packet 1 (SDES): SDES item 5 cut short");
  EXPECT_EQ(refusal("81 ca 00 02  11 22 33 44  01 05 61 62"),
            "RTCP packet 1 (SDES): SDES item 1 of 5 bytes does not fit");
  RtcpLimits one_item;
  one_item.max_sdes_items = 1;
  EXPECT_EQ(refusal("81 ca 00 03  11 22 33 44  01 01 61 02 01 62 00 00", one_item),
            "RTCP packet 1 (SDES): SDES chunk of over 1 items");
  // BYE and APP.
  EXPECT_EQ(refusal("82 cb 00 01  11 22 33 44"),
            "RTCP packet 1 (BYE): 2 SSRCs do not fit in 4 bytes");
  EXPECT_EQ(refusal("81 cb 00 02  11 22 33 44  08 61 62 63"),
            "RTCP packet 1 (BYE): BYE reason of 8 bytes does not fit");
  EXPECT_EQ(refusal("80 cc 00 01  11 22 33 44"),
            "RTCP packet 1 (APP): APP of 4 bytes, under its SSRC and name");
  // Feedback.
  EXPECT_EQ(refusal("81 cd 00 01  00 00 00 01"),
            "RTCP packet 1 (RTPFB): feedback of 4 bytes, under its two SSRCs");
  EXPECT_EQ(refusal("81 ce 00 00"),
            "RTCP packet 1 (PSFB): feedback of 0 bytes, under its two SSRCs");
  EXPECT_EQ(refusal("a1 cd 00 04  00 00 00 01  11 22 33 44  03 e8 00 05  00 00 00 02"),
            "RTCP packet 1 (RTPFB): NACK FCI of 6 bytes, not whole items");
  RtcpLimits one_nack;
  one_nack.max_nack_items = 1;
  EXPECT_EQ(refusal("81 cd 00 04  00 00 00 01  11 22 33 44  03 e8 00 05  ff ff 80 00", one_nack),
            "RTCP packet 1 (RTPFB): NACK of 2 items, over 1");
  EXPECT_EQ(refusal("84 ce 00 03  00 00 00 01  00 00 00 00  11 22 33 44"),
            "RTCP packet 1 (PSFB): FIR FCI of 4 bytes, not whole entries");
  RtcpLimits one_fir;
  one_fir.max_fir_entries = 1;
  EXPECT_EQ(refusal("84 ce 00 06  00 00 00 01  00 00 00 00  11 22 33 44 07 00 00 00"
                    "55 66 77 88 08 00 00 00",
                    one_fir),
            "RTCP packet 1 (PSFB): FIR of 2 entries, over 1");
  EXPECT_EQ(refusal("8f ce 00 04  00 00 00 01  00 00 00 00  52 45 4d 42  02 0b d0 90"),
            "RTCP packet 1 (PSFB): REMB: 2 SSRCs do not fit in 0 bytes");
  RtcpLimits one_remb;
  one_remb.max_remb_ssrcs = 1;
  EXPECT_EQ(refusal("8f ce 00 06  00 00 00 01  00 00 00 00  52 45 4d 42  02 0b d0 90"
                    "00 00 00 01  00 00 00 02",
                    one_remb),
            "RTCP packet 1 (PSFB): REMB of 2 SSRCs, over 1");
  // The number of packets.
  RtcpLimits two;
  two.max_packets = 2;
  EXPECT_EQ(refusal("80 cb 00 00  80 cb 00 00  80 cb 00 00", two),
            "RTCP: compound of over 2 packets");
  EXPECT_EQ(parse_ok("80 cb 00 00  80 cb 00 00", two).size(), 2u);
  // An unknown type's name is its number.
  EXPECT_EQ(refusal("80 d0 00 01"),
            "RTCP packet 1 (type 208): length 8 past the end, 4 bytes left");
}

TEST(Rtcp, IsRtcp) {
  EXPECT_TRUE(is_rtcp(from_hex("80 c8 00 06")));
  EXPECT_TRUE(is_rtcp(from_hex("81 cd 00 04")));
  EXPECT_FALSE(is_rtcp(from_hex("80 60 00 01  00 00 00 00  00 00 00 01")));  // RTP, PT 96
  EXPECT_FALSE(is_rtcp(from_hex("80 e0 00 01  00 00 00 00  00 00 00 01")));  // marker, PT 96
  EXPECT_FALSE(is_rtcp(from_hex("40 c8 00 06")));
  EXPECT_FALSE(is_rtcp(from_hex("80 c8")));
}

}  // namespace
}  // namespace firstmile::format::rtp
