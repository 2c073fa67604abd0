#include "format/rtp/latm.hpp"

#include <algorithm>

#include "core/ascii.hpp"
#include "media/codec/aac.hpp"
#include "media/codec/bit_reader.hpp"
#include "media/codec/bit_writer.hpp"

namespace firstmile::format::rtp {

using namespace aac_detail;

namespace {

using media::BitReader;
using media::BitWriter;

// `count` bits from bit `from` of `data`, left-aligned in bytes (the last one zero-padded).
Bytes copy_bits(ByteSpan data, size_t from, size_t count) {
  BitReader br(data);
  br.skip(from);
  Bytes out;
  out.reserve((count + 7) / 8);
  for (; count >= 8; count -= 8)
    out.push_back(static_cast<uint8_t>(br.bits(8)));
  if (count > 0) {
    const int n = static_cast<int>(count);
    out.push_back(static_cast<uint8_t>(br.bits(n) << (8 - n)));
  }
  return out;
}

// 14496-3 1.7.3.1 LatmGetValue(): 1 to 4 bytes.
uint32_t latm_get_value(BitReader& br, std::string_view what) {
  const uint32_t bytes = br.bits(2, what);
  uint32_t value = 0;
  for (uint32_t i = 0; i <= bytes; ++i)
    value = (value << 8) | br.bits(8, what);
  return value;
}

}  // namespace

// ---- Parameters ------------------------------------------------------------------------------

Result<StreamMuxConfig> parse_stream_mux_config(ByteSpan data) {
  // 14496-3 1.7.3.1, table 1.42 StreamMuxConfig().
  BitReader br(data);
  StreamMuxConfig c;
  c.audio_mux_version = br.bits(1, "audioMuxVersion");
  if (c.audio_mux_version == 1) {
    if (br.flag("audioMuxVersionA")) return fail("StreamMuxConfig: audioMuxVersionA 1 is reserved");
    latm_get_value(br, "taraBufferFullness");
  }
  const bool same_time_framing = br.flag("allStreamsSameTimeFraming");
  c.num_sub_frames = br.bits(6, "numSubFrames");
  const uint32_t num_program = br.bits(4, "numProgram");
  const uint32_t num_layer = br.bits(3, "numLayer");
  if (!br.ok()) return fail("StreamMuxConfig: ", br.error());
  if (!same_time_framing) {
    return fail("StreamMuxConfig: allStreamsSameTimeFraming 0 is not supported");
  }
  if (num_program != 0) {
    return fail("StreamMuxConfig: ", num_program + 1, " programs (one is supported)");
  }
  if (num_layer != 0) return fail("StreamMuxConfig: ", num_layer + 1, " layers (one is supported)");

  if (c.audio_mux_version == 0) {
    const size_t start = br.position();
    walk_audio_specific_config(br, true);
    if (!br.ok()) return fail("StreamMuxConfig: AudioSpecificConfig: ", br.error());
    c.audio_specific_config = copy_bits(data, start, br.position() - start);
  } else {
    // Version 1 gives the config's length (ascLen, in bits), so nothing needs walking.
    const uint32_t asc_bits = latm_get_value(br, "ascLen");
    if (!br.ok()) return fail("StreamMuxConfig: ", br.error());
    if (asc_bits > br.bits_left()) {
      return fail("StreamMuxConfig: ascLen of ", asc_bits, " bits, ", br.bits_left(), " left");
    }
    c.audio_specific_config = copy_bits(data, br.position(), asc_bits);
    br.skip(asc_bits);
  }
  auto asc = media::parse_audio_specific_config(c.audio_specific_config);
  if (!asc) return wrap("StreamMuxConfig", asc.error());

  // The fields after the AudioSpecificConfig may be cut off: GStreamer's payloader writes the
  // 15 header bits and the config only. What is missing keeps its default.
  if (br.bits_left() < 3) return c;
  const uint32_t frame_length_type = br.bits(3, "frameLengthType");
  if (frame_length_type != 0) {
    return fail("StreamMuxConfig: frameLengthType ", frame_length_type,
                " (fixed-length, CELP or HVXC frames) is not supported");
  }
  if (br.bits_left() < 8) return c;
  c.latm_buffer_fullness = br.bits(8, "latmBufferFullness");
  if (br.bits_left() < 1) return c;
  c.other_data_present = br.flag("otherDataPresent");
  if (c.other_data_present) {
    if (c.audio_mux_version == 1) {
      c.other_data_len_bits = latm_get_value(br, "otherDataLenBits");
    } else {
      // Bytes, each behind an escape bit that says another follows.
      uint64_t bits = 0;
      bool more = true;
      for (int i = 0; more; ++i) {
        if (i == 4) return fail("StreamMuxConfig: otherDataLenBits over 32 bits");
        more = br.flag("otherDataLenEsc");
        bits = (bits << 8) | br.bits(8, "otherDataLenTmp");
      }
      c.other_data_len_bits = static_cast<uint32_t>(bits);
    }
    if (!br.ok()) return fail("StreamMuxConfig: ", br.error());
  }
  if (br.bits_left() < 1) return c;
  c.crc_check_present = br.flag("crcCheckPresent");
  if (c.crc_check_present) br.bits(8, "crcCheckSum");
  if (!br.ok()) return fail("StreamMuxConfig: ", br.error());
  return c;
}

Result<Bytes> build_stream_mux_config(ByteSpan asc) {
  auto parsed = media::parse_audio_specific_config(asc);
  if (!parsed) return parsed.error();
  // Only the config's own bits go in: padding after it would read as frameLengthType.
  BitReader br(asc);
  walk_audio_specific_config(br, true);
  if (!br.ok()) return fail("AudioSpecificConfig: ", br.error());
  const size_t asc_bits = br.position();

  BitWriter w;
  w.put(0, 1);  // audioMuxVersion
  w.put(1, 1);  // allStreamsSameTimeFraming
  w.put(0, 6);  // numSubFrames: one frame per AudioMuxElement
  w.put(0, 4);  // numProgram: one
  w.put(0, 3);  // numLayer: one
  BitReader copy(asc);
  for (size_t i = 0; i < asc_bits; ++i)
    w.put(copy.bits(1), 1);
  w.put(0, 3);     // frameLengthType 0: AAC frames with their lengths in PayloadLengthInfo
  w.put(0xFF, 8);  // latmBufferFullness: not given
  w.put(0, 1);     // otherDataPresent
  w.put(0, 1);     // crcCheckPresent
  return w.take();
}

Result<LatmParams> parse_latm_fmtp(const FmtpParams& params) {
  if (auto cpresent = find_param(params, "cpresent")) {
    if (*cpresent == "1") {
      return fail("MP4A-LATM: cpresent=1 (the StreamMuxConfig in band) is not supported");
    }
    if (*cpresent != "0") return fail("MP4A-LATM: cpresent=", *cpresent, " is not 0 or 1");
  }
  auto config = find_param(params, "config");
  if (!config) {
    return fail("MP4A-LATM: no config (the StreamMuxConfig); cpresent=1 is not supported");
  }
  auto bytes = from_hex(*config);
  if (!bytes) return fail("MP4A-LATM: config=", *config, " is not hexadecimal bytes");
  auto mux = parse_stream_mux_config(*bytes);
  if (!mux) return wrap("MP4A-LATM: config", mux.error());
  LatmParams p;
  p.config = std::move(*bytes);
  p.mux = std::move(*mux);
  // Descriptive only: a malformed value is ignored rather than refused.
  auto number = [&](std::string_view name) {
    auto v = find_param(params, name);
    return v ? parse_number(*v).value_or(0) : 0;
  };
  p.object = number("object");
  p.bitrate = number("bitrate");
  p.profile_level_id = number("profile-level-id");
  return p;
}

Result<std::string> latm_fmtp(ByteSpan asc) {
  auto parsed = media::parse_audio_specific_config(asc);
  if (!parsed) return wrap("MP4A-LATM", parsed.error());
  auto mux = build_stream_mux_config(asc);
  if (!mux) return wrap("MP4A-LATM", mux.error());
  // audioProfileLevelIndication 0x28-0x2B (the AAC Profile's levels 1, 2, 4, 5) by rate and
  // channels, as ffmpeg announces them.
  const uint32_t rate = parsed->sample_rate;
  const uint32_t channels = parsed->channels();
  uint32_t level = 0x2B;
  if (rate <= 24000 && channels <= 2) {
    level = 0x28;
  } else if (rate <= 48000 && channels <= 2) {
    level = 0x29;
  } else if (rate <= 48000 && channels <= 5) {
    level = 0x2A;
  }
  return "profile-level-id=" + std::to_string(level) +
         "; object=" + std::to_string(parsed->object_type) + "; cpresent=0; config=" + to_hex(*mux);
}

Result<Bytes> aac_audio_specific_config(std::string_view encoding, const FmtpParams& params) {
  if (iequals(encoding, "mpeg4-generic")) {
    auto p = parse_mpeg4_generic_fmtp(params);
    if (!p) return p.error();
    return std::move(p->config);
  }
  if (iequals(encoding, "MP4A-LATM")) {
    auto p = parse_latm_fmtp(params);
    if (!p) return p.error();
    return std::move(p->mux.audio_specific_config);
  }
  return fail("RTP encoding ", encoding, " is not AAC (mpeg4-generic, MP4A-LATM)");
}

// ---- MP4A-LATM depacketizer ------------------------------------------------------------------

namespace {

// The frames of the AudioMuxElements filling `data` (RFC 6416 6.1 allows several in a packet,
// ffmpeg's depacketizer reads them so): for each of numSubFrames + 1, PayloadLengthInfo then
// PayloadMux (14496-3 1.7.3.1, tables 1.41, 1.44, 1.45), all byte-aligned when cpresent=0; then the
// other data.
Status collect_latm_frames(ByteSpan data, const StreamMuxConfig& mux, size_t max_frames,
                           std::vector<ByteSpan>& frames) {
  ByteReader r(data);
  while (!r.empty()) {
    for (uint32_t k = 0; k <= mux.num_sub_frames; ++k) {
      size_t length = 0;
      uint8_t b = 0;
      do {
        b = r.u8();
        length += b;
      } while (b == 0xFF && r.ok());
      if (!r.ok()) return fail("MP4A-LATM: PayloadLengthInfo cut short");
      const size_t left = r.remaining();
      ByteSpan frame = r.bytes(length);
      if (!r.ok()) return fail("MP4A-LATM: frame of ", length, " bytes, ", left, " left");
      if (frames.size() == max_frames) {
        return fail("MP4A-LATM: over ", max_frames, " frames in a packet");
      }
      frames.push_back(frame);
    }
    if (mux.other_data_present) {
      const size_t other = (uint64_t{mux.other_data_len_bits} + 7) / 8;
      if (other > r.remaining()) {
        return fail("MP4A-LATM: other data of ", mux.other_data_len_bits, " bits cut short");
      }
      r.skip(other);
    }
  }
  return {};
}

}  // namespace

LatmDepacketizer::LatmDepacketizer(LatmParams params, uint32_t clock_rate,
                                   AacDepacketizerLimits limits)
    : params_(std::move(params)), limits_(limits) {
  frame_duration_ = frame_duration_for(params_.mux.audio_specific_config, clock_rate);
  // One element: its frames with their length bytes, and its other data.
  const size_t frames = params_.mux.num_sub_frames + 1;
  const size_t other =
      std::min<size_t>(params_.mux.other_data_len_bits / 8 + 1, limits_.max_au_bytes);
  max_element_bytes_ = frames * (limits_.max_au_bytes + limits_.max_au_bytes / 255 + 1) + other;
}

void LatmDepacketizer::reset() {
  partial_.drop(stats_);
  last_sequence_.reset();
}

Status LatmDepacketizer::parse_elements(ByteSpan data, uint32_t timestamp,
                                        std::vector<AacAccessUnit>& out) {
  std::vector<ByteSpan> frames;
  Status s = collect_latm_frames(data, params_.mux, limits_.max_aus_per_packet, frames);
  if (!s) {
    ++stats_.dropped_access_units;
    return s;
  }
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].empty()) continue;
    if (frames[i].size() > limits_.max_au_bytes) {
      ++stats_.dropped_access_units;
      continue;
    }
    out.push_back({timestamp + static_cast<uint32_t>(i) * frame_duration_,
                   Bytes(frames[i].begin(), frames[i].end())});
    ++stats_.access_units;
  }
  return {};
}

