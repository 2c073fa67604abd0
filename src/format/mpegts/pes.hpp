#pragma once
// PES packets (ISO/IEC 13818-1 section 2.4.3.6) and the access units inside their payloads,
// for the TS demuxer: H.264/H.265 in Annex-B form, AAC in ADTS, Opus in the Opus-in-TS
// framing. Pure functions over complete PES packets; the demuxer does the reassembly.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/codec.hpp"
#include "media/codec/aac.hpp"

namespace firstmile::format {

// 2.4.3.7: PTS and DTS are 33-bit counts of the 90 kHz clock.
constexpr uint64_t kTimestampModulus = uint64_t{1} << 33;

struct PesHeader {
  uint8_t stream_id = 0;
  size_t packet_length = 0;     // PES_packet_length: bytes after the field, 0 = unbounded
  size_t payload_offset = 0;    // where the elementary stream data starts
  std::optional<uint64_t> pts;  // 33-bit wire values
  std::optional<uint64_t> dts;
};

// Bytes that must be present before the PES_packet_length is known.
constexpr size_t kPesStartSize = 6;

// Parses the header of a complete PES packet. Fails on a missing packet_start_code_prefix,
// a stream_id without the optional header (padding, private_stream_2, ECM ...: they carry no
// media), a header that runs past the packet, or PTS_DTS_flags '01' (forbidden).
Result<PesHeader> parse_pes_header(ByteSpan pes);

// One access unit of H.264 or H.265, converted from Annex-B to the canonical 4-byte
// length-prefixed form without access unit delimiters and filler data.
struct VideoAccessUnit {
  Bytes avcc;
  bool keyframe = false;  // H.264 IDR (nal_unit_type 5); H.265 IRAP (16..23)
  // Parameter sets found in this access unit (NAL units with their headers), at most
  // kMaxParameterSets of each kind.
  std::vector<Bytes> vps;
  std::vector<Bytes> sps;
  std::vector<Bytes> pps;
};
constexpr size_t kMaxParameterSets = 4;
VideoAccessUnit parse_video_access_unit(media::Codec codec, ByteSpan annexb);

// AAC in ADTS (ISO/IEC 13818-7 6.2): one raw access unit per ADTS frame.
struct AdtsFrame {
  media::AudioSpecificConfig config;
  size_t offset = 0;  // of the raw data block within the PES payload
  size_t size = 0;
};
struct AdtsFrames {
  std::vector<AdtsFrame> frames;
  // Bytes that were not whole ADTS frames (a header that does not parse, a frame running past
  // the end, several raw data blocks in one frame): counted as an error by the caller.
  bool malformed = false;
};
// Splits a PES payload into ADTS frames. Stops at the first malformed frame: without a valid
// frame_length there is no safe way to find the next one inside a PES.
AdtsFrames split_adts(ByteSpan payload);

// Opus-in-TS: every Opus packet is an opus_access_unit preceded by an opus_control_header
// (11-bit prefix 0x3FF, trim and extension flags, au_size in 0xFF-continued bytes, optional
// start/end trim and control extension), as in the draft ETSI TS "Opus Interactive Audio
// Codec: Transport Multiplexing Standard" that ffmpeg and GStreamer implement.
struct OpusPacket {
  size_t offset = 0;
  size_t size = 0;
  uint32_t samples = 0;  // duration at 48 kHz from the TOC byte (RFC 6716 3.1)
};
struct OpusPackets {
  std::vector<OpusPacket> packets;
  bool malformed = false;
};
OpusPackets split_opus(ByteSpan payload);

// Duration in 48 kHz samples of an Opus packet (RFC 6716 3.1 and 3.2.5); 0 if the packet is
// empty or its frame count byte is missing.
uint32_t opus_packet_samples(ByteSpan packet);

// The RFC 7845 5.1 identification header for an Opus stream carried in TS, from the
// channel_config_code of its opus_audio_descriptor (1..8 channels; 0 is dual mono, i.e. 2).
// Channel mapping family 0 for up to 2 channels, else family 1 with the Vorbis layouts that the
// Opus-in-TS specification assigns to each channel count. Empty for codes it does not define.
Bytes build_opus_head(int channel_config_code);

}  // namespace firstmile::format
