#include "format/mpegts/ts_muxer.hpp"

#include <algorithm>
#include <cassert>

#include "format/mpegts/crc32.hpp"
#include "media/codec/h264.hpp"
#include "media/codec/h265.hpp"
#include "media/codec/nal.hpp"

namespace firstmile::format {

namespace {

constexpr uint8_t kStreamIdVideo = 0xE0;
constexpr uint8_t kStreamIdAudio = 0xC0;
constexpr uint64_t kTimestampMask = (uint64_t{1} << 33) - 1;
constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
// Access unit delimiters that open every video PES. H.264 (7.3.2.4): nal_unit_type 9,
// primary_pic_type 7 (any slice type) and the RBSP stop bit. H.265 (7.3.2.5): nal_unit_type 35,
// nuh_temporal_id_plus1 1, pic_type 2 (any slice type) and the stop bit.
constexpr uint8_t kAudH264[] = {0, 0, 0, 1, 0x09, 0xF0};
constexpr uint8_t kAudH265[] = {0, 0, 0, 1, 0x46, 0x01, 0x50};
// ADTS frame_length is a 13-bit field (ISO/IEC 13818-7 6.2.2).
constexpr size_t kMaxAdtsFrame = 8191;

// Two's-complement wrap instead of signed overflow: timestamps are peer-controlled values.
int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

void append(Bytes& out, ByteSpan s) {
  out.insert(out.end(), s.begin(), s.end());
}

// PTS/DTS field (2.4.3.7): 4-bit prefix, then the 33-bit value in pieces of 3, 15 and 15 bits,
// each followed by a marker bit.
void write_timestamp(Bytes& out, uint8_t prefix, int64_t ts) {
  const uint64_t v = static_cast<uint64_t>(ts) & kTimestampMask;
  out.push_back(static_cast<uint8_t>((prefix << 4) | (((v >> 30) & 0x07) << 1) | 1));
  out.push_back(static_cast<uint8_t>(v >> 22));
  out.push_back(static_cast<uint8_t>((((v >> 15) & 0x7F) << 1) | 1));
  out.push_back(static_cast<uint8_t>(v >> 7));
  out.push_back(static_cast<uint8_t>(((v & 0x7F) << 1) | 1));
}

// program_clock_reference (2.4.3.5): 33-bit base at 90 kHz, 6 reserved bits, 9-bit extension
// (the 27 MHz remainder, always 0 here since our clock is 90 kHz).
void write_pcr(Bytes& out, int64_t pcr) {
  const uint64_t base = static_cast<uint64_t>(pcr) & kTimestampMask;
  out.push_back(static_cast<uint8_t>(base >> 25));
  out.push_back(static_cast<uint8_t>(base >> 17));
  out.push_back(static_cast<uint8_t>(base >> 9));
  out.push_back(static_cast<uint8_t>(base >> 1));
  out.push_back(static_cast<uint8_t>(((base & 1) << 7) | 0x7E));
  out.push_back(0);
}

// PES header (2.4.3.6/2.4.3.7). data_alignment_indicator is set: every PES starts with an
// access unit delimiter or an ADTS sync word, which is alignment type 01 (Tables 2-53/2-54).
void write_pes_header(Bytes& out, uint8_t stream_id, size_t payload_size, bool bounded, int64_t pts,
                      int64_t dts) {
  const bool with_dts = pts != dts;
  const size_t header_data = with_dts ? 10 : 5;
  size_t length = 0;  // 0: unbounded, only allowed for video in a transport stream
  if (bounded) length = 3 + header_data + payload_size;
  assert(length <= 0xFFFF);
  ByteWriter w(out);
  w.bytes(ByteSpan(kStartCode + 1, 3));
  w.u8(stream_id);
  w.u16(static_cast<uint16_t>(length));
  w.u8(0x84);                    // '10', not scrambled, data_alignment_indicator
  w.u8(with_dts ? 0xC0 : 0x80);  // PTS_DTS_flags
  w.u8(static_cast<uint8_t>(header_data));
  write_timestamp(out, with_dts ? 3 : 2, pts);
  if (with_dts) write_timestamp(out, 1, dts);
}

struct PesOptions {
  bool random_access = false;
  bool discontinuity = false;
  int64_t pcr = -1;  // < 0: none
};

// Cuts a PES into TS packets. The first packet may carry an adaptation field with flags and
// PCR; the last one is filled up with adaptation-field stuffing (2.4.3.5: stuffing_byte), since
// PES payload cannot be padded. Continuity counts every packet with payload (2.4.3.3).
void packetize(uint16_t pid, uint8_t& cc, ByteSpan pes, const PesOptions& opt, Bytes& out) {
  size_t pos = 0;
  bool first = true;
  while (pos < pes.size()) {
    const size_t start = out.size();
    const bool pcr_here = first && opt.pcr >= 0;
    const bool flags_here = first && (opt.random_access || opt.discontinuity || pcr_here);
    // af_length: the adaptation_field_length value (bytes after the length byte).
    size_t af_length = flags_here ? 1 + (pcr_here ? 6 : 0) : 0;
    size_t af_total = flags_here ? 1 + af_length : 0;
    const size_t room = kTsPacketSize - 4 - af_total;
    const size_t payload = std::min(pes.size() - pos, room);
    const size_t stuffing = room - payload;
    if (stuffing > 0) {
      // Without flags, one byte of stuffing is an adaptation field of length 0.
      af_length = af_total == 0 ? stuffing - 1 : af_length + stuffing;
      af_total = af_length + 1;
    }
    out.push_back(kTsSyncByte);
    out.push_back(static_cast<uint8_t>((first ? 0x40 : 0) | (pid >> 8)));
    out.push_back(static_cast<uint8_t>(pid));
    out.push_back(static_cast<uint8_t>((af_total > 0 ? 0x30 : 0x10) | cc));
    cc = (cc + 1) & 0x0F;
    if (af_total > 0) {
      out.push_back(static_cast<uint8_t>(af_length));
      if (af_length > 0) {
        out.push_back(static_cast<uint8_t>((opt.discontinuity && first ? 0x80 : 0) |
                                           (opt.random_access && first ? 0x40 : 0) |
                                           (pcr_here ? 0x10 : 0)));
        if (pcr_here) write_pcr(out, opt.pcr);
        out.insert(out.end(), start + 5 + af_length - out.size(), 0xFF);
      }
    }
    append(out, pes.subspan(pos, payload));
    pos += payload;
    first = false;
    assert(out.size() - start == kTsPacketSize);
  }
}

}  // namespace

TsMuxer::TsMuxer(const media::Tracks& tracks) {
  configure(tracks);
}

void TsMuxer::set_tracks(const media::Tracks& tracks) {
  Bytes old_pmt;
  build_pmt_section(old_pmt);
  configure(tracks);
  // 2.4.4.9: version_number changes whenever the definition of the program changes.
  Bytes new_pmt;
  build_pmt_section(new_pmt);
  if (old_pmt != new_pmt) pmt_version_ = (pmt_version_ + 1) & 0x1F;
}

void TsMuxer::configure(const media::Tracks& tracks) {
  video_type_ = 0;
  audio_type_ = 0;
  video_codec_ = media::Codec::Unknown;
  video_params_.clear();
  audio_config_ok_ = false;

  // Parameter sets are inserted in front of keyframes that lack them, so that every segment
  // decodes on its own. A config that does not parse still leaves the stream usable when the
  // frames carry their parameter sets in band.
  auto add_params = [this](const std::vector<Bytes>& nals) {
    for (const Bytes& nal : nals) {
      if (nal.empty()) continue;
      append(video_params_, kStartCode);
      append(video_params_, nal);
    }
  };
  if (tracks.video) {
    const media::TrackInfo& v = *tracks.video;
    if (v.codec == media::Codec::H264) {
      video_type_ = kStreamTypeH264;
      if (auto avc = media::parse_avcc(v.config.span()); avc.ok()) {
        add_params(avc->sps);
        add_params(avc->pps);
      }
    } else if (v.codec == media::Codec::H265) {
      video_type_ = kStreamTypeH265;
      if (auto hevc = media::parse_hvcc(v.config.span()); hevc.ok()) {
        add_params(hevc->vps);
        add_params(hevc->sps);
        add_params(hevc->pps);
      }
    }
    if (video_type_ != 0) video_codec_ = v.codec;
  }
  // ADTS headers need the AudioSpecificConfig, so AAC without one cannot be carried.
  if (tracks.audio && tracks.audio->codec == media::Codec::AAC) {
    if (auto asc = media::parse_audio_specific_config(tracks.audio->config.span()); asc.ok()) {
      audio_config_ = *asc;
      audio_config_ok_ = true;
      audio_type_ = kStreamTypeAdtsAac;
    }
  }
}

uint16_t TsMuxer::pcr_pid() const {
  if (has_video()) return kVideoPid;
  if (has_audio()) return kAudioPid;
  return kNullPid;  // 2.4.4.9: no PCR in this program
}

void TsMuxer::build_pmt_section(Bytes& out) const {
  ByteWriter w(out);
  const size_t start = out.size();
  w.u8(0x02);     // table_id: TS_program_map_section
  w.u16(0xB000);  // section_syntax_indicator, '0', reserved; section_length patched below
  w.u16(kProgramNumber);
  w.u8(static_cast<uint8_t>(0xC1 | (pmt_version_ << 1)));  // reserved, version, current_next
  w.u8(0);                                                 // section_number
  w.u8(0);                                                 // last_section_number
  w.u16(static_cast<uint16_t>(0xE000 | pcr_pid()));
  w.u16(0xF000);  // program_info_length 0
  if (video_type_ != 0) {
    w.u8(video_type_);
    w.u16(0xE000 | kVideoPid);
    if (video_type_ == kStreamTypeH265) {
      // registration_descriptor (2.6.8) with format_identifier "HEVC", as ffmpeg writes it:
      // older demuxers identify HEVC by it.
      w.u16(0xF006);
      w.u8(0x05);
      w.u8(4);
      w.bytes(std::string_view("HEVC"));
    } else {
      w.u16(0xF000);
    }
  }
  if (audio_type_ != 0) {
    w.u8(audio_type_);
    w.u16(0xE000 | kAudioPid);
    w.u16(0xF000);
  }
  // section_length counts the bytes after it, CRC_32 included.
  const size_t section_length = out.size() - start - 3 + 4;
  w.patch(start + 1, 0xB000 | section_length, 2);
  w.u32(crc32_mpeg2(ByteSpan(out).subspan(start)));
}

void TsMuxer::write_section(uint16_t pid, uint8_t& cc, ByteSpan section, Bytes& out) {
  // PSI sections here are short enough for one packet: pointer_field 0, the section, then
  // 0xFF stuffing, which 2.4.4 allows after the end of a section.
  assert(section.size() <= kTsPacketSize - 5);
  const size_t start = out.size();
  out.push_back(kTsSyncByte);
  out.push_back(static_cast<uint8_t>(0x40 | (pid >> 8)));
  out.push_back(static_cast<uint8_t>(pid));
  out.push_back(static_cast<uint8_t>(0x10 | cc));
  cc = (cc + 1) & 0x0F;
  out.push_back(0);  // pointer_field
  append(out, section);
  out.insert(out.end(), start + kTsPacketSize - out.size(), 0xFF);
}

void TsMuxer::write_tables(Bytes& out) {
  Bytes section;
  ByteWriter w(section);
  w.u8(0x00);     // table_id: program_association_section
  w.u16(0xB00D);  // section_syntax_indicator, '0', reserved, section_length 13
  w.u16(kTransportStreamId);
  w.u8(0xC1);  // reserved, version 0, current_next_indicator
  w.u8(0);
  w.u8(0);
  w.u16(kProgramNumber);
  w.u16(0xE000 | kPmtPid);
  w.u32(crc32_mpeg2(section));
  write_section(kPatPid, cc_pat_, section, out);

  section.clear();
  build_pmt_section(section);
  write_section(kPmtPid, cc_pmt_, section, out);
}

void TsMuxer::mark_discontinuity() {
  pcr_discontinuity_ = true;
  last_pcr_ = -1;
}

int64_t TsMuxer::next_pcr(int64_t dts) {
  // Never negative, and never backwards within one time base: an audio-driven PCR may already
  // have gone past a video DTS minus the lead.
  int64_t pcr = std::max<int64_t>(wrapping_add(dts, -kPcrLead), 0);
  if (last_pcr_ >= 0 && pcr < last_pcr_) pcr = last_pcr_;
  last_pcr_ = pcr;
  return pcr;
}

void TsMuxer::write_pcr_only(int64_t pcr, Bytes& out) {
  // An adaptation-field-only packet on the PCR PID (adaptation_field_control '10'). Its
  // continuity_counter repeats the previous packet's value: 2.4.3.3 says the counter is not
  // incremented for packets without payload.
  const uint16_t pid = pcr_pid();
  uint8_t& cc = pid == kVideoPid ? cc_video_ : cc_audio_;
  out.push_back(kTsSyncByte);
  out.push_back(static_cast<uint8_t>(pid >> 8));
  out.push_back(static_cast<uint8_t>(pid));
  out.push_back(static_cast<uint8_t>(0x20 | ((cc + 15) & 0x0F)));
  out.push_back(183);
  out.push_back(static_cast<uint8_t>((pcr_discontinuity_ ? 0x80 : 0) | 0x10));
  write_pcr(out, pcr);
  out.insert(out.end(), kTsPacketSize - 12, 0xFF);
  pcr_discontinuity_ = false;
}

Status TsMuxer::build_video_pes(const media::Frame& frame, Bytes& pes) const {
  const bool hevc = video_codec_ == media::Codec::H265;
  auto type_of = [hevc](uint8_t b) {
    return hevc ? media::h265::nal_type(b) : media::h264::nal_type(b);
  };

  // First pass: validate the whole payload before writing anything, and see which parameter
  // sets it already carries.
  bool vps = false, sps = false, pps = false;
  size_t nals = 0;
  const bool well_formed = media::for_each_nal_avcc(frame.payload.span(), [&](ByteSpan nal) {
    if (nal.empty()) return;
    ++nals;
    const uint8_t t = type_of(nal[0]);
    if (hevc) {
      vps |= t == media::h265::kVps;
      sps |= t == media::h265::kSps;
      pps |= t == media::h265::kPps;
    } else {
      sps |= t == media::h264::kSps;
      pps |= t == media::h264::kPps;
    }
  });
  if (!well_formed) return fail("malformed length-prefixed NAL units");
  if (nals == 0) return fail("video frame without NAL units");
  const bool has_params = sps && pps && (vps || !hevc);

  int64_t dts = wrapping_add(frame.dts, kTimestampOffset);
  // A PTS before its DTS is invalid in a PES (2.7.5); carry the DTS as PTS rather than refuse.
  int64_t pts = frame.pts < frame.dts ? dts : wrapping_add(frame.pts, kTimestampOffset);
  write_pes_header(pes, kStreamIdVideo, 0, false, pts, dts);
  if (hevc) {
    append(pes, kAudH265);
  } else {
    append(pes, kAudH264);
  }
  if (frame.keyframe && !has_params) append(pes, video_params_);
  const uint8_t aud = hevc ? uint8_t{media::h265::kAud} : uint8_t{media::h264::kAud};
  (void)media::for_each_nal_avcc(frame.payload.span(), [&](ByteSpan nal) {
    // Our own delimiter opens the access unit; a second one would start an empty one.
    if (nal.empty() || type_of(nal[0]) == aud) return;
    append(pes, kStartCode);
    append(pes, nal);
  });
  return {};
}

Status TsMuxer::build_audio_pes(const media::Frame& frame, Bytes& pes) const {
  const size_t size = frame.payload.size();
  if (size == 0) return fail("empty audio frame");
  if (size + media::kAdtsHeaderSize > kMaxAdtsFrame) {
    return fail("aac frame of ", size, " bytes too large for ADTS");
  }
  int64_t dts = wrapping_add(frame.dts, kTimestampOffset);
  int64_t pts = frame.pts < frame.dts ? dts : wrapping_add(frame.pts, kTimestampOffset);
  write_pes_header(pes, kStreamIdAudio, media::kAdtsHeaderSize + size, true, pts, dts);
  media::write_adts_header(pes, audio_config_, size);
  append(pes, frame.payload.span());
  return {};
}

Status TsMuxer::write_frame(const media::Frame& frame, Bytes& out) {
  const bool video = frame.kind == media::MediaKind::Video;
  if (video && !has_video()) return fail("no video stream in the program");
  if (!video && !has_audio()) return fail("no audio stream in the program");
  const media::Codec expected = video ? video_codec_ : media::Codec::AAC;
  if (frame.codec != expected) {
    return fail("frame codec ", media::codec_name(frame.codec), " does not match track codec ",
                media::codec_name(expected));
  }

  pes_.clear();
  Status built = video ? build_video_pes(frame, pes_) : build_audio_pes(frame, pes_);
  if (!built.ok()) return built;

  if (frame.discontinuity) mark_discontinuity();
  const uint16_t pid = video ? kVideoPid : kAudioPid;
  const int64_t dts = wrapping_add(frame.dts, kTimestampOffset);
  PesOptions opt;
  // Every video keyframe is a random access point; every AAC frame decodes on its own.
  opt.random_access = video ? frame.keyframe : true;
  if (pid == pcr_pid()) {
    opt.pcr = next_pcr(dts);
    opt.discontinuity = pcr_discontinuity_;
    pcr_discontinuity_ = false;
  } else if (pcr_pid() != kNullPid) {
    // Keep PCRs within 100 ms while only the other elementary stream is flowing.
    const int64_t candidate = std::max<int64_t>(wrapping_add(dts, -kPcrLead), 0);
    if (last_pcr_ < 0 || candidate - last_pcr_ >= kMaxPcrInterval) {
      write_pcr_only(next_pcr(dts), out);
    }
  }
  packetize(pid, video ? cc_video_ : cc_audio_, pes_, opt, out);
  return {};
}

}  // namespace firstmile::format
