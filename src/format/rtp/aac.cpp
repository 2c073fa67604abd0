#include "format/rtp/aac.hpp"

#include <algorithm>
#include <charconv>

#include "core/ascii.hpp"
#include "media/codec/aac.hpp"
#include "media/codec/bit_reader.hpp"

namespace firstmile::format::rtp {

using namespace aac_detail;

namespace {

using media::BitReader;

constexpr uint32_t kMaxFieldBits = 32;            // BitReader reads at most 32 bits at once
constexpr size_t kMaxHbrAuSize = (1u << 13) - 1;  // AAC-hbr's 13-bit AU-size
constexpr size_t kMinPayloadBytes = 64;
// 14496-3 1.6.2.1: syncExtensionType values that announce backward-compatible SBR and PS.
constexpr uint32_t kSbrSyncExtension = 0x2b7;
constexpr uint32_t kPsSyncExtension = 0x548;
// Packets this far behind the last one are taken as reordered or repeated and ignored; farther
// back, the sender is taken to have restarted its sequence.
constexpr uint16_t kReorderWindow = 64;

// A numeric parameter: `fallback` when absent, refused when not a number or over `max`.
Status read_number(const FmtpParams& params, std::string_view name, uint32_t fallback, uint32_t max,
                   uint32_t& out) {
  auto v = find_param(params, name);
  if (!v) {
    out = fallback;
    return {};
  }
  auto n = parse_number(*v);
  if (!n) return fail(name, "=", *v, " is not a number");
  if (*n > max) return fail(name, "=", *n, " is over ", max);
  out = *n;
  return {};
}

// 14496-3 1.6.2.1 GetAudioObjectType().
uint32_t read_object_type(BitReader& br) {
  const uint32_t type = br.bits(5, "audioObjectType");
  return type == 31 ? 32 + br.bits(6, "audioObjectTypeExt") : type;
}

void skip_sampling_frequency(BitReader& br, std::string_view what) {
  if (br.bits(4, what) == 15) br.bits(24, "samplingFrequency");
}

// Object types whose AudioSpecificConfig continues with GASpecificConfig (14496-3 1.6.2.1):
// 1-4, 6, 7, 17, 19-23.
bool has_ga_specific_config(uint32_t type) {
  constexpr uint32_t kTypes = 0b1111'1010'0000'0000'1101'1110;
  return type < 32 && ((kTypes >> type) & 1u) != 0;
}

int64_t sign_extend(uint32_t value, uint32_t bits) {
  if (bits == 0 || bits >= 64) return value;
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((uint64_t{value} ^ sign)) - static_cast<int64_t>(sign);
}

// Some cameras send each AU with its ADTS header (gortsplib meets the same): an AU that is
// exactly one ADTS frame loses the header.
ByteSpan strip_adts(ByteSpan au) {
  if (au.size() < media::kAdtsHeaderSize || au[0] != 0xFF || (au[1] & 0xF6) != 0xF0) return au;
  auto h = media::parse_adts_header(au);
  if (!h || h->frame_length != au.size() || h->raw_blocks != 1 || h->header_size >= au.size()) {
    return au;
  }
  return au.subspan(h->header_size);
}

// RFC 3640 3.2.2: auxiliary-data-size (in bits) and that many bits, padded to a byte; skipped.
Result<ByteSpan> skip_auxiliary_section(ByteSpan data, uint32_t size_length) {
  if (size_length == 0) return data;
  BitReader br(data);
  const uint64_t aux_bits = br.bits(static_cast<int>(size_length), "auxiliary-data-size");
  const uint64_t aux_bytes = (size_length + aux_bits + 7) / 8;
  if (!br.ok() || aux_bytes > data.size()) {
    return fail("mpeg4-generic: auxiliary section of ", aux_bits, " bits does not fit in ",
                data.size(), " bytes");
  }
  return data.subspan(aux_bytes);
}

}  // namespace

// ---- Shared with latm.cpp --------------------------------------------------------------------

namespace aac_detail {

std::optional<std::string_view> find_param(const FmtpParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<uint32_t> parse_number(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<Bytes> from_hex(std::string_view s) {
  auto digit = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (s.empty() || s.size() % 2 != 0) return std::nullopt;
  Bytes out;
  out.reserve(s.size() / 2);
  for (size_t i = 0; i < s.size(); i += 2) {
    const int hi = digit(s[i]);
    const int lo = digit(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

std::string to_hex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

uint32_t walk_audio_specific_config(BitReader& br, bool whole) {
  uint32_t type = read_object_type(br);
  skip_sampling_frequency(br, "samplingFrequencyIndex");
  const uint32_t channel_config = br.bits(4, "channelConfiguration");
  const bool hierarchical_sbr = type == 5 || type == 29;
  if (hierarchical_sbr) {
    // Explicit SBR (and PS) signalling: the extension's rate, then the core's object type.
    skip_sampling_frequency(br, "extensionSamplingFrequencyIndex");
    type = read_object_type(br);
    if (type == 22) br.bits(4, "extensionChannelConfiguration");
  }
  if (!has_ga_specific_config(type)) {
    if (whole && br.ok()) br.set_error(fail("audio object type ", type, " is not supported"));
    return 1024;
  }
  const bool frame_length_flag = br.flag("frameLengthFlag");
  uint32_t samples = frame_length_flag ? 960 : 1024;
  if (type == 23) samples = frame_length_flag ? 480 : 512;  // ER AAC LD
  if (!whole) return samples;
  if (br.flag("dependsOnCoreCoder")) br.bits(14, "coreCoderDelay");
  const bool extension_flag = br.flag("extensionFlag");
  if (channel_config == 0 && br.ok()) {
    br.set_error(fail("a program_config_element (channelConfiguration 0) is not supported"));
    return samples;
  }
  if (type == 6 || type == 20) br.bits(3, "layerNr");
  if (extension_flag) {
    if (type == 22) {
      br.bits(5, "numOfSubFrame");
      br.bits(11, "layer_length");
    }
    if (type == 17 || type == 19 || type == 20 || type == 23) br.bits(3, "resilience flags");
    br.flag("extensionFlag3");
  }
  if (type >= 17) {  // the error-resilient types among those above
    const uint32_t ep_config = br.bits(2, "epConfig");
    if (ep_config >= 2 && br.ok()) {
      br.set_error(
          fail("epConfig ", ep_config, " (ErrorProtectionSpecificConfig) is not supported"));
      return samples;
    }
  }
  // Backward-compatible SBR/PS signalling after the config, as ffmpeg's encoder writes it
  // ("56 e5 00": SBR absent); it is there only if the next 11 bits are the sync word.
  if (!hierarchical_sbr && br.ok() && br.bits_left() >= 16) {
    BitReader probe = br;
    if (probe.bits(11) == kSbrSyncExtension) {
      br = probe;
      const uint32_t extension_type = read_object_type(br);
      if (extension_type == 5) {
        if (br.flag("sbrPresentFlag")) skip_sampling_frequency(br, "extensionSamplingFrequency");
        if (br.ok() && br.bits_left() >= 12) {
          BitReader ps = br;
          if (ps.bits(11) == kPsSyncExtension) {
            br = ps;
            br.flag("psPresentFlag");
          }
        }
      } else if (extension_type == 22) {
        if (br.flag("sbrPresentFlag")) skip_sampling_frequency(br, "extensionSamplingFrequency");
        br.bits(4, "extensionChannelConfiguration");
      }
    }
  }
  return samples;
}

uint32_t frame_duration_for(ByteSpan asc, uint32_t clock_rate) {
  BitReader br(asc);
  uint32_t samples = walk_audio_specific_config(br, false);
  if (!br.ok()) samples = 1024;
  auto parsed = media::parse_audio_specific_config(asc);
  if (!parsed || clock_rate == 0 || parsed->sample_rate == 0) return samples;
  const uint64_t rate = parsed->sample_rate;
  return static_cast<uint32_t>((uint64_t{samples} * clock_rate + rate / 2) / rate);
}

SequenceStep check_sequence(std::optional<uint16_t>& last, uint16_t sequence,
                            AacDepacketizerStats& stats) {
  if (!last) {
    last = sequence;
    return SequenceStep::kNext;
  }
  const auto ahead = static_cast<uint16_t>(sequence - *last);
  if (ahead == 0 || (ahead >= 0x8000 && static_cast<uint16_t>(-ahead) <= kReorderWindow)) {
    ++stats.late_packets;
    return SequenceStep::kLate;
  }
  last = sequence;
  if (ahead == 1) return SequenceStep::kNext;
  if (ahead < 0x8000) stats.lost_packets += ahead - 1u;
  return SequenceStep::kGap;  // forward, or far back: a restarted sender
}

void PartialAccessUnit::drop(AacDepacketizerStats& stats) {
  if (active && !discarding) ++stats.dropped_access_units;
  active = false;
  discarding = false;
  data.clear();
}

void PartialAccessUnit::discard(AacDepacketizerStats& stats) {
  if (active && !discarding) ++stats.dropped_access_units;
  discarding = true;
  data.clear();
}

AacPacketizerOptions checked(AacPacketizerOptions o) {
  o.max_payload_bytes = std::max(o.max_payload_bytes, kMinPayloadBytes);
  // AU-headers-length counts bits in 16: at most 4095 16-bit AU headers.
  o.max_frames_per_packet = std::clamp<size_t>(o.max_frames_per_packet, 1, 4095);
  return o;
}

}  // namespace aac_detail

// ---- Parameters ------------------------------------------------------------------------------

Result<Mpeg4GenericParams> parse_mpeg4_generic_fmtp(const FmtpParams& params) {
  Mpeg4GenericParams p;
  Status s = read_number(params, "streamtype", 5, UINT32_MAX, p.stream_type);
  if (!s) return wrap("mpeg4-generic", s.error());
  if (p.stream_type != 5)
    return fail("mpeg4-generic: streamtype ", p.stream_type, " is not audio (5)");

  // RFC 3640 3.3.5 and 3.3.6 fix the AU-header layout of the two AAC modes. A missing mode
  // (the RFC requires one) leaves the layout to the length parameters, as ffmpeg reads it.
  uint32_t size = 0, index = 0, index_delta = 0;
  auto mode = find_param(params, "mode");
  p.mode = mode ? std::string(*mode) : "generic";
  if (iequals(p.mode, "AAC-hbr")) {
    size = 13, index = 3, index_delta = 3;
  } else if (iequals(p.mode, "AAC-lbr")) {
    size = 6, index = 2, index_delta = 2;
  } else if (iequals(p.mode, "CELP-cbr") || iequals(p.mode, "CELP-vbr")) {
    return fail("mpeg4-generic: mode=", p.mode, " carries CELP speech, not AAC");
  } else if (!iequals(p.mode, "generic")) {
    return fail("mpeg4-generic: mode=", p.mode, " is not supported (AAC-hbr, AAC-lbr, generic)");
  }
  uint32_t rai = 0;
  for (Status st : {
           read_number(params, "sizelength", size, kMaxFieldBits, p.size_length),
           read_number(params, "indexlength", index, kMaxFieldBits, p.index_length),
           read_number(params, "indexdeltalength", index_delta, kMaxFieldBits,
                       p.index_delta_length),
           read_number(params, "ctsdeltalength", 0, kMaxFieldBits, p.cts_delta_length),
           read_number(params, "dtsdeltalength", 0, kMaxFieldBits, p.dts_delta_length),
           read_number(params, "randomaccessindication", 0, 1, rai),
           read_number(params, "streamstateindication", 0, kMaxFieldBits,
                       p.stream_state_indication),
           read_number(params, "auxiliarydatasizelength", 0, kMaxFieldBits,
                       p.auxiliary_data_size_length),
           read_number(params, "constantsize", 0, UINT32_MAX, p.constant_size),
           read_number(params, "constantduration", 0, UINT32_MAX, p.constant_duration),
       }) {
    if (!st) return wrap("mpeg4-generic", st.error());
  }
  p.random_access_indication = rai != 0;

  auto config = find_param(params, "config");
  if (!config) return fail("mpeg4-generic: no config (the AudioSpecificConfig)");
  auto bytes = from_hex(*config);
  if (!bytes) return fail("mpeg4-generic: config=", *config, " is not hexadecimal bytes");
  auto asc = media::parse_audio_specific_config(*bytes);
  if (!asc) return wrap("mpeg4-generic: config", asc.error());
  p.config = std::move(*bytes);
  return p;
}

std::string mpeg4_generic_fmtp(ByteSpan asc) {
  return "streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; "
         "indexdeltalength=3; config=" +
         to_hex(asc);
}

// ---- mpeg4-generic depacketizer --------------------------------------------------------------

Mpeg4GenericDepacketizer::Mpeg4GenericDepacketizer(Mpeg4GenericParams params, uint32_t clock_rate,
                                                   AacDepacketizerLimits limits)
    : params_(std::move(params)), limits_(limits) {
  frame_duration_ = params_.constant_duration ? params_.constant_duration
                                              : frame_duration_for(params_.config, clock_rate);
}

void Mpeg4GenericDepacketizer::reset() {
  partial_.drop(stats_);
  last_sequence_.reset();
}

void Mpeg4GenericDepacketizer::emit(uint32_t timestamp, ByteSpan data,
                                    std::vector<AacAccessUnit>& out) {
  if (data.empty()) return;
  data = strip_adts(data);
  if (data.size() > limits_.max_au_bytes) {
    ++stats_.dropped_access_units;
    return;
  }
  out.push_back({timestamp, Bytes(data.begin(), data.end())});
  ++stats_.access_units;
}

Status Mpeg4GenericDepacketizer::push(const Packet& packet, std::vector<AacAccessUnit>& out) {
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
  Status s = params_.has_au_headers() ? push_payload(packet, out) : push_headerless(packet, out);
  if (!s) {
    ++stats_.malformed_packets;
    partial_.drop(stats_);
  }
  return s;
}

Status Mpeg4GenericDepacketizer::push_payload(const Packet& packet,
                                              std::vector<AacAccessUnit>& out) {
  // RFC 3640 3.2.1: AU-headers-length (16 bits, in bits), the AU headers padded to a byte.
  ByteReader r(packet.payload);
  const uint32_t headers_bits = r.u16();
  ByteSpan header_bytes = r.bytes((headers_bits + 7) / 8);
  if (!r.ok()) {
    return fail("mpeg4-generic: AU headers of ", headers_bits, " bits do not fit in a ",
                packet.payload.size(), "-byte payload");
  }
  BitReader br(header_bytes);
  std::vector<AuHeader> headers;
  while (br.position() < headers_bits) {
    if (headers.size() == limits_.max_aus_per_packet) {
      return fail("mpeg4-generic: over ", limits_.max_aus_per_packet, " AU headers in a packet");
    }
    const size_t start = br.position();
    AuHeader h;
    h.size = br.bits(static_cast<int>(params_.size_length), "AU-size");
    if (headers.empty()) {
      // AU-Index, a serial number that matters only with interleaving.
      br.bits(static_cast<int>(params_.index_length), "AU-Index");
    } else {
      h.index_delta = br.bits(static_cast<int>(params_.index_delta_length), "AU-Index-delta");
    }
    if (params_.cts_delta_length && br.flag("CTS-flag")) {
      h.cts_delta = sign_extend(br.bits(static_cast<int>(params_.cts_delta_length), "CTS-delta"),
                                params_.cts_delta_length);
    }
    if (params_.dts_delta_length && br.flag("DTS-flag")) {
      br.bits(static_cast<int>(params_.dts_delta_length), "DTS-delta");
    }
    if (params_.random_access_indication) br.flag("RAP-flag");
    br.bits(static_cast<int>(params_.stream_state_indication), "Stream-state");
    if (!br.ok()) return fail("mpeg4-generic: AU header ", headers.size() + 1, ": ", br.error());
    if (br.position() == start) {
      return fail("mpeg4-generic: AU headers after the first are empty in this layout");
    }
    headers.push_back(h);
  }
  if (br.position() != headers_bits) {
    return fail("mpeg4-generic: AU-headers-length of ", headers_bits,
                " bits ends inside an AU header");
  }
  auto data = skip_auxiliary_section(r.rest(), params_.auxiliary_data_size_length);
  if (!data) return data.error();
  if (headers.empty()) return {};

  for (const AuHeader& h : headers) {
    if (h.index_delta != 0) {
      return fail("mpeg4-generic: AU-Index-delta ", h.index_delta,
                  " (interleaving) is not supported");
    }
  }
  if (params_.size_length == 0) {
    // No AU-size: constantsize, or the one AU takes the rest of the payload.
    if (params_.constant_size == 0 && headers.size() > 1) {
      return fail("mpeg4-generic: ", headers.size(), " AUs without AU-size or constantsize");
    }
    for (AuHeader& h : headers)
      h.size = params_.constant_size ? params_.constant_size : static_cast<uint32_t>(data->size());
  } else if (headers.size() == 1 && headers[0].size > data->size()) {
    // 3.2.3: a fragment; the AU-size is the whole AU's.
    return push_fragment(packet, headers[0].size, *data, out);
  }
  uint64_t total = 0;
  for (const AuHeader& h : headers)
    total += h.size;
  if (total > data->size()) {
    return fail("mpeg4-generic: ", headers.size(), " AUs of ", total, " bytes in ", data->size(),
                " bytes of data");
  }
  partial_.drop(stats_);  // whole AUs: a fragmented one still being put together did not end
  size_t offset = 0;
  for (size_t i = 0; i < headers.size(); ++i) {
    const AuHeader& h = headers[i];
    // 3.2.1.1: CTS-delta places an AU against the RTP timestamp; without it, AUs follow on.
    const uint32_t timestamp = h.cts_delta && i > 0
                                   ? packet.timestamp + static_cast<uint32_t>(*h.cts_delta)
                                   : packet.timestamp + static_cast<uint32_t>(i) * frame_duration_;
    emit(timestamp, data->subspan(offset, h.size), out);
    offset += h.size;
  }
  return {};
}

Status Mpeg4GenericDepacketizer::push_fragment(const Packet& packet, uint32_t au_size,
                                               ByteSpan data, std::vector<AacAccessUnit>& out) {
  if (partial_.active && (packet.timestamp != partial_.timestamp || au_size != partial_size_)) {
    partial_.drop(stats_);  // another AU began before this one ended
  }
  if (!partial_.active) {
    partial_.active = true;
    partial_.timestamp = packet.timestamp;
    partial_size_ = au_size;
    partial_.data.clear();
    partial_.discarding = au_size > limits_.max_au_bytes;
    if (partial_.discarding) ++stats_.dropped_access_units;
  }
  if (!partial_.discarding) {
    if (partial_.data.size() + data.size() > au_size) {
      return fail("mpeg4-generic: fragments exceed their AU-size of ", au_size, " bytes");
    }
    partial_.data.insert(partial_.data.end(), data.begin(), data.end());
    if (partial_.data.size() == au_size) {
      emit(partial_.timestamp, partial_.data, out);
      partial_.active = false;
      partial_.data.clear();
      return {};
    }
  }
  // The marker ends the AU (RFC 3640 3.1): short of its size, a fragment was lost.
  if (packet.marker) partial_.drop(stats_);
  return {};
}

Status Mpeg4GenericDepacketizer::push_headerless(const Packet& packet,
                                                 std::vector<AacAccessUnit>& out) {
  auto data = skip_auxiliary_section(packet.payload, params_.auxiliary_data_size_length);
  if (!data) return data.error();
  const size_t constant = params_.constant_size;
  if (partial_.active && packet.timestamp != partial_.timestamp) partial_.drop(stats_);
  // 3.2.3 without AU headers: whole AUs of constantsize bytes, or one AU (or a part of it)
  // ended by the marker.
  if (!partial_.active && constant && !data->empty() && data->size() % constant == 0) {
    const size_t count = data->size() / constant;
    if (count > limits_.max_aus_per_packet) {
      return fail("mpeg4-generic: ", count, " AUs of constantsize ", constant, " in a packet");
    }
    for (size_t i = 0; i < count; ++i) {
      emit(packet.timestamp + static_cast<uint32_t>(i) * frame_duration_,
           data->subspan(i * constant, constant), out);
    }
    return {};
  }
  if (!partial_.active) {
    partial_.active = true;
    partial_.discarding = false;
    partial_.timestamp = packet.timestamp;
    partial_size_ = 0;
    partial_.data.clear();
  }
  const size_t bound = constant ? constant * limits_.max_aus_per_packet : limits_.max_au_bytes;
  if (!partial_.discarding) {
    if (partial_.data.size() + data->size() > bound) {
      partial_.discard(stats_);
    } else {
      partial_.data.insert(partial_.data.end(), data->begin(), data->end());
    }
  }
  if (!packet.marker) return {};
  const bool discarded = partial_.discarding;
  Bytes whole = std::move(partial_.data);
  partial_.data.clear();
  partial_.active = false;
  partial_.discarding = false;
  if (discarded || whole.empty()) return {};
  if (!constant) {
    emit(partial_.timestamp, whole, out);
    return {};
  }
  if (whole.size() % constant != 0) {
    ++stats_.dropped_access_units;
    return fail("mpeg4-generic: ", whole.size(), " bytes are not a multiple of constantsize ",
                constant);
  }
  for (size_t i = 0; i * constant < whole.size(); ++i) {
    emit(partial_.timestamp + static_cast<uint32_t>(i) * frame_duration_,
         ByteSpan(whole).subspan(i * constant, constant), out);
  }
  return {};
}

// ---- mpeg4-generic packetizer ----------------------------------------------------------------

Mpeg4GenericPacketizer::Mpeg4GenericPacketizer(AacPacketizerOptions options)
    : options_(checked(options)) {}

Status Mpeg4GenericPacketizer::push(ByteSpan frame, uint32_t timestamp,
                                    std::vector<AacRtpPayload>& out) {
  if (frame.empty()) return fail("mpeg4-generic: empty AAC frame");
  if (frame.size() > kMaxHbrAuSize) {
    return fail("mpeg4-generic: AAC frame of ", frame.size(),
                " bytes does not fit the 13-bit AU-size");
  }
  const size_t pending = pending_sizes_.size();
  if (pending > 0) {
    const bool follows =
        timestamp == pending_timestamp_ + static_cast<uint32_t>(pending) * options_.frame_duration;
    const size_t size = 2 + 2 * (pending + 1) + pending_data_.size() + frame.size();
    if (!follows || size > options_.max_payload_bytes) flush(out);
  }
  constexpr size_t kOneHeader = 4;  // AU-headers-length and one 16-bit AU header
  if (kOneHeader + frame.size() > options_.max_payload_bytes) {
    // RFC 3640 3.2.3: fragments, each with the AU header of the whole frame; the marker on
    // the last.
    const size_t room = options_.max_payload_bytes - kOneHeader;
    for (size_t offset = 0; offset < frame.size();) {
      const size_t n = std::min(room, frame.size() - offset);
      AacRtpPayload p;
      p.timestamp = timestamp;
      p.marker = offset + n == frame.size();
      ByteWriter w(p.payload);
      w.u16(16);
      w.u16(static_cast<uint16_t>(frame.size() << 3));
      w.bytes(frame.subspan(offset, n));
      out.push_back(std::move(p));
      offset += n;
    }
    return {};
  }
  if (pending_sizes_.empty()) pending_timestamp_ = timestamp;
  pending_sizes_.push_back(static_cast<uint16_t>(frame.size()));
  pending_data_.insert(pending_data_.end(), frame.begin(), frame.end());
  if (pending_sizes_.size() >= options_.max_frames_per_packet) flush(out);
  return {};
}

void Mpeg4GenericPacketizer::flush(std::vector<AacRtpPayload>& out) {
  if (pending_sizes_.empty()) return;
  AacRtpPayload p;
  p.timestamp = pending_timestamp_;
  p.marker = true;
  ByteWriter w(p.payload);
  w.u16(static_cast<uint16_t>(16 * pending_sizes_.size()));  // AU-headers-length, in bits
  for (uint16_t size : pending_sizes_)
    w.u16(static_cast<uint16_t>(size << 3));  // AU-size (13 bits), AU-Index(-delta) 0
  w.bytes(pending_data_);
  out.push_back(std::move(p));
  pending_sizes_.clear();
  pending_data_.clear();
}

}  // namespace firstmile::format::rtp
