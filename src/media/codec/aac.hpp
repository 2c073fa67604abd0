#pragma once
// AAC: AudioSpecificConfig (ISO/IEC 14496-3 section 1.6.2.1) and ADTS headers
// (ISO/IEC 13818-7 section 6.2 / 14496-3 section 1.A.2).
#include <cstdint>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::media {

struct AudioSpecificConfig {
  uint32_t object_type = 2;        // 2 = AAC-LC; escape value 31 resolved
  uint32_t sample_rate_index = 3;  // 0..12, or 15 when the rate is explicit
  uint32_t sample_rate = 48000;
  uint32_t channel_config = 2;  // 0..7
  uint32_t channels() const { return channel_config == 7 ? 8 : channel_config; }
};

Result<AudioSpecificConfig> parse_audio_specific_config(ByteSpan asc);
// Builds the 2-byte AudioSpecificConfig (or 5 bytes when the sample rate has no index).
Bytes build_audio_specific_config(const AudioSpecificConfig& asc);

// Sample rate <-> sampling_frequency_index (table 1.18); index 15 / rate 0 when not in the table.
uint32_t aac_sample_rate_from_index(uint32_t index);
uint32_t aac_index_from_sample_rate(uint32_t rate);

constexpr size_t kAdtsHeaderSize = 7;
// Appends a 7-byte ADTS header (no CRC) for one raw AAC frame of payload_size bytes. ADTS can
// only express object types 1..4; other types are written as AAC-LC's profile field.
void write_adts_header(Bytes& out, const AudioSpecificConfig& asc, size_t payload_size);

struct AdtsHeader {
  AudioSpecificConfig config;
  size_t header_size = 0;   // 7, or 9 with CRC
  size_t frame_length = 0;  // header + payload
  uint32_t raw_blocks = 1;  // number_of_raw_data_blocks_in_frame + 1
};
// Parses an ADTS header at the start of data (for MPEG-TS input).
Result<AdtsHeader> parse_adts_header(ByteSpan data);

// RFC 6381 codecs value, "mp4a.40.<object type>".
std::string aac_codec_string(const AudioSpecificConfig& asc);

}  // namespace firstmile::media
