// TsDemuxer, input side: packets, program tables (PAT/PMT) and PES reassembly. The access
// units and what goes out (tracks, frames) are in ts_demuxer_frames.cpp.
#include "format/mpegts/ts_demuxer.hpp"

#include <algorithm>

#include "format/mpegts/pes.hpp"

namespace firstmile::format {

namespace {

// A step of the program clock larger than this (either way) starts a new timeline. Audio and
// video PES of one program interleave within about a second (ffmpeg's max_delay is 0.7 s), so
// this leaves room for that and for a short loss of packets.
constexpr int64_t kJumpTicks = 5 * media::kTimeBase;
// PTS - DTS beyond this is not a reordering delay but a broken header; the DTS is used.
constexpr int64_t kMaxPtsOffset = kJumpTicks;
// 2.4.3.3 / Table 2-2: PIDs 0x0001-0x000F are reserved or carry other tables, 0x1FFF is null.
constexpr uint16_t kFirstEsPid = 0x0010;
constexpr uint16_t kNullTsPid = 0x1FFF;
// 2.4.4.4 Table 2-34 and the registration ffmpeg writes for Opus (format_identifier "Opus").
constexpr uint8_t kStreamTypePrivatePes = 0x06;
constexpr uint32_t kRegistrationOpus = fourcc("Opus");

media::Codec codec_for(const PmtStream& s) {
  switch (s.stream_type) {
    case kStreamTypeH264:
      return media::Codec::H264;
    case kStreamTypeH265:
      return media::Codec::H265;
    case kStreamTypeAdtsAac:
      return media::Codec::AAC;
    case kStreamTypePrivatePes:
      if (s.registration == kRegistrationOpus) return media::Codec::Opus;
      return media::Codec::Unknown;
    default:
      return media::Codec::Unknown;
  }
}

int opus_code(const PmtStream& s) {
  return s.opus_channel_config < 0 ? 2 : s.opus_channel_config;
}

size_t kind_index(media::MediaKind kind) {
  return kind == media::MediaKind::Video ? 0 : 1;
}

bool all_stuffing(ByteSpan bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0xFF; });
}

}  // namespace

TsDemuxer::TsDemuxer(TsDemuxerLimits limits) : limits_(limits), clock_(33, kJumpTicks) {}

size_t TsDemuxer::tracked_pids() const {
  return 1 + (pmt_pid_ != kNoPid ? 1 : 0) + streams_.size();
}

// ---------------------------------------------------------------------------------------------
// Packets.

void TsDemuxer::feed(ByteSpan data) {
  reader_.feed(data, [this](ByteSpan packet) { handle_packet(packet); });
  stats_.sync_errors = reader_.sync_errors();
}

void TsDemuxer::flush() {
  reader_.flush([this](ByteSpan packet) { handle_packet(packet); });
  for (Stream& s : streams_) {
    if (s.in_pes) finish_pes(s);
  }
  if (!announced_ && !pending_.empty()) announce();
}

TsDemuxer::Stream* TsDemuxer::stream_for(uint16_t pid) {
  for (Stream& s : streams_) {
    if (s.pid == pid) return &s;
  }
  return nullptr;
}

bool TsDemuxer::check_continuity(int& last_cc, uint8_t cc, bool discontinuity, bool& lost) {
  // 2.4.3.3: continuity_counter increments with each packet with payload of a PID. The
  // discontinuity_indicator (2.4.3.5) allows a jump. One duplicate packet (same counter) may
  // follow a packet and is discarded.
  if (last_cc < 0 || discontinuity) {
    last_cc = cc;
    return true;
  }
  if (cc == last_cc) return false;
  if (cc != ((last_cc + 1) & 0x0F)) {
    lost = true;
    ++stats_.cc_errors;
  }
  last_cc = cc;
  return true;
}

