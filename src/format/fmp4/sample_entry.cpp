#include "format/fmp4/sample_entry.hpp"

#include <algorithm>
#include <cassert>
#include <string_view>

namespace firstmile::format {

namespace {

using media::Codec;

// VisualSampleEntry (12.1.3) holding the codec configuration box verbatim: 'avc1' + 'avcC'
// (14496-15 5.4.2) or 'hvc1' + 'hvcC' (14496-15 8.4.1).
void write_visual_entry(BoxWriter& w, const media::TrackInfo& info) {
  const bool hevc = info.codec == Codec::H265;
  w.begin(hevc ? box_type("hvc1") : box_type("avc1"));
  w.fill(0, 6);   // reserved
  w.u16(1);       // data_reference_index
  w.fill(0, 16);  // pre_defined, reserved, pre_defined[3]
  w.u16(static_cast<uint16_t>(info.width));
  w.u16(static_cast<uint16_t>(info.height));
  w.u32(0x00480000);  // horizresolution 72 dpi
  w.u32(0x00480000);  // vertresolution
  w.u32(0);           // reserved
  w.u16(1);           // frame_count
  w.fill(0, 32);      // compressorname: empty Pascal string
  w.u16(0x0018);      // depth
  w.u16(0xffff);      // pre_defined = -1
  w.leaf(hevc ? box_type("hvcC") : box_type("avcC"), info.config.span());
  w.end();
}

// AudioSampleEntry (12.2.3) fields up to the codec box.
void write_audio_entry_header(BoxWriter& w, uint32_t type, uint32_t channels,
                              uint32_t sample_rate) {
  w.begin(type);
  w.fill(0, 6);  // reserved
  w.u16(1);      // data_reference_index
  w.fill(0, 8);  // reserved
  w.u16(static_cast<uint16_t>(channels));
  w.u16(16);  // samplesize
  w.u32(0);   // pre_defined, reserved
  // samplerate is 16.16 fixed point; a rate that does not fit is left to the codec config.
  w.u32(sample_rate <= 0xffff ? sample_rate << 16 : 0);
}

// An expandable-size descriptor header (14496-1 8.3.3): tag, then the size in 7-bit groups,
// most significant first, with the top bit set on all but the last byte.
void write_descriptor_header(BoxWriter& w, uint8_t tag, size_t size) {
  w.u8(tag);
  int groups = 1;
  while (groups < 4 && (size >> (7 * groups)) != 0)
    ++groups;
  for (int i = groups - 1; i >= 0; --i)
    w.u8(static_cast<uint8_t>(((size >> (7 * i)) & 0x7f) | (i > 0 ? 0x80 : 0)));
}

size_t descriptor_size(size_t body) {
  size_t header = 2;
  while (header < 5 && (body >> (7 * (header - 1))) != 0)
    ++header;
  return header + body;
}

// 'mp4a' + 'esds' (14496-14 5.6): ES_Descriptor > DecoderConfigDescriptor > DecSpecificInfo
// holding the AudioSpecificConfig, then SLConfigDescriptor (14496-1 7.2.6).
void write_mp4a(BoxWriter& w, const media::TrackInfo& info, uint32_t timescale) {
  constexpr uint8_t kEsDescrTag = 0x03, kDecoderConfigDescrTag = 0x04, kDecSpecificInfoTag = 0x05,
                    kSlConfigDescrTag = 0x06;
  constexpr uint8_t kObjectTypeAudio = 0x40;  // Audio ISO/IEC 14496-3 (14496-1 table 5)
  constexpr uint8_t kStreamTypeAudio = 0x05;  // AudioStream (14496-1 table 6)
  const ByteSpan asc = info.config.span();
  const size_t dsi = descriptor_size(asc.size());
  const size_t dcd = descriptor_size(13 + dsi);
  const size_t sl = descriptor_size(1);
  // A channel_configuration of 0 (layout in a program_config_element) has no count here;
  // decoders take the layout from the ASC, the entry's field only has to be plausible.
  write_audio_entry_header(w, box_type("mp4a"), info.channels ? info.channels : 2, timescale);
  w.begin_full(box_type("esds"), 0, 0);
  write_descriptor_header(w, kEsDescrTag, 3 + dcd + sl);
  w.u16(0);  // ES_ID: unused in files, the track_ID identifies the stream
  w.u8(0);   // no stream dependence, URL or OCR stream; priority 0
  write_descriptor_header(w, kDecoderConfigDescrTag, 13 + dsi);
  w.u8(kObjectTypeAudio);
  w.u8(kStreamTypeAudio << 2 | 0x01);  // upStream 0, reserved 1
  w.u24(0);                            // bufferSizeDB: unknown when the header is written
  w.u32(0);                            // maxBitrate: unknown
  w.u32(0);                            // avgBitrate: 0 means variable (14496-1 7.2.6.6.2)
  write_descriptor_header(w, kDecSpecificInfoTag, asc.size());
  w.bytes(asc);
  write_descriptor_header(w, kSlConfigDescrTag, 1);
  w.u8(0x02);  // predefined: reserved for MP4 files
  w.end();     // esds
  w.end();     // mp4a
}

// The fields of an Opus identification header, whatever form the track config has.
struct OpusParams {
  uint8_t channels = 2;
  uint16_t pre_skip = 0;
  uint32_t input_sample_rate = 48000;
  int16_t output_gain = 0;
  uint8_t mapping_family = 0;
  Bytes mapping_table;  // stream count, coupled count, channel mapping; family != 0 only
};

// TrackInfo::config holds the RFC 7845 5.1 OpusHead (little-endian, version 1, with or without
// its "OpusHead" magic) or a dOps body (big-endian, version 0). Anything else falls back to
// mono/stereo family 0 from the track's channel count (a multichannel stream needs its real
// OpusHead: family 0 cannot describe it).
OpusParams opus_params(const media::TrackInfo& info) {
  OpusParams p;
  // Without a mapping table only family 0 (mono or stereo) can be described.
  p.channels = info.channels == 1 ? 1 : 2;
  if (info.sample_rate) p.input_sample_rate = info.sample_rate;
  ByteSpan head = info.config.span();
  constexpr std::string_view kMagic = "OpusHead";
  bool little_endian = true;
  if (head.size() >= kMagic.size() && std::equal(kMagic.begin(), kMagic.end(), head.begin()))
    head = head.subspan(kMagic.size());
  else if (!head.empty() && head[0] == 0)
    little_endian = false;  // dOps Version 0 (OpusHead is version 1)
  ByteReader r(head);
  auto u16le = [&r] {
    const uint8_t low = r.u8();  // two statements: operands of | are unsequenced
    return static_cast<uint16_t>(low | r.u8() << 8);
  };
  OpusParams out;
  r.u8();  // version
  out.channels = r.u8();
  out.pre_skip = little_endian ? u16le() : r.u16();
  out.input_sample_rate = little_endian ? r.u32le() : r.u32();
  out.output_gain = static_cast<int16_t>(little_endian ? u16le() : r.u16());
  out.mapping_family = r.u8();
  if (out.mapping_family != 0) {
    const ByteSpan table = r.bytes(2 + size_t{out.channels});  // RFC 7845 5.1.1
    out.mapping_table.assign(table.begin(), table.end());
  }
  if (!r.ok() || out.channels == 0) return p;
  return out;
}

// 'Opus' + 'dOps' ("Encapsulation of Opus in ISO Base Media File Format" 4.3.1 and 4.3.2):
// channelcount = OutputChannelCount, samplesize 16, samplerate 48000; dOps is big-endian.
void write_opus(BoxWriter& w, const media::TrackInfo& info) {
  const OpusParams p = opus_params(info);
  write_audio_entry_header(w, box_type("Opus"), p.channels, kOpusTimescale);
  w.begin(box_type("dOps"));
  w.u8(0);  // Version
  w.u8(p.channels);
  w.u16(p.pre_skip);
  w.u32(p.input_sample_rate);
  w.u16(static_cast<uint16_t>(p.output_gain));
  w.u8(p.mapping_family);
  w.bytes(p.mapping_table);
  w.end();  // dOps
  w.end();  // Opus
}

}  // namespace

void write_sample_entry(BoxWriter& w, const media::TrackInfo& info, uint32_t timescale) {
  switch (info.codec) {
    case Codec::H264:
    case Codec::H265:
      write_visual_entry(w, info);
      break;
    case Codec::AAC:
      write_mp4a(w, info, timescale);
      break;
    case Codec::Opus:
      write_opus(w, info);
      break;
    default:
      assert(false && "the muxer admits no other codec");
      break;
  }
}

}  // namespace firstmile::format
