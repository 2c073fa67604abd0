#pragma once
// FLV (Adobe "Video File Format Specification" v10.1, annex E) and the tag bodies that RTMP
// audio/video messages carry unchanged, including Enhanced RTMP (Veovera "Enhanced RTMP" v1,
// v2 ExVideoTagHeader/ExAudioTagHeader). Pure byte code: no I/O. Namespace: firstmile::format.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/buffer.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "format/amf0.hpp"
#include "media/codec.hpp"

namespace firstmile::format {

// FLV tag types (E.4.1); RTMP message types 8/9/18 are the same numbers by design.
constexpr uint8_t kFlvTagAudio = 8;
constexpr uint8_t kFlvTagVideo = 9;
constexpr uint8_t kFlvTagScript = 18;

constexpr size_t kFlvHeaderSize = 9;            // E.2, without PreviousTagSize0
constexpr size_t kFlvTagHeaderSize = 11;        // E.4.1
constexpr size_t kFlvTagTrailerSize = 4;        // PreviousTagSize after each tag (E.3)
constexpr uint32_t kFlvMaxBodySize = 0xffffff;  // DataSize is UI24

// FourCC values (Enhanced RTMP) are core/bytes.hpp's fourcc().

// ---- file header and tag framing ----

struct FlvHeader {
  uint8_t version = 1;
  bool has_audio = false;
  bool has_video = false;
  uint32_t data_offset = kFlvHeaderSize;
};

// Parses the 9-byte FLV header (signature "FLV").
Result<FlvHeader> parse_flv_header(ByteSpan data);
// Appends the 9-byte header and PreviousTagSize0 (13 bytes).
void write_flv_header(Bytes& out, bool has_audio, bool has_video);

struct FlvTagHeader {
  uint8_t type = 0;           // 8 audio, 9 video, 18 script data
  bool filter = false;        // pre-processing (encryption) flag: body is not plain media
  uint32_t data_size = 0;     // body size
  uint32_t timestamp_ms = 0;  // UI24 Timestamp + TimestampExtended as the upper 8 bits
  uint32_t stream_id = 0;     // always 0 in files
};

// Parses an 11-byte tag header. Unknown tag types are an error: in a byte stream they mean
// the reader lost sync.
Result<FlvTagHeader> parse_flv_tag_header(ByteSpan data);

// Scatter/gather output: [tag header][body, possibly shared][trailer]. The header writer
// returns false (and writes nothing) when body_size does not fit the UI24 DataSize.
bool write_flv_tag_header(Bytes& out, uint8_t type, uint32_t timestamp_ms, uint32_t body_size);
void write_flv_tag_trailer(Bytes& out, uint32_t body_size);  // PreviousTagSize = 11 + body
// A whole tag with its trailing PreviousTagSize; empty if the body is over kFlvMaxBodySize.
Bytes build_flv_tag(uint8_t type, uint32_t timestamp_ms, ByteSpan body);

struct FlvTag {
  FlvTagHeader header;
  Buffer body;  // owned copy; frames may slice it without copying again
};

// Splits an FLV byte stream (file or HTTP-FLV) into tags, whatever the read boundaries.
class FlvReader {
 public:
  explicit FlvReader(uint32_t max_body_size = kFlvMaxBodySize) : max_body_size_(max_body_size) {}

  void feed(ByteSpan data);
  // The next complete tag, std::nullopt when more bytes are needed, or an error; errors are
  // sticky (the stream cannot be resynchronised reliably).
  Result<std::optional<FlvTag>> next();