void TsDemuxer::handle_packet(ByteSpan p) {
  ++stats_.packets;
  // Transport packet header (2.4.3.2).
  const bool error = (p[1] & 0x80) != 0;
  const bool unit_start = (p[1] & 0x40) != 0;
  const uint16_t pid = static_cast<uint16_t>((p[1] & 0x1F) << 8 | p[2]);
  const uint8_t scrambling = p[3] >> 6;
  const uint8_t afc = (p[3] >> 4) & 0x03;
  const uint8_t cc = p[3] & 0x0F;

  // A packet with uncorrectable errors may have any PID: it is dropped before it touches
  // state, and the gap it leaves on its real PID is found by the continuity check.
  if (error) {
    ++stats_.packet_errors;
    return;
  }
  if (pid == kNullTsPid) return;
  Stream* s = stream_for(pid);
  const bool is_pat = pid == kPatPid;
  const bool is_pmt = pmt_pid_ != kNoPid && pid == pmt_pid_;
  const bool is_pcr = pcr_pid_ != kNoPid && pid == pcr_pid_;
  // Only the PIDs in use have state: a flood of other PIDs costs nothing.
  if (!s && !is_pat && !is_pmt && !is_pcr) return;
  if (afc == 0) {  // reserved: "decoders shall discard" the packet
    ++stats_.packet_errors;
    return;
  }

  size_t offset = 4;
  bool discontinuity = false;
  if (afc & 0x2) {
    // adaptation_field (2.4.3.4): 0..182 bytes with payload, 183 without.
    const size_t length = p[4];
    if (length > (afc == 0x3 ? 182u : 183u)) {
      ++stats_.packet_errors;
      return;
    }
    if (length > 0) {
      const uint8_t flags = p[5];
      discontinuity = (flags & 0x80) != 0;
      // The PCR only drives a decoder clock; ingest re-times from PTS/DTS, so it is counted.
      if ((flags & 0x10) && is_pcr && length >= 7) ++stats_.pcrs;
    }
    offset = 5 + length;
  }
  if (!(afc & 0x1)) return;  // no payload: the continuity counter does not advance
  const ByteSpan payload = p.subspan(offset);

  bool lost = false;
  if (is_pat) {
    if (!check_continuity(pat_cc_, cc, discontinuity, lost)) return;
    if (lost) pat_sections_.reset();
    if (!pat_sections_.feed(payload, unit_start, [this](ByteSpan sec) { handle_pat(sec); })) {
      ++stats_.psi_errors;
    }
  } else if (is_pmt) {
    if (!check_continuity(pmt_cc_, cc, discontinuity, lost)) return;
    if (lost) pmt_sections_.reset();
    if (!pmt_sections_.feed(payload, unit_start, [this](ByteSpan sec) { handle_pmt(sec); })) {
      ++stats_.psi_errors;
    }
  } else if (s) {
    if (!check_continuity(s->cc, cc, discontinuity, lost)) return;
    if (scrambling != 0) {  // 2.4.3.3 Table 2-4: scrambled payload is of no use here
      ++stats_.packet_errors;
      lost = true;
    }
    if (lost) pes_lost(*s);
    if (scrambling == 0) handle_pes_payload(*s, payload, unit_start);
  }
}

// ---------------------------------------------------------------------------------------------
// Program tables.

void TsDemuxer::handle_pat(ByteSpan section) {
  auto pat = parse_pat(section, limits_.max_programs);
  if (!pat) {
    ++stats_.psi_errors;
    return;
  }
  if (!pat->current) return;  // 2.4.4.5: not yet applicable
  // The first program, skipping the network_PID entry (program_number 0).
  const PatEntry* first = nullptr;
  for (const PatEntry& e : pat->programs) {
    if (e.program_number != 0) {
      first = &e;
      break;
    }
  }
  if (!first) return;
  // A multi-section PAT: section 0 decides once a program is chosen.
  if (pmt_pid_ != kNoPid && pat->section_number != 0) return;
  if (first->pid == pmt_pid_ && first->program_number == program_number_) return;
  // A different program map (2.4.4.3): its streams are not those of the old one.
  if (have_pmt_) ++stats_.pmt_changes;
  program_number_ = first->program_number;
  reset_program(first->pid);
}

void TsDemuxer::reset_program(uint16_t pmt_pid) {
  reset_streams();
  have_pmt_ = false;
  pmt_pid_ = pmt_pid;
  pmt_cc_ = -1;
  pmt_sections_.reset();
  pmt_streams_.clear();
  pcr_pid_ = kNoPid;
}

void TsDemuxer::reset_streams() {
  // Frames already complete are not lost to a program change: they go out under the tracks
  // they belong to.
  for (Stream& s : streams_) {
    if (s.in_pes) ++stats_.dropped_frames;
  }
  if (!announced_ && !pending_.empty()) announce();
  streams_.clear();
  announced_ = false;
  tracks_dirty_ = false;
  wait_start_.reset();
}