Status LatmDepacketizer::push(const Packet& packet, std::vector<AacAccessUnit>& out) {
  ++stats_.packets;
  switch (check_sequence(last_sequence_, packet.sequence, stats_)) {
    case SequenceStep::kLate:
      return {};
    case SequenceStep::kGap:
      // The rest of the frame being put together still arrives: ignored, not counted again.
      partial_.discard(stats_);
      break;
    case SequenceStep::kNext:
      break;
  }
  if (partial_.active && packet.timestamp != partial_.timestamp) partial_.drop(stats_);
  Status s;
  std::vector<ByteSpan> probe;
  if (!partial_.active &&
      (packet.marker ||
       collect_latm_frames(packet.payload, params_.mux, limits_.max_aus_per_packet, probe))) {
    // Whole elements. A packet that parses whole without the marker is taken too: the first
    // fragment of an element never does, since its length runs past the packet.
    s = parse_elements(packet.payload, packet.timestamp, out);
  } else {
    if (!partial_.active) {
      partial_.active = true;
      partial_.discarding = false;
      partial_.timestamp = packet.timestamp;
      partial_.data.clear();
    }
    if (!partial_.discarding) {
      if (partial_.data.size() + packet.payload.size() > max_element_bytes_) {
        partial_.discard(stats_);
      } else {
        partial_.data.insert(partial_.data.end(), packet.payload.begin(), packet.payload.end());
      }
    }
    if (!packet.marker) return {};
    const bool discarded = partial_.discarding;
    Bytes whole = std::move(partial_.data);
    partial_.data.clear();
    partial_.active = false;
    partial_.discarding = false;
    if (discarded) return {};
    s = parse_elements(whole, packet.timestamp, out);
  }
  if (!s) ++stats_.malformed_packets;
  return s;
}

