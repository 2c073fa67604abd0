#include "format/mpegts/psi.hpp"

#include <gtest/gtest.h>

#include "format/mpegts/ts_demuxer_vectors.hpp"
#include "hex.hpp"

#include <vector>

#include "format/mpegts/crc32.hpp"

namespace firstmile::format {
namespace {

using namespace ts_demux_vectors;
using test::from_hex;

// The section in a single-packet PSI payload of an ffmpeg stream (pointer_field 0).
Bytes section_in_packet(const Bytes& ts, size_t index) {
  const uint8_t* p = &ts[index * 188];
  EXPECT_EQ(p[4], 0);  // pointer_field
  const size_t length = size_t{p[6] & 0x0Fu} << 8 | p[7];
  return Bytes(p + 5, p + 5 + 3 + length);
}

void fix_crc(Bytes& section) {
  const uint32_t crc = crc32_mpeg2(ByteSpan(section).first(section.size() - 4));
  for (int i = 0; i < 4; ++i)
    section[section.size() - 4 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
}

TEST(Psi, ParsesFfmpegPat) {
  auto pat = parse_pat(section_in_packet(kH264AacTs, 1), 16);
  ASSERT_TRUE(pat.ok()) << pat.error().message;
  EXPECT_EQ(pat->transport_stream_id, 1);
  EXPECT_EQ(pat->version, 0);
  EXPECT_TRUE(pat->current);
  ASSERT_EQ(pat->programs.size(), 1u);
  EXPECT_EQ(pat->programs[0].program_number, 1);
  EXPECT_EQ(pat->programs[0].pid, 0x1000);
}

TEST(Psi, ParsesFfmpegPmts) {
  auto pmt = parse_pmt(section_in_packet(kH264AacTs, 2), 64);
  ASSERT_TRUE(pmt.ok()) << pmt.error().message;
  EXPECT_EQ(pmt->program_number, 1);
  EXPECT_EQ(pmt->pcr_pid, 0x100);
  ASSERT_EQ(pmt->streams.size(), 2u);
  EXPECT_EQ(pmt->streams[0].stream_type, 0x1B);
  EXPECT_EQ(pmt->streams[0].pid, 0x100);
  EXPECT_EQ(pmt->streams[1].stream_type, 0x0F);
  EXPECT_EQ(pmt->streams[1].pid, 0x101);
  EXPECT_EQ(pmt->streams[1].opus_channel_config, -1);

  // ffmpeg marks HEVC with a registration descriptor, and Opus with "Opus" plus the DVB
  // extension descriptor 0x7F carrying opus_audio_descriptor (tag 0x80, channel_config_code).
  auto hevc = parse_pmt(section_in_packet(kH265Ts, 2), 64);
  ASSERT_TRUE(hevc.ok());
  ASSERT_EQ(hevc->streams.size(), 1u);
  EXPECT_EQ(hevc->streams[0].stream_type, 0x24);
  EXPECT_EQ(hevc->streams[0].registration, fourcc("HEVC"));
  auto opus = parse_pmt(section_in_packet(kOpusTs, 2), 64);
  ASSERT_TRUE(opus.ok());
  ASSERT_EQ(opus->streams.size(), 1u);
  EXPECT_EQ(opus->streams[0].stream_type, 0x06);
  EXPECT_EQ(opus->streams[0].registration, fourcc("Opus"));
  EXPECT_EQ(opus->streams[0].opus_channel_config, 2);

  // Streams past the limit are left out.
  auto one = parse_pmt(section_in_packet(kH264AacTs, 2), 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->streams.size(), 1u);
}

TEST(Psi, RefusesSectionsThatDoNotAddUp) {
  const Bytes pmt = section_in_packet(kH264AacTs, 2);
  // 02 b0 17 0001 c1 00 00 e100 f000 1b e100 f000 0f e101 f000 <crc>
  ASSERT_EQ(pmt, from_hex("02b0170001c10000e100f0001be100f0000fe101f0002f44b99b"));
  Bytes bad_crc = pmt;
  bad_crc[10] ^= 1;
  EXPECT_FALSE(parse_pmt(bad_crc, 64).ok());
  Bytes long_es_info = pmt;
  long_es_info[16] = 0xF0;
  long_es_info[17] = 0x09;  // ES_info_length 9 runs into the next stream and the CRC
  fix_crc(long_es_info);
  EXPECT_FALSE(parse_pmt(long_es_info, 64).ok());
  Bytes long_program_info = pmt;
  long_program_info[11] = 0x40;  // program_info_length 64
  fix_crc(long_program_info);
  EXPECT_FALSE(parse_pmt(long_program_info, 64).ok());
  Bytes bad_descriptor = from_hex("02b0190001c10000e100f0001be100f0020a05 0fe101f000 00000000");
  fix_crc(bad_descriptor);  // a descriptor claiming 5 bytes where 0 remain
  EXPECT_FALSE(parse_pmt(bad_descriptor, 64).ok());
  Bytes length_mismatch = pmt;
  length_mismatch[2] = 0x20;
  EXPECT_FALSE(parse_pmt(length_mismatch, 64).ok());
  EXPECT_FALSE(parse_pat(pmt, 16).ok());  // wrong table_id
  EXPECT_FALSE(parse_pmt(ByteSpan(pmt).first(5), 64).ok());
}

struct Collected {
  std::vector<Bytes> sections;
  bool feed(SectionAssembler& a, ByteSpan payload, bool start) {
    return a.feed(payload, start,
                  [this](ByteSpan s) { sections.emplace_back(s.begin(), s.end()); });
  }
};

TEST(Psi, AssemblesSectionsAcrossPackets) {
  const Bytes pat = section_in_packet(kH264AacTs, 1);  // 16 bytes
  const Bytes pmt = section_in_packet(kH264AacTs, 2);  // 26 bytes
  SectionAssembler a;
  Collected c;
  // Two sections in one payload, then stuffing.
  Bytes payload = {0};
  payload.insert(payload.end(), pat.begin(), pat.end());
  payload.insert(payload.end(), pmt.begin(), pmt.end());
  payload.insert(payload.end(), 20, 0xFF);
  EXPECT_TRUE(c.feed(a, payload, true));
  ASSERT_EQ(c.sections.size(), 2u);
  EXPECT_EQ(c.sections[0], pat);
  EXPECT_EQ(c.sections[1], pmt);

  // A section starting 2 bytes before the end of a packet (its length not yet known), ending
  // in the pointer_field bytes of the next unit start, which then starts another.
  c.sections.clear();
  Bytes first = {0};
  first.insert(first.end(), pmt.begin(), pmt.begin() + 2);
  EXPECT_TRUE(c.feed(a, first, true));
  EXPECT_TRUE(c.feed(a, ByteSpan(pmt).subspan(2, 10), false));
  EXPECT_TRUE(c.sections.empty());
  Bytes next = {static_cast<uint8_t>(pmt.size() - 12)};
  next.insert(next.end(), pmt.begin() + 12, pmt.end());
  next.insert(next.end(), pat.begin(), pat.end());
  EXPECT_TRUE(c.feed(a, next, true));
  ASSERT_EQ(c.sections.size(), 2u);
  EXPECT_EQ(c.sections[0], pmt);
  EXPECT_EQ(c.sections[1], pat);
}

TEST(Psi, AssemblerRefusesLies) {
  SectionAssembler a;
  Collected c;
  EXPECT_FALSE(c.feed(a, from_hex("05 0000"), true));    // pointer_field past the end
  EXPECT_FALSE(c.feed(a, from_hex("00 02bfff"), true));  // section_length 4095 > 1021
  EXPECT_FALSE(c.feed(a, {}, true));
  // A section cut short by the next unit start is dropped; the new one still comes through.
  const Bytes pat = section_in_packet(kH264AacTs, 1);
  Bytes start = {0};
  start.insert(start.end(), pat.begin(), pat.begin() + 8);
  EXPECT_TRUE(c.feed(a, start, true));
  Bytes again = {0};
  again.insert(again.end(), pat.begin(), pat.end());
  EXPECT_FALSE(c.feed(a, again, true));
  ASSERT_EQ(c.sections.size(), 1u);
  EXPECT_EQ(c.sections[0], pat);
  // Continuations without a section in progress are ignored.
  EXPECT_TRUE(c.feed(a, pat, false));
  EXPECT_EQ(c.sections.size(), 1u);
}

}  // namespace
}  // namespace firstmile::format
