#include "format/mpegts/crc32.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace firstmile::format {
namespace {

TEST(Crc32Mpeg2, CheckValueOf123456789) {
  // The catalogued check value of CRC-32/MPEG-2 (Greg Cook's CRC catalogue).
  EXPECT_EQ(crc32_mpeg2(as_bytes("123456789")), 0x0376E6E7u);
}

TEST(Crc32Mpeg2, EmptyInputIsTheInitialValue) {
  EXPECT_EQ(crc32_mpeg2(ByteSpan{}), 0xFFFFFFFFu);
}

TEST(Crc32Mpeg2, FfmpegPatSection) {
  // The PAT section ffmpeg 5.1 writes (transport_stream_id 1, program 1 -> PMT PID 0x1000)
  // ends with CRC_32 2A B1 04 B2.
  const uint8_t pat[] = {0x00, 0xB0, 0x0D, 0x00, 0x01, 0xC1, 0x00, 0x00,
                         0x00, 0x01, 0xF0, 0x00, 0x2A, 0xB1, 0x04, 0xB2};
  EXPECT_EQ(crc32_mpeg2(ByteSpan(pat, 12)), 0x2AB104B2u);
  // Over the whole section, CRC included, the remainder is 0 (ISO/IEC 13818-1 Annex A).
  EXPECT_EQ(crc32_mpeg2(pat), 0u);
}

TEST(Crc32Mpeg2, ContinuesAcrossPieces) {
  const auto all = as_bytes("123456789");
  EXPECT_EQ(crc32_mpeg2(all.subspan(4), crc32_mpeg2(all.first(4))), 0x0376E6E7u);
}

TEST(Crc32Mpeg2, SingleBytes) {
  // Byte 0x00: the register 0xFFFFFFFF shifted through 8 zero bits; cross-checked against a
  // bitwise implementation of the polynomial.
  const uint8_t zero[] = {0x00};
  uint32_t crc = 0xFFFFFFFF;
  for (int i = 0; i < 8; ++i)
    crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
  EXPECT_EQ(crc32_mpeg2(zero), crc);
  EXPECT_EQ(crc32_mpeg2(zero), 0x4E08BFB4u);
}

}  // namespace
}  // namespace firstmile::format
