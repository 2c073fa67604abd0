#include "format/mpegts/crc32.hpp"

#include <array>

namespace firstmile::format {

namespace {

// Byte-at-a-time table for the MSB-first (non-reflected) polynomial, built at compile time.
constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i << 24;
    for (int bit = 0; bit < 8; ++bit)
      c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : c << 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = make_table();

}  // namespace

uint32_t crc32_mpeg2(ByteSpan data, uint32_t crc) {
  for (uint8_t b : data)
    crc = (crc << 8) ^ kTable[((crc >> 24) ^ b) & 0xFF];
  return crc;
}

}  // namespace firstmile::format
