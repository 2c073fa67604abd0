#include "format/mpegts/pes.hpp"

#include <array>

#include "media/codec/h264.hpp"
#include "media/codec/h265.hpp"
#include "media/codec/nal.hpp"

namespace firstmile::format {

namespace {

// stream_id values whose PES packets have no optional header (2.4.3.7, the condition around
// PES_header_data_length): program_stream_map, padding_stream, private_stream_2, ECM, EMM,
// program_stream_directory, DSMCC_stream, H.222.1 type E.
bool has_optional_header(uint8_t stream_id) {
  switch (stream_id) {
    case 0xBC:
    case 0xBE:
    case 0xBF:
    case 0xF0:
    case 0xF1:
    case 0xFF:
    case 0xF2:
    case 0xF8:
      return false;
    default:
      return true;
  }
}

// PTS/DTS field (2.4.3.7): 4-bit prefix, then 33 bits in pieces of 3, 15 and 15 bits, each
// followed by a marker bit. Marker bits are not checked: some muxers get them wrong and the
// value is still right.
uint64_t read_timestamp(ByteReader& r) {
  const uint64_t a = r.u8();
  const uint64_t b = r.u16();
  const uint64_t c = r.u16();
  return ((a >> 1) & 0x07) << 30 | (b >> 1) << 15 | (c >> 1);
}

// Opus-in-TS channel_config_code 0..8: stream and coupled stream counts and channel mappings
// (RFC 7845 5.1.1.2 Vorbis order). Row 0 is "dual mono", read the way ffmpeg's demuxer does.
constexpr uint8_t kOpusStreams[9] = {1, 1, 1, 2, 2, 3, 4, 4, 5};
constexpr uint8_t kOpusCoupled[9] = {1, 0, 1, 1, 2, 2, 2, 3, 3};
constexpr uint8_t kOpusMapping[8][8] = {
    {0},
    {0, 1},
    {0, 2, 1},
    {0, 1, 2, 3},
    {0, 4, 1, 2, 3},
    {0, 4, 1, 2, 3, 5},
    {0, 4, 1, 2, 3, 5, 6},
    {0, 6, 1, 2, 3, 4, 5, 7},
};

}  // namespace

Result<PesHeader> parse_pes_header(ByteSpan pes) {
  ByteReader r(pes);
  const uint32_t prefix = r.u24();
  PesHeader h;
  h.stream_id = r.u8();
  h.packet_length = r.u16();
  if (!r.ok()) return fail("PES: ", pes.size(), " bytes is too short");
  if (prefix != 0x000001) return fail("PES: no packet_start_code_prefix");
  if (!has_optional_header(h.stream_id)) return fail("PES: stream_id ", h.stream_id);
  const uint8_t flags1 = r.u8();
  const uint8_t flags2 = r.u8();
  const size_t header_length = r.u8();
  if (!r.ok()) return fail("PES: header cut short");
  if ((flags1 & 0xC0) != 0x80) return fail("PES: optional header without its '10' marker");
  if (header_length > r.remaining()) {
    return fail("PES: PES_header_data_length ", header_length, " runs past the packet");
  }
  h.payload_offset = 9 + header_length;
  ByteReader fields(r.bytes(header_length));
  const uint8_t pts_dts = flags2 >> 6;
  if (pts_dts == 1) return fail("PES: PTS_DTS_flags '01' is forbidden");
  if (pts_dts & 2) h.pts = read_timestamp(fields);
  if (pts_dts == 3) h.dts = read_timestamp(fields);
  if (!fields.ok()) return fail("PES: PTS/DTS past PES_header_data_length");
  return h;
}

VideoAccessUnit parse_video_access_unit(media::Codec codec, ByteSpan annexb) {
  VideoAccessUnit au;
  const bool hevc = codec == media::Codec::H265;
  ByteWriter w(au.avcc);
  auto keep = [](std::vector<Bytes>& list, ByteSpan nal) {
    // avcC/hvcC store parameter set lengths in 16 bits (ISO/IEC 14496-15 5.3.3.1, 8.3.3.1).
    if (list.size() < kMaxParameterSets && nal.size() <= 0xFFFF) {
      list.emplace_back(nal.begin(), nal.end());
    }
  };
  for (ByteSpan nal : media::split_annexb(annexb)) {
    if (hevc) {
      // H.265 7.3.1.2: a 2-byte NAL unit header.
      if (nal.size() < 2) continue;
      const uint8_t type = media::h265::nal_type(nal[0]);
      // Access unit delimiters (35) are added back by the muxers that need them; filler data
      // (38) only pads a constant bit rate.
      if (type == media::h265::kAud || type == 38) continue;
      if (media::h265::is_irap(type)) au.keyframe = true;
      if (type == media::h265::kVps) keep(au.vps, nal);
      if (type == media::h265::kSps) keep(au.sps, nal);
      if (type == media::h265::kPps) keep(au.pps, nal);
    } else {
      const uint8_t type = media::h264::nal_type(nal[0]);
      if (type == media::h264::kAud || type == 12) continue;  // 12: filler data
      if (type == media::h264::kIdr) au.keyframe = true;
      if (type == media::h264::kSps) keep(au.sps, nal);
      if (type == media::h264::kPps) keep(au.pps, nal);
    }
    w.u32(static_cast<uint32_t>(nal.size()));
    w.bytes(nal);
  }
  return au;
}

AdtsFrames split_adts(ByteSpan payload) {
  AdtsFrames out;
  size_t pos = 0;
  while (pos < payload.size()) {
    auto h = media::parse_adts_header(payload.subspan(pos));
    if (!h || h->frame_length > payload.size() - pos) {
      out.malformed = true;
      break;
    }
    // Several raw_data_blocks in one ADTS frame cannot be told apart without decoding them
    // (13818-7 6.2.1 only gives their positions when a CRC is present); no live encoder writes
    // them, so such frames are skipped rather than passed on as one oversized access unit.
    if (h->raw_blocks == 1 && h->frame_length > h->header_size) {
      out.frames.push_back({h->config, pos + h->header_size, h->frame_length - h->header_size});
    } else {
      out.malformed = true;
    }
    pos += h->frame_length;
  }
  return out;
}

uint32_t opus_packet_samples(ByteSpan packet) {
  if (packet.empty()) return 0;
  // RFC 6716 3.1: config = TOC >> 3 selects the frame duration (Table 2); c = TOC & 3 the
  // number of frames: 1, 2, 2, or the count in the low 6 bits of the next byte (3.2.5).
  const uint8_t config = packet[0] >> 3;
  uint32_t frame_samples;  // at 48 kHz
  if (config < 12) {
    static constexpr std::array<uint32_t, 4> kSilk = {480, 960, 1920, 2880};  // 10..60 ms
    frame_samples = kSilk[config & 3];
  } else if (config < 16) {
    frame_samples = (config & 1) ? 960 : 480;  // hybrid: 10 or 20 ms
  } else {
    static constexpr std::array<uint32_t, 4> kCelt = {120, 240, 480, 960};  // 2.5..20 ms
    frame_samples = kCelt[config & 3];
  }
  uint32_t frames;
  switch (packet[0] & 3) {
    case 0:
      frames = 1;
      break;
    case 1:
    case 2:
      frames = 2;
      break;
    default:
      if (packet.size() < 2) return 0;
      frames = packet[1] & 0x3F;
      break;
  }
  return frame_samples * frames;
}

OpusPackets split_opus(ByteSpan payload) {
  OpusPackets out;
  ByteReader r(payload);
  while (!r.empty()) {
    // opus_control_header: control_header_prefix (11 bits, 0x3FF), start_trim_flag,
    // end_trim_flag, control_extension_flag, 2 reserved bits.
    const uint16_t head = r.u16();
    if (!r.ok() || (head >> 5) != 0x3FF) {
      out.malformed = true;
      break;
    }
    // au_size: a run of 0xFF bytes adds 255 each, the first byte below 0xFF ends it. The PES
    // bounds the run (at most 65535 bytes), so this loop does too.
    size_t size = 0;
    uint8_t b;
    do {
      b = r.u8();
      size += b;
    } while (b == 0xFF && r.ok());
    if (head & 0x10) r.skip(2);       // start_trim: 3 reserved bits, 13-bit count
    if (head & 0x08) r.skip(2);       // end_trim
    if (head & 0x04) r.skip(r.u8());  // control_extension_length, then its bytes
    const size_t offset = r.position();
    ByteSpan packet = r.bytes(size);
    if (!r.ok()) {
      out.malformed = true;
      break;
    }
    if (size > 0) out.packets.push_back({offset, size, opus_packet_samples(packet)});
  }
  return out;
}

Bytes build_opus_head(int channel_config_code) {
  if (channel_config_code < 0 || channel_config_code > 8) return {};
  const uint8_t channels = channel_config_code == 0 ? 2 : static_cast<uint8_t>(channel_config_code);
  Bytes head;
  ByteWriter w(head);
  // RFC 7845 5.1: magic, version 1, output channel count, pre-skip, input sample rate
  // (informational; Opus always decodes at 48 kHz), output gain, channel mapping family.
  w.bytes(std::string_view("OpusHead"));
  w.u8(1);
  w.u8(channels);
  w.u8(0);  // pre-skip 0 (16-bit little-endian): TS signals trimming per packet instead
  w.u8(0);
  w.u32le(48000);
  w.u8(0);  // output gain 0 dB
  w.u8(0);
  const uint8_t family = channel_config_code == 0 ? 255 : (channels > 2 ? 1 : 0);
  w.u8(family);
  if (family != 0) {
    w.u8(kOpusStreams[channel_config_code]);
    w.u8(kOpusCoupled[channel_config_code]);
    w.bytes(ByteSpan(kOpusMapping[channels - 1], channels));
  }
  return head;
}

}  // namespace firstmile::format
