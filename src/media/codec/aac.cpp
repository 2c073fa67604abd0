#include "media/codec/aac.hpp"

#include <algorithm>
#include <array>

#include "media/codec/bit_reader.hpp"
#include "media/codec/bit_writer.hpp"

namespace firstmile::media {

namespace {

// ISO/IEC 14496-3 table 1.18, samplingFrequencyIndex 0..12 (13 and 14 are reserved, 15 means
// the rate follows as a 24-bit value).
constexpr std::array<uint32_t, 13> kSampleRates = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                                   22050, 16000, 12000, 11025, 8000,  7350};
constexpr uint32_t kExplicitRateIndex = 15;
constexpr uint32_t kObjectTypeEscape = 31;
constexpr uint32_t kMaxChannelConfig = 7;  // 8..15 are reserved (table 1.19)

}  // namespace

uint32_t aac_sample_rate_from_index(uint32_t index) {
  return index < kSampleRates.size() ? kSampleRates[index] : 0;
}

uint32_t aac_index_from_sample_rate(uint32_t rate) {
  for (uint32_t i = 0; i < kSampleRates.size(); ++i) {
    if (kSampleRates[i] == rate) return i;
  }
  return kExplicitRateIndex;
}

Result<AudioSpecificConfig> parse_audio_specific_config(ByteSpan asc) {
  // 14496-3 1.6.2.1 AudioSpecificConfig() up to channelConfiguration. What follows
  // (GASpecificConfig, SBR/PS extension signalling) is not needed and not checked.
  BitReader br(asc);
  AudioSpecificConfig cfg;
  // 1.6.2.1.1 GetAudioObjectType(): 31 escapes to 32 + audioObjectTypeExt.
  cfg.object_type = br.bits(5, "audioObjectType");
  if (cfg.object_type == kObjectTypeEscape) cfg.object_type = 32 + br.bits(6, "audioObjectTypeExt");
  cfg.sample_rate_index = br.bits(4, "samplingFrequencyIndex");
  if (cfg.sample_rate_index == kExplicitRateIndex) {
    cfg.sample_rate = br.bits(24, "samplingFrequency");
  } else {
    cfg.sample_rate = aac_sample_rate_from_index(cfg.sample_rate_index);
  }
  cfg.channel_config = br.bits(4, "channelConfiguration");
  if (!br.ok()) return fail("AudioSpecificConfig: ", br.error());
  if (cfg.object_type == 0) return fail("AudioSpecificConfig: audio object type 0 (null)");
  if (cfg.sample_rate == 0) {
    return fail("AudioSpecificConfig: sampling frequency index ", cfg.sample_rate_index,
                cfg.sample_rate_index == kExplicitRateIndex ? " with a rate of 0" : " is reserved");
  }
  if (cfg.channel_config > kMaxChannelConfig) {
    return fail("AudioSpecificConfig: channel configuration ", cfg.channel_config,
                " is not supported");
  }
  return cfg;
}

Bytes build_audio_specific_config(const AudioSpecificConfig& asc) {
  BitWriter w;
  if (asc.object_type > kObjectTypeEscape) {  // 31 itself is the escape, not a type
    w.put(kObjectTypeEscape, 5);
    w.put(asc.object_type - 32, 6);
  } else {
    w.put(asc.object_type, 5);
  }
  uint32_t index = aac_index_from_sample_rate(asc.sample_rate);
  if (asc.sample_rate == 0 && asc.sample_rate_index < kSampleRates.size()) {
    index = asc.sample_rate_index;  // only the index was filled in
  }
  w.put(index, 4);
  if (index == kExplicitRateIndex) w.put(asc.sample_rate, 24);
  w.put(asc.channel_config, 4);
  // GASpecificConfig (4.4.1): frameLengthFlag 0 (1024 samples), dependsOnCoreCoder 0,
  // extensionFlag 0. These 3 bits also pad the 2-byte form to a byte boundary.
  w.put(0, 3);
  return w.take();
}

