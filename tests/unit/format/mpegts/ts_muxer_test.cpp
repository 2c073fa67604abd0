#include "format/mpegts/ts_muxer.hpp"

#include <gtest/gtest.h>

#include "format/mpegts/ts_muxer_vectors.hpp"
#include "hex.hpp"

#include <map>
#include <string>
#include <vector>

#include "format/mpegts/crc32.hpp"

namespace firstmile::format {
namespace {

using namespace ts_vectors;
using test::from_hex;

Bytes joined(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (auto p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A PSI packet as ffmpeg writes it: the given head, then 0xFF up to 188 bytes.
Bytes psi_packet(std::string_view head_hex) {
  Bytes p = from_hex(head_hex);
  p.resize(kTsPacketSize, 0xFF);
  return p;
}

media::TrackInfo video_track(media::Codec codec, ByteSpan config) {
  media::TrackInfo t;
  t.kind = media::MediaKind::Video;
  t.codec = codec;
  t.config = Buffer::copy(config);
  return t;
}

media::TrackInfo aac_track() {
  media::TrackInfo t;
  t.kind = media::MediaKind::Audio;
  t.codec = media::Codec::AAC;
  t.config = Buffer::copy(kAsc);
  t.sample_rate = 48000;
  t.channels = 2;
  return t;
}

media::Tracks h264_aac() {
  media::Tracks t;
  t.video = video_track(media::Codec::H264, kAvcC);
  t.audio = aac_track();
  return t;
}

media::Frame video(ByteSpan payload, int64_t dts, int64_t pts, bool key,
                   media::Codec codec = media::Codec::H264) {
  media::Frame f;
  f.kind = media::MediaKind::Video;
  f.codec = codec;
  f.dts = dts;
  f.pts = pts;
  f.keyframe = key;
  f.payload = Buffer::copy(payload);
  return f;
}

media::Frame audio(int64_t dts, ByteSpan payload = kAacFrame) {
  media::Frame f;
  f.kind = media::MediaKind::Audio;
  f.codec = media::Codec::AAC;
  f.dts = f.pts = dts;
  f.keyframe = true;
  f.payload = Buffer::copy(payload);
  return f;
}

// AVCC payload from NAL units.
Bytes avcc(std::initializer_list<ByteSpan> nals) {
  Bytes out;
  ByteWriter w(out);
  for (auto n : nals) {
    w.u32(static_cast<uint32_t>(n.size()));
    w.bytes(n);
  }
  return out;
}

// Annex-B with 4-byte start codes.
Bytes annexb(std::initializer_list<ByteSpan> nals) {
  Bytes out;
  for (auto n : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

struct Packet {
  uint16_t pid = 0;
  bool pusi = false;
  int afc = 0;  // adaptation_field_control
  int cc = 0;
  Bytes af;  // adaptation field after its length byte
  bool has_af = false;
  Bytes payload;
};

std::vector<Packet> parse(const Bytes& ts) {
  std::vector<Packet> out;
  EXPECT_EQ(ts.size() % kTsPacketSize, 0u);
  for (size_t i = 0; i + kTsPacketSize <= ts.size(); i += kTsPacketSize) {
    const uint8_t* p = &ts[i];
    EXPECT_EQ(p[0], 0x47) << "packet " << i / kTsPacketSize;
    Packet k;
    k.pusi = p[1] & 0x40;
    k.pid = static_cast<uint16_t>(((p[1] & 0x1F) << 8) | p[2]);
    k.afc = (p[3] >> 4) & 3;
    k.cc = p[3] & 0x0F;
    EXPECT_NE(k.afc, 0);
    size_t pos = 4;
    if (k.afc & 2) {
      k.has_af = true;
      const size_t len = p[4];
      EXPECT_LE(len, 183u);
      k.af.assign(p + 5, p + 5 + len);
      pos = 5 + len;
    }
    if (k.afc & 1)
      k.payload.assign(p + pos, p + kTsPacketSize);
    else
      EXPECT_EQ(pos, kTsPacketSize) << "adaptation-only packet must fill the packet";
    out.push_back(std::move(k));
  }
  return out;
}

// PES packets of a PID, reassembled from payloads (PUSI starts a new one).
std::vector<Bytes> pes_of(const std::vector<Packet>& packets, uint16_t pid) {
  std::vector<Bytes> out;
  for (const Packet& p : packets) {
    if (p.pid != pid || p.payload.empty()) continue;
    if (p.pusi) out.emplace_back();
    if (!out.empty()) out.back().insert(out.back().end(), p.payload.begin(), p.payload.end());
  }
  return out;
}

// Decodes a 5-byte PTS/DTS field, checking the prefix and the three marker bits.
int64_t timestamp(const uint8_t* b, int prefix) {
  EXPECT_EQ(b[0] >> 4, prefix);
  EXPECT_EQ(b[0] & 1, 1);
  EXPECT_EQ(b[2] & 1, 1);
  EXPECT_EQ(b[4] & 1, 1);
  return (int64_t{(b[0] >> 1) & 7} << 30) | (int64_t{b[1]} << 22) | (int64_t{b[2] >> 1} << 15) |
         (int64_t{b[3]} << 7) | (b[4] >> 1);
}

struct Pes {
  uint8_t stream_id = 0;
  size_t length = 0;
  int64_t pts = -1;
  int64_t dts = -1;
  Bytes data;
};

Pes parse_pes(const Bytes& b) {
  Pes p;
  EXPECT_GE(b.size(), 14u);
  EXPECT_EQ(b[0], 0);
  EXPECT_EQ(b[1], 0);
  EXPECT_EQ(b[2], 1);
  p.stream_id = b[3];
  p.length = size_t{b[4]} << 8 | b[5];
  EXPECT_EQ(b[6], 0x84);  // '10', data_alignment_indicator
  const int flags = b[7] >> 6;
  const size_t header = b[8];
  if (flags == 2) {
    EXPECT_EQ(header, 5u);
    p.pts = p.dts = timestamp(&b[9], 2);
  } else {
    EXPECT_EQ(flags, 3);
    EXPECT_EQ(header, 10u);
    p.pts = timestamp(&b[9], 3);
    p.dts = timestamp(&b[14], 1);
  }
  p.data.assign(b.begin() + 9 + static_cast<long>(header), b.end());
  return p;
}

int64_t pcr_base(const Packet& p) {
  EXPECT_TRUE(p.has_af && p.af.size() >= 7 && (p.af[0] & 0x10));
  const uint8_t* b = &p.af[1];
  EXPECT_EQ(b[4] & 0x7E, 0x7E);            // reserved bits
  EXPECT_EQ(((b[4] & 1) << 8) | b[5], 0);  // extension
  return (int64_t{b[0]} << 25) | (int64_t{b[1]} << 17) | (int64_t{b[2]} << 9) |
         (int64_t{b[3]} << 1) | (b[4] >> 7);
}

constexpr ByteSpan kSps{kAvcC + 8, 24};
constexpr ByteSpan kPps{kAvcC + 35, 6};
constexpr ByteSpan kIdr{kFrame0 + 4, 0xd7};
constexpr uint8_t kAud264[] = {0x09, 0xF0};
constexpr ByteSpan kVps{kHvcC + 28, 24};
constexpr ByteSpan kHevcSps{kHvcC + 57, 41};
constexpr ByteSpan kHevcPps{kHvcC + 103, 7};

// PAT and PMT byte for byte as ffmpeg 5.1's mpegts muxer writes them for the same PIDs and
// stream types (first two packets after its SDT; `-streamid 0:257` for the AAC-only case).
TEST(TsMuxer, TablesMatchFfmpegForH264AndAac) {
  TsMuxer mux(h264_aac());
  Bytes out;
  mux.write_tables(out);
  EXPECT_EQ(out,
            joined({psi_packet("474000100000b00d0001c100000001f0002ab104b2"),
                    psi_packet("475000100002b0170001c10000e100f0001be100f0000fe101f0002f44b99b")}));
}

TEST(TsMuxer, TablesMatchFfmpegForH265AndAac) {
  media::Tracks t;
  t.video = video_track(media::Codec::H265, kHvcC);
  t.audio = aac_track();
  TsMuxer mux(t);
  Bytes out;
  mux.write_tables(out);
  EXPECT_EQ(
      Bytes(out.begin() + kTsPacketSize, out.end()),
      psi_packet("475000100002b01d0001c10000e100f00024e100f0060504484556430fe101f0006c37cf8a"));
}

TEST(TsMuxer, TablesMatchFfmpegForAacOnlyWithPcrOnAudio) {
  media::Tracks t;
  t.audio = aac_track();
  TsMuxer mux(t);
  EXPECT_EQ(mux.pcr_pid(), kAudioPid);
  Bytes out;
  mux.write_tables(out);
  EXPECT_EQ(Bytes(out.begin() + kTsPacketSize, out.end()),
            psi_packet("475000100002b0120001c10000e101f0000fe101f000ece2b094"));
}

TEST(TsMuxer, PmtVersionChangesOnlyWithTheProgram) {
  TsMuxer mux(h264_aac());
  mux.set_tracks(h264_aac());
  EXPECT_EQ(mux.pmt_version(), 0);
  media::Tracks t;
  t.video = video_track(media::Codec::H265, kHvcC);
  mux.set_tracks(t);
  EXPECT_EQ(mux.pmt_version(), 1);
  Bytes out;
  mux.write_tables(out);
  const auto packets = parse(out);
  const Bytes& pmt = packets[1].payload;
  EXPECT_EQ(pmt[6], 0xC3);  // reserved '11', version 1, current_next_indicator 1
  const size_t section_length = ((pmt[2] & 0x0F) << 8) | pmt[3];
  EXPECT_EQ(crc32_mpeg2(ByteSpan(pmt).subspan(1, 3 + section_length)), 0u);
}

TEST(TsMuxer, PacketsAndContinuityCountersAcrossFramesAndSegments) {
  TsMuxer mux(h264_aac());
  Bytes out;
  const ByteSpan frames[] = {kFrame0, kFrame1, kFrame2, kFrame3};
  const int dts_ms[] = {0, 34, 67, 100};
  const int pts_ms[] = {67, 167, 100, 134};
  // 20 "segments" of the four frames plus audio: every counter wraps past 15.
  for (int seg = 0; seg < 20; ++seg) {
    mux.write_tables(out);
    for (int i = 0; i < 4; ++i) {
      const int64_t base = int64_t{seg} * 12000;
      ASSERT_TRUE(
          mux.write_frame(video(frames[i], base + dts_ms[i] * 90, base + pts_ms[i] * 90, i == 0),
                          out)
              .ok());
      ASSERT_TRUE(mux.write_frame(audio(base + dts_ms[i] * 90), out).ok());
    }
  }
  const auto packets = parse(out);
  std::map<uint16_t, int> last;
  std::map<uint16_t, int> count;
  for (const Packet& p : packets) {
    ASSERT_TRUE(p.pid == kPatPid || p.pid == kPmtPid || p.pid == kVideoPid || p.pid == kAudioPid);
    if (last.count(p.pid)) {
      // 2.4.3.3: +1 mod 16 per packet with payload; repeated by adaptation-only packets.
      const int expected = (p.afc & 1) ? (last[p.pid] + 1) & 0x0F : last[p.pid];
      EXPECT_EQ(p.cc, expected) << "pid " << p.pid;
    } else {
      EXPECT_EQ(p.cc, 0);
    }
    last[p.pid] = p.cc;
    ++count[p.pid];
  }
  EXPECT_EQ(count[kPatPid], 20);
  EXPECT_EQ(count[kPmtPid], 20);
  EXPECT_EQ(last[kPatPid], 19 & 0x0F);
  EXPECT_EQ(pes_of(packets, kVideoPid).size(), 80u);
  EXPECT_EQ(pes_of(packets, kAudioPid).size(), 80u);
}

TEST(TsMuxer, KeyframeGetsAudAndParameterSetsFromAvcc) {
  TsMuxer mux(h264_aac());
  Bytes out;
  ASSERT_TRUE(mux.write_frame(video(kFrame0, 0, 67 * 90, true), out).ok());
  const auto packets = parse(out);
  const auto pes = pes_of(packets, kVideoPid);
  ASSERT_EQ(pes.size(), 1u);
  const Pes p = parse_pes(pes[0]);
  EXPECT_EQ(p.stream_id, 0xE0);
  EXPECT_EQ(p.length, 0u);  // unbounded video PES
  EXPECT_EQ(p.dts, kTimestampOffset);
  EXPECT_EQ(p.pts, kTimestampOffset + 67 * 90);
  EXPECT_EQ(p.data, annexb({kAud264, kSps, kPps, kIdr}));
  // First packet: random_access_indicator and PCR (flags 0x50), PCR = DTS - lead.
  ASSERT_TRUE(packets[0].has_af);
  EXPECT_EQ(packets[0].af[0], 0x50);
  EXPECT_EQ(pcr_base(packets[0]), kTimestampOffset - kPcrLead);
}

TEST(TsMuxer, NonKeyframeGetsOnlyAud) {
  TsMuxer mux(h264_aac());
  Bytes out;
  ASSERT_TRUE(mux.write_frame(video(kFrame1, 34 * 90, 167 * 90, false), out).ok());
  const auto packets = parse(out);
  const Pes p = parse_pes(pes_of(packets, kVideoPid).at(0));
  EXPECT_EQ(p.data, annexb({kAud264, ByteSpan(kFrame1 + 4, 8)}));
  EXPECT_EQ(packets[0].af[0], 0x10);  // PCR, no random access
}

TEST(TsMuxer, InBandParameterSetsAreNotDuplicatedAndAudIsNotDoubled) {
  TsMuxer mux(h264_aac());
  Bytes out;
  const uint8_t payload_aud[] = {0x09, 0x10};
  const Bytes payload = avcc({payload_aud, kSps, kPps, kIdr});
  ASSERT_TRUE(mux.write_frame(video(payload, 0, 0, true), out).ok());
  const Pes p = parse_pes(pes_of(parse(out), kVideoPid).at(0));
  EXPECT_EQ(p.data, annexb({kAud264, kSps, kPps, kIdr}));
  EXPECT_EQ(p.pts, p.dts);
}

TEST(TsMuxer, H265KeyframeGetsAudAndVpsSpsPps) {
  media::Tracks t;
  t.video = video_track(media::Codec::H265, kHvcC);
  TsMuxer mux(t);
  Bytes out;
  const Bytes idr = avcc({kHevcIdrNal});
  ASSERT_TRUE(mux.write_frame(video(idr, 0, 0, true, media::Codec::H265), out).ok());
  const uint8_t aud[] = {0x46, 0x01, 0x50};
  const Pes p = parse_pes(pes_of(parse(out), kVideoPid).at(0));
  EXPECT_EQ(p.data, annexb({aud, kVps, kHevcSps, kHevcPps, kHevcIdrNal}));
  // Not a keyframe: no parameter sets.
  out.clear();
  ASSERT_TRUE(mux.write_frame(video(idr, 3000, 3000, false, media::Codec::H265), out).ok());
  EXPECT_EQ(parse_pes(pes_of(parse(out), kVideoPid).at(0)).data, annexb({aud, kHevcIdrNal}));
}

TEST(TsMuxer, PesTimestampFieldsBitExact) {
  TsMuxer mux(h264_aac());
  Bytes out;
  // Wire PTS 0x123456789: bits 32..30 = 100, 29..15 = 0x468A, 14..0 = 0x6789, so
  // '0011' 100 1 | 0x8D | 0001010 1 | 0xCF | 0001001 1; wire DTS 1: '0001' 000 1 00 01 00 03.
  const int64_t pts = 0x123456789 - kTimestampOffset;
  const int64_t dts = 1 - kTimestampOffset;
  ASSERT_TRUE(mux.write_frame(video(kFrame1, dts, pts, false), out).ok());
  const Bytes pes = pes_of(parse(out), kVideoPid).at(0);
  EXPECT_EQ(Bytes(pes.begin(), pes.begin() + 19),
            from_hex("000001e0 0000 84 c0 0a 398d15cf13 1100010003"));
  out.clear();
  // pts == dts: PTS only ('0010'); values are taken modulo 2^33.
  const int64_t wrapped = (int64_t{1} << 33) + 5 - kTimestampOffset;
  ASSERT_TRUE(mux.write_frame(video(kFrame1, wrapped, wrapped, false), out).ok());
  const Bytes pes2 = pes_of(parse(out), kVideoPid).at(0);
  EXPECT_EQ(Bytes(pes2.begin() + 6, pes2.begin() + 14), from_hex("84 80 05 210001000b"));
}

TEST(TsMuxer, NegativeTimestampsWrapAndPcrIsNeverNegative) {
  media::Tracks t;
  t.video = video_track(media::Codec::H264, kAvcC);
  TsMuxer mux(t);
  Bytes out;
  const int64_t dts = -kTimestampOffset - 1;  // wire value 2^33 - 1
  ASSERT_TRUE(mux.write_frame(video(kFrame1, dts, dts, false), out).ok());
  const auto packets = parse(out);
  const Bytes pes = pes_of(packets, kVideoPid).at(0);
  EXPECT_EQ(Bytes(pes.begin() + 9, pes.begin() + 14), from_hex("2fffffffff"));
  EXPECT_EQ(pcr_base(packets[0]), 0);
}

TEST(TsMuxer, AudioPesHasExactLengthAndAdtsHeader) {
  TsMuxer mux(h264_aac());
  Bytes out;
  ASSERT_TRUE(mux.write_frame(audio(1920), out).ok());
  const auto packets = parse(out);
  ASSERT_EQ(packets.size(), 2u);
  // No PCR yet on the PCR PID (video): a PCR-only packet gives the audio a clock.
  EXPECT_EQ(packets[0].pid, kVideoPid);
  EXPECT_EQ(packets[0].afc, 2);
  EXPECT_EQ(pcr_base(packets[0]), kTimestampOffset + 1920 - kPcrLead);
  EXPECT_EQ(packets[1].pid, kAudioPid);
  EXPECT_EQ(packets[1].af[0] & 0x40, 0x40);  // random access: every AAC frame decodes alone
  EXPECT_EQ(packets[1].af[0] & 0x10, 0);     // no PCR: the PCR PID is the video's
  const Bytes pes = pes_of(packets, kAudioPid).at(0);
  const Pes p = parse_pes(pes);
  EXPECT_EQ(p.stream_id, 0xC0);
  EXPECT_EQ(p.length, pes.size() - 6);
  EXPECT_EQ(p.pts, kTimestampOffset + 1920);
  // ADTS (13818-7 6.2): sync FFF, MPEG-4, no CRC; LC (profile 1), 48 kHz (index 3), 2
  // channels; aac_frame_length 7 + 20 = 27; buffer fullness 0x7FF; one raw data block.
  const uint8_t len = 27;
  EXPECT_EQ(Bytes(p.data.begin(), p.data.begin() + 7),
            Bytes({0xFF, 0xF1, 0x4C, 0x80, static_cast<uint8_t>(len >> 3),
                   static_cast<uint8_t>(((len & 7) << 5) | 0x1F), 0xFC}));
  EXPECT_EQ(Bytes(p.data.begin() + 7, p.data.end()),
            Bytes(std::begin(kAacFrame), std::end(kAacFrame)));
}

TEST(TsMuxer, AudioOnlyCarriesPcrOnEveryPes) {
  media::Tracks t;
  t.audio = aac_track();
  TsMuxer mux(t);
  Bytes out;
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(mux.write_frame(audio(i * 1920), out).ok());
  const auto packets = parse(out);
  ASSERT_EQ(packets.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(packets[i].af[0], 0x50);
    EXPECT_EQ(pcr_base(packets[i]), std::max<int64_t>(kTimestampOffset + i * 1920 - kPcrLead, 0));
  }
}

// Adaptation-field stuffing on the last packet of a PES: the PES size decides how many
// payload bytes the last packet carries. A non-key video PES is 9 + 5 (header) + 6 (AUD) +
// 4 (start code) + NAL bytes, and its first packet carries flags and a PCR (8 bytes of
// adaptation field), leaving 176 bytes of payload.
struct StuffingCase {
  size_t pes_size;
  size_t packets;
  int last_af_length;  // -1: no adaptation field in the last packet
};

class TsStuffing : public ::testing::TestWithParam<StuffingCase> {};

TEST_P(TsStuffing, LastPacketIsFilledInTheAdaptationField) {
  const StuffingCase c = GetParam();
  Bytes nal(c.pes_size - 24, 0x5A);
  nal[0] = 0x41;  // non-IDR slice
  TsMuxer mux(h264_aac());
  Bytes out;
  ASSERT_TRUE(mux.write_frame(video(avcc({nal}), 0, 0, false), out).ok());
  const auto packets = parse(out);
  ASSERT_EQ(packets.size(), c.packets);
  // The payloads add up to the PES exactly: nothing was padded with 0xFF payload bytes.
  const auto pes = pes_of(packets, kVideoPid);
  ASSERT_EQ(pes.size(), 1u);
  EXPECT_EQ(pes[0].size(), c.pes_size);
  EXPECT_EQ(parse_pes(pes[0]).data, annexb({kAud264, nal}));
  const Packet& last = packets.back();
  if (c.last_af_length < 0) {
    EXPECT_FALSE(last.has_af);
    return;
  }
  ASSERT_TRUE(last.has_af);
  ASSERT_EQ(static_cast<int>(last.af.size()), c.last_af_length);
  const size_t flag_bytes = packets.size() == 1 ? 7 : 1;  // flags (+ PCR on the first packet)
  if (last.af.empty()) return;
  if (packets.size() > 1) {
    EXPECT_EQ(last.af[0], 0x00);
  }
  for (size_t i = flag_bytes; i < last.af.size(); ++i) {
    EXPECT_EQ(last.af[i], 0xFF) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, TsStuffing,
    ::testing::Values(StuffingCase{175, 1, 8},          // one stuffing byte after the PCR
                      StuffingCase{176, 1, 7},          // exactly full
                      StuffingCase{177, 2, 182},        // 1 byte left: 182 bytes of stuffing
                      StuffingCase{176 + 182, 2, 1},    // flags byte only
                      StuffingCase{176 + 183, 2, 0},    // adaptation_field_length 0
                      StuffingCase{176 + 184, 2, -1},   // exactly full, no adaptation field
                      StuffingCase{176 + 185, 3, 182},  // spills one byte into a third packet
                      StuffingCase{2000, 11, 15}));     // 176 + 9 * 184 + 168

TEST(TsMuxer, PcrOnlyPacketsKeepPcrWithin100msWhileOnlyAudioFlows) {
  TsMuxer mux(h264_aac());
  Bytes out;
  ASSERT_TRUE(mux.write_frame(video(kFrame0, 0, 0, true), out).ok());
  for (int i = 1; i <= 26; ++i)
    ASSERT_TRUE(mux.write_frame(audio(i * 1920), out).ok());
  const auto packets = parse(out);
  std::vector<int64_t> pcrs;
  int pcr_only = 0;
  for (const Packet& p : packets) {
    if (!p.has_af || p.af.empty() || !(p.af[0] & 0x10)) continue;
    EXPECT_EQ(p.pid, kVideoPid);
    pcrs.push_back(pcr_base(p));
    if (p.afc == 2) {
      ++pcr_only;
      EXPECT_EQ(p.af.size(), 183u);
    }
  }
  // Audio runs 26 * 1920 = 49920 ticks: PCR-only packets at >= 9000-tick steps.
  EXPECT_EQ(pcr_only, 5);
  for (size_t i = 1; i < pcrs.size(); ++i) {
    EXPECT_GT(pcrs[i], pcrs[i - 1]);
    EXPECT_LE(pcrs[i] - pcrs[i - 1], kMaxPcrInterval + 1920);
  }
}

TEST(TsMuxer, DiscontinuityFlagsTheNextPcrAndAllowsItToGoBack) {
  media::Tracks t;
  t.video = video_track(media::Codec::H264, kAvcC);
  TsMuxer mux(t);
  Bytes out;
  ASSERT_TRUE(mux.write_frame(video(kFrame0, 900000, 900000, true), out).ok());
  media::Frame f = video(kFrame0, 0, 0, true);
  f.discontinuity = true;
  ASSERT_TRUE(mux.write_frame(f, out).ok());
  ASSERT_TRUE(mux.write_frame(video(kFrame1, 3000, 3000, false), out).ok());
  std::vector<const Packet*> firsts;
  const auto packets = parse(out);
  for (const Packet& p : packets) {
    if (p.pusi) firsts.push_back(&p);
  }
  ASSERT_EQ(firsts.size(), 3u);
  EXPECT_EQ(firsts[1]->af[0], 0xD0);  // discontinuity, random access, PCR
  EXPECT_EQ(pcr_base(*firsts[1]), kTimestampOffset - kPcrLead);
  EXPECT_EQ(firsts[2]->af[0], 0x10);
}

TEST(TsMuxer, RefusesBadFramesWithoutWritingAnything) {
  media::Tracks t;
  t.video = video_track(media::Codec::H264, kAvcC);
  TsMuxer mux(t);
  Bytes out;
  const uint8_t truncated[] = {0x00, 0x00, 0x00, 0x09, 0x41, 0x9a};
  EXPECT_FALSE(mux.write_frame(video(truncated, 0, 0, false), out).ok());
  EXPECT_FALSE(mux.write_frame(video(ByteSpan{}, 0, 0, true), out).ok());
  EXPECT_FALSE(mux.write_frame(audio(0), out).ok());  // no audio track
  EXPECT_FALSE(mux.write_frame(video(kFrame1, 0, 0, false, media::Codec::H265), out).ok());
  EXPECT_TRUE(out.empty());
  // An AAC frame whose ADTS frame_length would overflow 13 bits.
  TsMuxer amux(h264_aac());
  EXPECT_FALSE(amux.write_frame(audio(0, Bytes(8185, 0)), out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(amux.write_frame(audio(0, Bytes(8184, 0)), out).ok());
}

TEST(TsMuxer, RealH264FramesKeepTheirTimestamps) {
  TsMuxer mux(h264_aac());
  Bytes out;
  mux.write_tables(out);
  const ByteSpan frames[] = {kFrame0, kFrame1, kFrame2, kFrame3};
  const int dts_ms[] = {0, 34, 67, 100};
  const int pts_ms[] = {67, 167, 100, 134};
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(
        mux.write_frame(video(frames[i], dts_ms[i] * 90, pts_ms[i] * 90, i == 0), out).ok());
  }
  const auto pes = pes_of(parse(out), kVideoPid);
  ASSERT_EQ(pes.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const Pes p = parse_pes(pes[i]);
    EXPECT_EQ(p.dts, kTimestampOffset + dts_ms[i] * 90);
    EXPECT_EQ(p.pts, kTimestampOffset + pts_ms[i] * 90);
    const size_t nal_size = frames[i].size() - 4;
    EXPECT_EQ(Bytes(p.data.end() - static_cast<long>(nal_size), p.data.end()),
              Bytes(frames[i].begin() + 4, frames[i].end()));
  }
}

}  // namespace
}  // namespace firstmile::format
