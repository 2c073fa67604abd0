#include "format/flv.hpp"

#include <algorithm>
#include <string>

namespace firstmile::format {

namespace {

using media::Codec;

// Legacy VideoTagHeader values (FLV spec E.4.3.1).
constexpr uint8_t kFrameKey = 1;
constexpr uint8_t kFrameInter = 2;
constexpr uint8_t kFrameGeneratedKey = 4;
constexpr uint8_t kFrameCommand = 5;
constexpr uint8_t kCodecIdAvc = 7;
constexpr uint8_t kCodecIdHevc = 12;  // not in any spec; sent by many Chinese encoders/CDNs

// Enhanced RTMP VideoPacketType / AudioPacketType.
constexpr uint8_t kExSequenceStart = 0;
constexpr uint8_t kExCodedFrames = 1;
constexpr uint8_t kExSequenceEnd = 2;
constexpr uint8_t kExCodedFramesX = 3;
constexpr uint8_t kExVideoMetadata = 4;
constexpr uint8_t kExMpeg2TsSequenceStart = 5;
constexpr uint8_t kExVideoMultitrack = 6;
constexpr uint8_t kExAudioMultichannelConfig = 4;
constexpr uint8_t kExAudioMultitrack = 5;
constexpr uint8_t kExModEx = 7;
constexpr uint8_t kModExTimestampOffsetNano = 0;

// Legacy SoundFormat values (E.4.2.1).
constexpr uint8_t kSoundMp3 = 2;
constexpr uint8_t kSoundExHeader = 9;
constexpr uint8_t kSoundAac = 10;
constexpr uint8_t kSoundMp3_8k = 14;

constexpr uint32_t kFourccAvc = fourcc("avc1");
constexpr uint32_t kFourccHevc = fourcc("hvc1");
constexpr uint32_t kFourccAv1 = fourcc("av01");
constexpr uint32_t kFourccVp9 = fourcc("vp09");
constexpr uint32_t kFourccVp8 = fourcc("vp08");
constexpr uint32_t kFourccOpus = fourcc("Opus");
constexpr uint32_t kFourccAac = fourcc("mp4a");
constexpr uint32_t kFourccMp3 = fourcc(".mp3");

int32_t sign_extend_24(uint32_t v) {
  return static_cast<int32_t>(v << 8) >> 8;
}

uint32_t clamp_si24(int32_t v) {
  v = std::clamp<int32_t>(v, -(1 << 23), (1 << 23) - 1);
  return static_cast<uint32_t>(v) & 0xffffff;
}

Codec video_codec_of(uint32_t f) {
  switch (f) {
    case kFourccAvc:
      return Codec::H264;
    case kFourccHevc:
      return Codec::H265;
    case kFourccAv1:
      return Codec::AV1;
    case kFourccVp9:
      return Codec::VP9;
    case kFourccVp8:
      return Codec::VP8;
    default:
      return Codec::Unknown;
  }
}

Codec audio_codec_of(uint32_t f) {
  switch (f) {
    case kFourccAac:
      return Codec::AAC;
    case kFourccOpus:
      return Codec::Opus;
    case kFourccMp3:
      return Codec::MP3;
    default:
      return Codec::Unknown;  // 'ac-3', 'ec-3', 'fLaC': parsed, not carried
  }
}

// Enhanced RTMP v2 ModEx: while the packet type is ModEx, a sized modifier block precedes the
// real packet type. Only TimestampOffsetNano is defined; unknown modifiers are skipped, which
// the spec allows since the block is sized.
Status read_mod_ex(ByteReader& r, uint8_t& packet_type, uint32_t& offset_ns) {
  while (packet_type == kExModEx) {
    size_t n = size_t{r.u8()} + 1;
    if (n == 256) n = size_t{r.u16()} + 1;
    ByteSpan data = r.bytes(n);
    const uint8_t next = r.u8();
    if (!r.ok()) return fail("truncated ModEx block");
    packet_type = next & 0x0f;
    if ((next >> 4) == kModExTimestampOffsetNano && data.size() >= 3) {
      offset_ns = (uint32_t{data[0]} << 16) | (uint32_t{data[1]} << 8) | data[2];
    }
  }
  return {};
}

bool valid_frame_type(uint8_t t) {
  return t >= kFrameKey && t <= kFrameCommand;
}

Result<VideoTag> parse_ex_video(ByteReader& r, uint8_t first, VideoTag t) {
  // Enhanced RTMP: IsExHeader UB[1] | FrameType UB[3] | VideoPacketType UB[4], then FourCC.
  t.enhanced = true;
  uint8_t packet_type = first & 0x0f;
  if (auto s = read_mod_ex(r, packet_type, t.timestamp_offset_ns); !s) {
    return wrap("flv video", s.error());
  }
  t.packet_type = packet_type;
  if (packet_type != kExVideoMetadata) {
    if (!valid_frame_type(t.frame_type)) {
      return fail("flv video: reserved frame type ", t.frame_type);
    }
    if (t.frame_type == kFrameCommand) {
      // v2: "ExVideoTagBody has no payload if we got here": one VideoCommand byte, no FourCC.
      t.kind = PacketKind::Command;
      t.command = r.u8();
      if (!r.ok()) return fail("flv video: truncated command frame");
      return t;
    }
  }
  t.keyframe = packet_type != kExVideoMetadata &&
               (t.frame_type == kFrameKey || t.frame_type == kFrameGeneratedKey);
  if (packet_type == kExVideoMultitrack) {
    t.kind = PacketKind::Other;  // multitrack video is not carried (yet)
    t.payload = r.rest();
    return t;
  }
  if (packet_type > kExVideoMultitrack) {
    return fail("flv video: reserved VideoPacketType ", packet_type);
  }
  t.fourcc = r.u32();
  if (!r.ok()) return fail("flv video: truncated FourCC");
  t.codec = video_codec_of(t.fourcc);
  switch (packet_type) {
    case kExSequenceStart:
      t.kind = PacketKind::SequenceHeader;
      break;
    case kExCodedFrames:
      t.kind = PacketKind::CodedFrames;
      // Only AVC and HEVC carry a composition time in CodedFrames (v2 ExVideoTagBody).
      if (t.fourcc == kFourccAvc || t.fourcc == kFourccHevc) {
        t.composition_time_ms = sign_extend_24(r.u24());
        if (!r.ok()) return fail("flv video: truncated composition time");
      }
      break;
    case kExSequenceEnd:
      t.kind = PacketKind::EndOfSequence;
      break;
    case kExCodedFramesX:
      t.kind = PacketKind::CodedFrames;
      break;
    case kExVideoMetadata:
      t.kind = PacketKind::Metadata;
      break;
    case kExMpeg2TsSequenceStart:
      t.kind = PacketKind::Other;
      break;
  }
  t.payload = r.rest();
  return t;
}

Result<AudioTag> parse_ex_audio(ByteReader& r, uint8_t first, AudioTag t) {
  // Enhanced RTMP v2: SoundFormat 9 | AudioPacketType UB[4], then FourCC.
  t.enhanced = true;
  uint8_t packet_type = first & 0x0f;
  if (auto s = read_mod_ex(r, packet_type, t.timestamp_offset_ns); !s) {
    return wrap("flv audio", s.error());
  }
  t.packet_type = packet_type;
  if (packet_type == kExAudioMultitrack) {
    t.kind = PacketKind::Other;  // multitrack audio is not carried (yet)
    t.payload = r.rest();
    return t;
  }
  if (packet_type > kExSequenceEnd && packet_type != kExAudioMultichannelConfig) {
    return fail("flv audio: reserved AudioPacketType ", packet_type);
  }
  t.fourcc = r.u32();
  if (!r.ok()) return fail("flv audio: truncated FourCC");
  t.codec = audio_codec_of(t.fourcc);
  switch (packet_type) {
    case kExSequenceStart:
      t.kind = PacketKind::SequenceHeader;
      break;
    case kExCodedFrames:
      t.kind = PacketKind::CodedFrames;
      break;
    case kExSequenceEnd:
      t.kind = PacketKind::EndOfSequence;
      break;
    default:
      t.kind = PacketKind::Other;
      break;  // MultichannelConfig
  }
  t.payload = r.rest();
  return t;
}

void put_si24(Bytes& out, int32_t v) {
  ByteWriter(out).u24(clamp_si24(v));
}

}  // namespace

// ---- file header and tag framing ----

Result<FlvHeader> parse_flv_header(ByteSpan data) {
  ByteReader r(data);
  ByteSpan sig = r.bytes(3);
  FlvHeader h;
  h.version = r.u8();
  const uint8_t flags = r.u8();
  h.data_offset = r.u32();
  if (!r.ok()) return fail("flv: header shorter than ", kFlvHeaderSize, " bytes");
  if (sig[0] != 'F' || sig[1] != 'L' || sig[2] != 'V') return fail("flv: bad signature");
  if (h.data_offset < kFlvHeaderSize) return fail("flv: header data offset ", h.data_offset);
  h.has_audio = flags & 0x04;
  h.has_video = flags & 0x01;
  return h;
}

void write_flv_header(Bytes& out, bool has_audio, bool has_video) {
  ByteWriter w(out);
  w.bytes(std::string_view("FLV"));
  w.u8(1);
  w.u8(static_cast<uint8_t>((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0)));
  w.u32(kFlvHeaderSize);
  w.u32(0);  // PreviousTagSize0
}

Result<FlvTagHeader> parse_flv_tag_header(ByteSpan data) {
  ByteReader r(data);
  FlvTagHeader h;
  const uint8_t b = r.u8();
  h.data_size = r.u24();
  const uint32_t low = r.u24();
  const uint32_t ext = r.u8();
  h.stream_id = r.u24();
  if (!r.ok()) return fail("flv: tag header shorter than ", kFlvTagHeaderSize, " bytes");
  h.filter = b & 0x20;
  h.type = b & 0x1f;
  h.timestamp_ms = (ext << 24) | low;
  if (h.type != kFlvTagAudio && h.type != kFlvTagVideo && h.type != kFlvTagScript) {
    return fail("flv: unknown tag type ", h.type);
  }
  return h;
}

bool write_flv_tag_header(Bytes& out, uint8_t type, uint32_t timestamp_ms, uint32_t body_size) {
  if (body_size > kFlvMaxBodySize) return false;
  ByteWriter w(out);
  w.u8(type & 0x1f);
  w.u24(body_size);
  w.u24(timestamp_ms & 0xffffff);
  w.u8(static_cast<uint8_t>(timestamp_ms >> 24));  // TimestampExtended
  w.u24(0);                                        // StreamID
  return true;
}

void write_flv_tag_trailer(Bytes& out, uint32_t body_size) {
  ByteWriter(out).u32(static_cast<uint32_t>(kFlvTagHeaderSize) + body_size);
}

Bytes build_flv_tag(uint8_t type, uint32_t timestamp_ms, ByteSpan body) {
  Bytes out;
  if (body.size() > kFlvMaxBodySize) return out;
  const auto size = static_cast<uint32_t>(body.size());
  out.reserve(kFlvTagHeaderSize + body.size() + kFlvTagTrailerSize);
  write_flv_tag_header(out, type, timestamp_ms, size);
  out.insert(out.end(), body.begin(), body.end());
  write_flv_tag_trailer(out, size);
  return out;
}

// ---- FlvReader ----

void FlvReader::feed(ByteSpan data) {
  if (error_) return;
  // Compact once the consumed prefix dominates, so the buffer stays near one tag in size.
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buf_.insert(buf_.end(), data.begin(), data.end());
}

Result<std::optional<FlvTag>> FlvReader::next() {
  if (error_) return *error_;
  auto avail = [&] { return ByteSpan(buf_).subspan(pos_); };
  auto fail_sticky = [&](Error e) {
    error_ = std::move(e);
    return *error_;
  };
  if (!header_) {
    if (avail().size() < kFlvHeaderSize) return std::optional<FlvTag>();
    auto h = parse_flv_header(avail());
    if (!h.ok()) return fail_sticky(h.error());
    // Version 1 headers are 9 bytes; skip any extension a later writer may add (bounded).
    if (h->data_offset > 1024) return fail_sticky(fail("flv: header data offset too large"));
    if (avail().size() < h->data_offset) return std::optional<FlvTag>();
    pos_ += h->data_offset;
    header_ = *h;
  }
  if (!header_trailer_done_) {
    // PreviousTagSize of the tag before: 0 after the header, else 11 + DataSize (E.3).
    if (avail().size() < kFlvTagTrailerSize) return std::optional<FlvTag>();
    ByteReader r(avail());
    if (r.u32() != last_tag_size_) ++previous_size_mismatches_;
    pos_ += kFlvTagTrailerSize;
    header_trailer_done_ = true;
  }
  if (avail().size() < kFlvTagHeaderSize) return std::optional<FlvTag>();
  auto h = parse_flv_tag_header(avail());
  if (!h.ok()) return fail_sticky(h.error());
  if (h->data_size > max_body_size_) {
    return fail_sticky(
        fail("flv: tag body of ", h->data_size, " bytes over limit ", max_body_size_));
  }
  if (avail().size() < kFlvTagHeaderSize + h->data_size) return std::optional<FlvTag>();
  FlvTag tag{*h, Buffer::copy(avail().subspan(kFlvTagHeaderSize, h->data_size))};
  pos_ += kFlvTagHeaderSize + h->data_size;
  last_tag_size_ = static_cast<uint32_t>(kFlvTagHeaderSize) + h->data_size;
  header_trailer_done_ = false;
  return std::optional<FlvTag>(std::move(tag));
}

// ---- tag bodies ----

Result<VideoTag> parse_video_tag(ByteSpan body) {
  ByteReader r(body);
  VideoTag t;
  const uint8_t first = r.u8();
  if (!r.ok()) return fail("flv video: empty tag body");
  t.frame_type = (first >> 4) & 0x07;
  if (first & 0x80) return parse_ex_video(r, first, t);

  // Legacy VideoTagHeader: FrameType UB[4] | CodecID UB[4].
  if (!valid_frame_type(t.frame_type)) return fail("flv video: reserved frame type ", t.frame_type);
  t.codec_id = first & 0x0f;
  t.keyframe = t.frame_type == kFrameKey || t.frame_type == kFrameGeneratedKey;
  if (t.frame_type == kFrameCommand) {
    // Video info/command frame: a UI8 command follows instead of video data. Tolerate its
    // absence: there is nothing to do with it either way.
    t.kind = PacketKind::Command;
    if (!r.empty()) t.command = r.u8();
    return t;
  }
  if (t.codec_id != kCodecIdAvc && t.codec_id != kCodecIdHevc) {
    t.kind = PacketKind::CodedFrames;  // codec stays Unknown: the caller reports codec_id
    t.payload = r.rest();
    return t;
  }
  t.codec = t.codec_id == kCodecIdAvc ? Codec::H264 : Codec::H265;
  // AVCPacketType UI8, CompositionTime SI24 (E.4.3.1; HEVC id 12 copies the AVC layout).
  t.packet_type = r.u8();
  if (!r.ok()) return fail("flv video: truncated AVC packet type");
  switch (t.packet_type) {
    case 0:
      t.kind = PacketKind::SequenceHeader;
      break;
    case 1:
      t.kind = PacketKind::CodedFrames;
      break;
    case 2:
      t.kind = PacketKind::EndOfSequence;
      break;
    default:
      return fail("flv video: unknown AVCPacketType ", t.packet_type);
  }
  const uint32_t cts = r.u24();
  if (!r.ok()) {
    // Some encoders send a bare 0x17 0x02 end of sequence.
    if (t.kind == PacketKind::EndOfSequence) return t;
    return fail("flv video: truncated composition time");
  }
  // "IF AVCPacketType == 1: composition time offset, ELSE 0".
  if (t.kind == PacketKind::CodedFrames) t.composition_time_ms = sign_extend_24(cts);
  t.payload = r.rest();
  return t;
}

Result<AudioTag> parse_audio_tag(ByteSpan body) {
  ByteReader r(body);
  AudioTag t;
  if (body.empty()) {
    // RTMP's "audio silence" message: an audio message with no AudioTagHeader (E-RTMP v2).
    t.kind = PacketKind::Other;
    return t;
  }
  const uint8_t first = r.u8();
  t.sound_format = first >> 4;
  if (t.sound_format == kSoundExHeader) return parse_ex_audio(r, first, t);

  // Legacy AudioTagHeader: SoundFormat UB[4] | SoundRate UB[2] | SoundSize UB[1] | SoundType.
  t.sound_rate = (first >> 2) & 0x03;
  t.sound_size = (first >> 1) & 0x01;
  t.sound_type = first & 0x01;
  switch (t.sound_format) {
    case kSoundAac:
      t.codec = Codec::AAC;
      t.packet_type = r.u8();
      if (!r.ok()) return fail("flv audio: truncated AAC packet type");
      if (t.packet_type == 0) {
        t.kind = PacketKind::SequenceHeader;
      } else if (t.packet_type == 1) {
        t.kind = PacketKind::CodedFrames;
      } else {
        return fail("flv audio: unknown AACPacketType ", t.packet_type);
      }
      break;
    case kSoundMp3:
    case kSoundMp3_8k:
      t.codec = Codec::MP3;
      t.kind = PacketKind::CodedFrames;
      break;
    default:
      t.kind = PacketKind::CodedFrames;  // codec stays Unknown: the caller reports sound_format
      break;
  }
  t.payload = r.rest();
  return t;
}

size_t write_video_tag_header(Bytes& out, media::Codec codec, PacketKind kind, bool keyframe,
                              int32_t composition_time_ms) {
  const size_t start = out.size();
  ByteWriter w(out);
  const uint8_t frame = keyframe ? kFrameKey : kFrameInter;
  if (codec == Codec::H264) {
    uint8_t packet_type;
    switch (kind) {
      case PacketKind::SequenceHeader:
        packet_type = 0;
        break;
      case PacketKind::CodedFrames:
        packet_type = 1;
        break;
      case PacketKind::EndOfSequence:
        packet_type = 2;
        break;
      default:
        return 0;
    }
    const uint8_t ft = kind == PacketKind::CodedFrames ? frame : kFrameKey;
    w.u8(static_cast<uint8_t>(ft << 4 | kCodecIdAvc));
    w.u8(packet_type);
    put_si24(out, kind == PacketKind::CodedFrames ? composition_time_ms : 0);
    return out.size() - start;
  }
  uint32_t fcc;
  switch (codec) {
    case Codec::H265:
      fcc = kFourccHevc;
      break;
    case Codec::AV1:
      fcc = kFourccAv1;
      break;
    case Codec::VP9:
      fcc = kFourccVp9;
      break;
    case Codec::VP8:
      fcc = kFourccVp8;
      break;
    default:
      return 0;
  }
  uint8_t ft = kFrameKey;
  uint8_t packet_type;
  bool with_cts = false;
  switch (kind) {
    case PacketKind::SequenceHeader:
      packet_type = kExSequenceStart;
      break;
    case PacketKind::EndOfSequence:
      packet_type = kExSequenceEnd;
      break;
    case PacketKind::CodedFrames:
      ft = frame;
      // HEVC: CodedFrames carries SI24 cts; CodedFramesX saves the 3 bytes when it is zero.
      with_cts = codec == Codec::H265 && composition_time_ms != 0;
      packet_type = codec == Codec::H265 && !with_cts ? kExCodedFramesX : kExCodedFrames;
      break;
    default:
      return 0;
  }
  w.u8(static_cast<uint8_t>(0x80 | ft << 4 | packet_type));
  w.u32(fcc);
  if (with_cts) put_si24(out, composition_time_ms);
  return out.size() - start;
}

size_t write_audio_tag_header(Bytes& out, media::Codec codec, PacketKind kind, uint32_t sample_rate,
                              uint8_t channels) {
  ByteWriter w(out);
  switch (codec) {
    case Codec::AAC:
      // E.4.2.1: for AAC "SoundRate: always 3 (44 kHz), SoundType: always 1 (stereo)"; the
      // real values come from the AudioSpecificConfig.
      if (kind != PacketKind::SequenceHeader && kind != PacketKind::CodedFrames) return 0;
      w.u8(kSoundAac << 4 | 0x0f);
      w.u8(kind == PacketKind::SequenceHeader ? 0 : 1);
      return 2;
    case Codec::MP3: {
      if (kind != PacketKind::CodedFrames) return 0;
      const uint8_t format = sample_rate == 8000 ? kSoundMp3_8k : kSoundMp3;
      const uint8_t rate = sample_rate >= 44100   ? 3
                           : sample_rate >= 22050 ? 2
                           : sample_rate >= 11025 ? 1
                                                  : 0;
      w.u8(static_cast<uint8_t>(format << 4 | rate << 2 | 0x02 | (channels >= 2 ? 1 : 0)));
      return 1;
    }
    case Codec::Opus: {
      uint8_t packet_type;
      switch (kind) {
        case PacketKind::SequenceHeader:
          packet_type = kExSequenceStart;
          break;
        case PacketKind::CodedFrames:
          packet_type = kExCodedFrames;
          break;
        case PacketKind::EndOfSequence:
          packet_type = kExSequenceEnd;
          break;
        default:
          return 0;
      }
      w.u8(static_cast<uint8_t>(kSoundExHeader << 4 | packet_type));
      w.u32(kFourccOpus);
      return 5;
    }
    default:
      return 0;
  }
}

Bytes build_video_tag(media::Codec codec, PacketKind kind, bool keyframe,
                      int32_t composition_time_ms, ByteSpan payload) {
  Bytes out;
  if (write_video_tag_header(out, codec, kind, keyframe, composition_time_ms) == 0) return {};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes build_audio_tag(media::Codec codec, PacketKind kind, ByteSpan payload, uint32_t sample_rate,
                      uint8_t channels) {
  Bytes out;
  if (write_audio_tag_header(out, codec, kind, sample_rate, channels) == 0) return {};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes build_on_metadata(std::span<const amf0::Property> pairs) {
  Bytes out;
  amf0::encode(amf0::Value("onMetaData"), out);
  amf0::encode(amf0::Value::ecma_array(std::vector<amf0::Property>(pairs.begin(), pairs.end())),
               out);
  return out;
}

}  // namespace firstmile::format