void write_adts_header(Bytes& out, const AudioSpecificConfig& asc, size_t payload_size) {
  // 13818-7 6.2.1 adts_fixed_header + adts_variable_header, protection_absent = 1.
  // profile_ObjectType is object type - 1 for Main, LC, SSR, LTP; others are sent as LC.
  const uint32_t profile = (asc.object_type >= 1 && asc.object_type <= 4) ? asc.object_type - 1 : 1;
  uint32_t index = aac_index_from_sample_rate(asc.sample_rate);
  if (index == kExplicitRateIndex) index = asc.sample_rate_index;  // ADTS has no explicit rate
  const uint32_t channels = asc.channel_config & 0x7;
  // aac_frame_length counts the header; 13 bits. AAC frames are at most 6144 bits per channel,
  // so a larger payload is a caller error and is clamped rather than wrapped.
  const auto frame_length =
      static_cast<uint32_t>(std::min<size_t>(payload_size + kAdtsHeaderSize, 0x1fff));
  constexpr uint32_t kBufferFullnessVbr = 0x7ff;
  out.push_back(0xff);  // syncword
  out.push_back(0xf1);  // syncword, ID 0 (MPEG-4), layer 0, protection_absent 1
  out.push_back(static_cast<uint8_t>((profile << 6) | ((index & 0xf) << 2) | (channels >> 2)));
  out.push_back(static_cast<uint8_t>(((channels & 3) << 6) | (frame_length >> 11)));
  out.push_back(static_cast<uint8_t>(frame_length >> 3));
  out.push_back(static_cast<uint8_t>(((frame_length & 7) << 5) | (kBufferFullnessVbr >> 6)));
  // buffer fullness low bits, number_of_raw_data_blocks_in_frame 0 (one block)
  out.push_back(static_cast<uint8_t>((kBufferFullnessVbr & 0x3f) << 2));
}

Result<AdtsHeader> parse_adts_header(ByteSpan data) {
  if (data.size() < kAdtsHeaderSize) return fail("adts: ", data.size(), " bytes is too short");
  BitReader br(data.first(kAdtsHeaderSize));
  if (br.bits(12, "syncword") != 0xfff) return fail("adts: no syncword");
  br.bits(1, "ID");
  const uint32_t layer = br.bits(2, "layer");
  const bool protection_absent = br.flag("protection_absent");
  const uint32_t profile = br.bits(2, "profile_ObjectType");
  const uint32_t index = br.bits(4, "sampling_frequency_index");
  br.bits(1, "private_bit");
  const uint32_t channels = br.bits(3, "channel_configuration");
  br.bits(4, "original_copy, home, copyright bits");
  const uint32_t frame_length = br.bits(13, "aac_frame_length");
  br.bits(11, "adts_buffer_fullness");
  const uint32_t raw_blocks = br.bits(2, "number_of_raw_data_blocks_in_frame");
  if (layer != 0) return fail("adts: layer ", layer, " is not 0");
  const uint32_t rate = aac_sample_rate_from_index(index);
  if (rate == 0) return fail("adts: sampling frequency index ", index, " is reserved");

  AdtsHeader h;
  // With protection_absent 0, a 16-bit crc_check follows the 7 header bytes (6.2.1).
  h.header_size = protection_absent ? kAdtsHeaderSize : kAdtsHeaderSize + 2;
  if (data.size() < h.header_size) return fail("adts: CRC missing");
  if (frame_length < h.header_size) {
    return fail("adts: frame length ", frame_length, " is shorter than its ", h.header_size,
                "-byte header");
  }
  h.frame_length = frame_length;
  h.raw_blocks = raw_blocks + 1;
  h.config.object_type = profile + 1;
  h.config.sample_rate_index = index;
  h.config.sample_rate = rate;
  h.config.channel_config = channels;
  return h;
}

std::string aac_codec_string(const AudioSpecificConfig& asc) {
  // RFC 6381 3.3: "mp4a.40." + the MPEG-4 audio object type in decimal.
  return "mp4a.40." + std::to_string(asc.object_type);
}

}  // namespace firstmile::media