  const std::optional<FlvHeader>& header() const { return header_; }
  // PreviousTagSize fields that did not match the preceding tag (tolerated, counted).
  uint64_t previous_size_mismatches() const { return previous_size_mismatches_; }
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  Bytes buf_;
  size_t pos_ = 0;
  std::optional<FlvHeader> header_;
  bool header_trailer_done_ = false;
  std::optional<Error> error_;
  uint32_t last_tag_size_ = 0;
  uint32_t max_body_size_;
  uint64_t previous_size_mismatches_ = 0;
};

// ---- tag bodies (shared with RTMP audio/video messages) ----

enum class PacketKind : uint8_t {
  SequenceHeader,  // codec configuration: avcC, hvcC, av1C, vpcC, AudioSpecificConfig, OpusHead
  CodedFrames,     // media: length-prefixed NAL units, OBUs, raw AAC, MP3, Opus packets
  EndOfSequence,
  Metadata,  // Enhanced RTMP video metadata (AMF: "colorInfo", {...})
  Command,   // video info/command frame (FrameType 5): carries no media, ignore
  Other,     // well-formed but nothing to do (multitrack, MPEG2TSSequenceStart, silence)
};

struct VideoTag {
  media::Codec codec = media::Codec::Unknown;  // Unknown: parsed, but not a codec we carry
  bool enhanced = false;                       // Enhanced RTMP ExVideoTagHeader
  uint8_t frame_type = 0;  // 1 key, 2 inter, 3 disposable, 4 generated key, 5 command
  bool keyframe = false;
  PacketKind kind = PacketKind::Other;
  uint8_t codec_id = 0;              // legacy CodecID (7 AVC, 12 HEVC, ...); 0 when enhanced
  uint8_t packet_type = 0;           // AVCPacketType or enhanced VideoPacketType, as received
  uint32_t fourcc = 0;               // enhanced only
  uint8_t command = 0;               // Command kind: 0 start seek, 1 end seek
  int32_t composition_time_ms = 0;   // pts - dts
  uint32_t timestamp_offset_ns = 0;  // Enhanced RTMP v2 ModEx TimestampOffsetNano
  ByteSpan payload;                  // points into the parsed body
};

struct AudioTag {
  media::Codec codec = media::Codec::Unknown;  // Unknown: parsed, but not a codec we carry
  bool enhanced = false;                       // Enhanced RTMP ExAudioTagHeader
  uint8_t sound_format = 0;  // legacy SoundFormat: 2 MP3, 10 AAC, 14 MP3 8 kHz, 9 = ExHeader
  uint8_t sound_rate = 0;    // 0 5.5 kHz, 1 11 kHz, 2 22 kHz, 3 44 kHz (legacy only)
  uint8_t sound_size = 0;    // 0 8-bit, 1 16-bit (legacy only)
  uint8_t sound_type = 0;    // 0 mono, 1 stereo (legacy only)
  PacketKind kind = PacketKind::Other;
  uint8_t packet_type = 0;  // AACPacketType or enhanced AudioPacketType, as received
  uint32_t fourcc = 0;      // enhanced only
  uint32_t timestamp_offset_ns = 0;
  ByteSpan payload;
};

Result<VideoTag> parse_video_tag(ByteSpan body);
Result<AudioTag> parse_audio_tag(ByteSpan body);

// Tag-body header writers: append only the bytes before the payload and return how many
// were written, so one small per-frame header can be followed by a shared payload.
// 0 (nothing written) means the codec/kind cannot be carried in FLV.
//   H.264: legacy AVC (0x17/0x27, AVCPacketType, SI24 cts) -- what every player reads.
//   H.265, AV1, VP9: Enhanced RTMP ('hvc1' CodedFrames with SI24 cts, or CodedFramesX when
//   cts is 0; 'av01'/'vp09' carry no cts).
size_t write_video_tag_header(Bytes& out, media::Codec codec, PacketKind kind, bool keyframe,
                              int32_t composition_time_ms = 0);
//   AAC: 0xAF + AACPacketType (the spec fixes rate/size/type for AAC). MP3: legacy header
//   built from sample_rate/channels. Opus: Enhanced RTMP 'Opus'.
size_t write_audio_tag_header(Bytes& out, media::Codec codec, PacketKind kind,
                              uint32_t sample_rate = 44100, uint8_t channels = 2);

// Header + payload in one buffer (tests, sequence headers, one-off messages); empty if the
// codec/kind cannot be carried.
Bytes build_video_tag(media::Codec codec, PacketKind kind, bool keyframe,
                      int32_t composition_time_ms, ByteSpan payload);
Bytes build_audio_tag(media::Codec codec, PacketKind kind, ByteSpan payload,
                      uint32_t sample_rate = 44100, uint8_t channels = 2);

// Script-data body "onMetaData", ECMA array {pairs...} (E.5, onMetaData).
Bytes build_on_metadata(std::span<const amf0::Property> pairs);

}  // namespace firstmile::format