// ---- MP4A-LATM packetizer --------------------------------------------------------------------

LatmPacketizer::LatmPacketizer(AacPacketizerOptions options) : options_(checked(options)) {}

Status LatmPacketizer::push(ByteSpan frame, uint32_t timestamp, std::vector<AacRtpPayload>& out) {
  if (frame.empty()) return fail("MP4A-LATM: empty AAC frame");
  // PayloadLengthInfo: 0xFF per 255 bytes, then the rest (14496-3 table 1.44).
  Bytes element;
  element.reserve(frame.size() / 255 + 1 + frame.size());
  size_t rest = frame.size();
  for (; rest >= 255; rest -= 255)
    element.push_back(0xFF);
  element.push_back(static_cast<uint8_t>(rest));
  element.insert(element.end(), frame.begin(), frame.end());
  // RFC 6416 6.1: an element too large for a packet is cut anywhere; the marker ends it.
  for (size_t offset = 0; offset < element.size();) {
    const size_t n = std::min(options_.max_payload_bytes, element.size() - offset);
    AacRtpPayload p;
    p.timestamp = timestamp;
    p.marker = offset + n == element.size();
    p.payload.assign(element.begin() + static_cast<std::ptrdiff_t>(offset),
                     element.begin() + static_cast<std::ptrdiff_t>(offset + n));
    out.push_back(std::move(p));
    offset += n;
  }
  return {};
}

}  // namespace firstmile::format::rtp
