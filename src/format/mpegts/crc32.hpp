#pragma once
// CRC-32/MPEG-2, the checksum that ends every PSI section (ISO/IEC 13818-1 Annex A): polynomial
// 0x04C11DB7, initial value 0xFFFFFFFF, bits not reflected, no final XOR. Shared by the TS
// muxer (PAT/PMT) and the TS demuxers (SRT ingest), which check it on received sections.
#include <cstdint>

#include "core/bytes.hpp"

namespace firstmile::format {

constexpr uint32_t kCrc32MpegInit = 0xFFFFFFFF;

// CRC of `data`; pass a previous result as `crc` to continue over several pieces. Running it
// over a whole section including its CRC_32 field yields 0 when the section is intact.
uint32_t crc32_mpeg2(ByteSpan data, uint32_t crc = kCrc32MpegInit);

}  // namespace firstmile::format