void TsDemuxer::handle_pmt(ByteSpan section) {
  auto pmt = parse_pmt(section, limits_.max_pids);
  if (!pmt) {
    ++stats_.psi_errors;
    return;
  }
  // 2.4.4.8: the PID may carry the maps of other programs too.
  if (!pmt->current || pmt->program_number != program_number_) return;
  pcr_pid_ = pmt->pcr_pid == kNullTsPid ? kNoPid : pmt->pcr_pid;

  // The first video and the first audio stream of a supported codec.
  std::vector<PmtStream> chosen;
  bool video = false, audio = false;
  for (const PmtStream& ps : pmt->streams) {
    const media::Codec codec = codec_for(ps);
    if (codec == media::Codec::Unknown) continue;
    if (ps.pid < kFirstEsPid || ps.pid >= kNullTsPid || ps.pid == pmt_pid_) continue;
    // Without the Opus descriptor, stereo: what ffmpeg assumes too.
    if (codec == media::Codec::Opus && build_opus_head(opus_code(ps)).empty()) continue;
    bool& taken = media::codec_kind(codec) == media::MediaKind::Video ? video : audio;
    if (taken) continue;
    if (!chosen.empty() && chosen.front().pid == ps.pid) continue;
    taken = true;
    chosen.push_back(ps);
  }
  // 2.4.4.9: version_number changes with the program definition. A repeat is ignored; a new
  // version, or the same version with other streams (an encoder restart), starts over.
  if (have_pmt_ && pmt->version == pmt_version_ && chosen == pmt_streams_) return;
  if (have_pmt_) ++stats_.pmt_changes;
  reset_streams();
  have_pmt_ = true;
  pmt_version_ = pmt->version;
  pmt_streams_ = chosen;
  for (const PmtStream& ps : chosen) {
    Stream s;
    s.pid = ps.pid;
    s.codec = codec_for(ps);
    s.kind = media::codec_kind(s.codec);
    s.need_keyframe = s.kind == media::MediaKind::Video;
    streams_.push_back(std::move(s));
    if (streams_.back().codec == media::Codec::Opus) {
      set_config(streams_.back(), Buffer::adopt(build_opus_head(opus_code(ps))));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PES reassembly (2.4.3.6).

void TsDemuxer::drop_frame(Stream& s) {
  // Video waits for a keyframe after a lost access unit: the frames after it reference it, and
  // a decoder would show garbage until the next random access point.
  ++stats_.dropped_frames;
  if (s.kind == media::MediaKind::Video) s.need_keyframe = true;
}

void TsDemuxer::pes_lost(Stream& s) {
  // The damaged PES is dropped whole. Even with no PES in progress the lost packet may have
  // started one, so video waits for a keyframe either way.
  if (s.in_pes) {
    drop_frame(s);
  } else if (s.kind == media::MediaKind::Video) {
    s.need_keyframe = true;
  }
  s.in_pes = false;
  s.completed = false;
  s.pes.clear();
}

void TsDemuxer::handle_pes_payload(Stream& s, ByteSpan payload, bool unit_start) {
  if (unit_start) {
    // A new PES ends the previous one: the only end a PES_packet_length of 0 has.
    if (s.in_pes) finish_pes(s);
    s.pes.clear();
    s.in_pes = true;
    s.completed = false;
  } else if (!s.in_pes) {
    // Payload after a PES that ended at its PES_packet_length: that length was short.
    if (s.completed) {
      ++stats_.pes_errors;
      s.completed = false;
    }
    return;  // otherwise waiting for the start of the next PES after a loss
  }
  if (payload.size() > limits_.max_pes_bytes - std::min(s.pes.size(), limits_.max_pes_bytes)) {
    ++stats_.pes_errors;
    pes_lost(s);
    return;
  }
  s.pes.insert(s.pes.end(), payload.begin(), payload.end());
  if (s.pes.size() < kPesStartSize) return;
  if (s.pes[0] != 0 || s.pes[1] != 0 || s.pes[2] != 1) {
    ++stats_.pes_errors;
    pes_lost(s);
    return;
  }
  const size_t length = static_cast<size_t>(s.pes[4]) << 8 | s.pes[5];
  if (length == 0) return;  // unbounded (video): ends at the next unit start
  const size_t total = kPesStartSize + length;
  if (s.pes.size() < total) return;
  // Muxers end a bounded PES at the end of a packet, stuffing in the adaptation field
  // (2.4.3.5). Data past the declared end means the length lies; 0xFF padding is tolerated.
  if (!all_stuffing(ByteSpan(s.pes).subspan(total))) {
    ++stats_.pes_errors;
    pes_lost(s);
    return;
  }
  s.pes.resize(total);
  finish_pes(s);
  s.completed = true;
}

void TsDemuxer::finish_pes(Stream& s) {
  s.in_pes = false;
  Bytes& pes = s.pes;
  bool cut_short = false;
  if (pes.size() >= kPesStartSize) {
    const size_t length = static_cast<size_t>(pes[4]) << 8 | pes[5];
    // Cut short by the next unit start: a lying length, or a packet lost without a
    // continuity gap (all 16 counter values skipped).
    cut_short = length != 0 && pes.size() < kPesStartSize + length;
  }
  if (cut_short) {
    ++stats_.pes_errors;
    drop_frame(s);
  } else {
    process_pes(s, pes);
  }
  pes.clear();  // video keeps the capacity for the next access unit
}

void TsDemuxer::process_pes(Stream& s, Bytes& pes) {
  auto refuse = [&] {
    ++stats_.pes_errors;
    drop_frame(s);
  };
  auto h = parse_pes_header(pes);
  if (!h) return refuse();
  if (h->payload_offset >= pes.size()) return;  // no payload: nothing to do
  int64_t dts = 0, pts = 0;
  if (!timestamps(s, h->pts, h->dts, dts, pts)) return refuse();
  if (s.kind == media::MediaKind::Video) {
    process_video(s, ByteSpan(pes).subspan(h->payload_offset), dts, pts);
    return;
  }
  // Audio frames are slices of the PES: the frames of one PES share its bytes.
  const Buffer buffer = Buffer::adopt(std::move(pes));
  pes = Bytes();
  if (s.codec == media::Codec::AAC) {
    process_aac(s, buffer, h->payload_offset, pts);
  } else {
    process_opus(s, buffer, h->payload_offset, pts);
  }
}

bool TsDemuxer::timestamps(Stream& s, const std::optional<uint64_t>& pts,
                           const std::optional<uint64_t>& dts, int64_t& out_dts, int64_t& out_pts) {
  if (!pts) {
    // 2.7.4 lets a PES go without a PTS (at most 0.7 s between them): continue the stream's
    // own timeline.
    int64_t& last = last_dts_[kind_index(s.kind)];
    if (s.kind == media::MediaKind::Video) {
      if (last == INT64_MIN || s.last_step <= 0) return false;
      out_dts = out_pts = last + s.last_step;
      last = out_dts;
      return true;
    }
    if (!s.next_pts) return false;
    out_dts = out_pts = *s.next_pts;
    return true;
  }
  // 2.7.5: without a DTS, the DTS equals the PTS.
  const uint64_t wire_dts = dts ? *dts : *pts;
  const auto unwrapped = clock_.unwrap(wire_dts);
  out_dts = unwrapped.value;
  int64_t offset = static_cast<int64_t>((*pts - wire_dts) & (kTimestampModulus - 1));
  if (offset >= static_cast<int64_t>(kTimestampModulus / 2)) {
    offset -= static_cast<int64_t>(kTimestampModulus);
  }
  // pts >= dts always holds for hub frames; a negative or absurd offset is a broken header.
  if (offset < 0 || offset > kMaxPtsOffset) offset = 0;
  out_pts = out_dts + offset;

  // Per kind rather than per stream, so that a program change does not hide a step back.
  int64_t& last = last_dts_[kind_index(s.kind)];
  const bool backwards = last != INT64_MIN && out_dts < last;
  if (unwrapped.discontinuity || backwards) {
    // One new timeline for the whole program: flag the next frame that goes out (the hub
    // rebases both tracks on it) and forget the other kind's position, so that its first
    // frame on the new timeline does not count as a second jump.
    discontinuity_pending_ = true;
    last_dts_.fill(INT64_MIN);
    for (Stream& other : streams_)
      other.next_pts.reset();
  }
  if (last != INT64_MIN && out_dts > last) s.last_step = out_dts - last;
  last = out_dts;
  return true;
}

}  // namespace firstmile::format
