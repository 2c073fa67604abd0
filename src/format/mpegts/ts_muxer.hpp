#pragma once
// MPEG-2 transport stream muxer (ISO/IEC 13818-1) for HLS segments: one program carrying at
// most one video track (H.264 or H.265) and one audio track (AAC in ADTS). It turns hub frames
// into complete 188-byte TS packets; the caller decides where segments begin and calls
// write_tables() there. Continuity counters live in the muxer, so they run on across segments.
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/codec/aac.hpp"
#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::format {

constexpr size_t kTsPacketSize = 188;
constexpr uint8_t kTsSyncByte = 0x47;

// PIDs and ids as ffmpeg's mpegts muxer assigns them by default, so that our tables match the
// ones every tool in the field already accepts.
constexpr uint16_t kPatPid = 0x0000;
constexpr uint16_t kPmtPid = 0x1000;
constexpr uint16_t kVideoPid = 0x0100;
constexpr uint16_t kAudioPid = 0x0101;
constexpr uint16_t kNullPid = 0x1FFF;
constexpr uint16_t kProgramNumber = 1;
constexpr uint16_t kTransportStreamId = 1;

// stream_type values (ISO/IEC 13818-1 Table 2-34).
constexpr uint8_t kStreamTypeAdtsAac = 0x0F;
constexpr uint8_t kStreamTypeH264 = 0x1B;
constexpr uint8_t kStreamTypeH265 = 0x24;

// Timestamps on the wire are the frame's 90 kHz dts/pts plus kTimestampOffset, modulo 2^33.
// The PCR runs kPcrLead behind the DTS it accompanies: that is the time the T-STD model gives
// a PES to arrive before it is decoded, and it must also cover how far an encoder interleaves
// audio behind video (0.7 s is the value of ffmpeg's max_delay and nginx-rtmp, so its
// behaviour is known in the field). The offset must be at least kPcrLead so that a stream
// starting at dts 0 never needs a negative PCR; the remaining 0.3 s absorbs streams that start
// slightly negative (B-frame reordering delay, audio priming).
constexpr int64_t kTimestampOffset = 90000;  // 1 s
constexpr int64_t kPcrLead = 63000;          // 0.7 s
// ISO/IEC 13818-1 2.7.2: PCRs at most 0.1 s apart.
constexpr int64_t kMaxPcrInterval = 9000;

class TsMuxer {
 public:
  // Video H.264/H.265 goes in the program even without a usable avcC/hvcC (then the frames
  // must carry their parameter sets); AAC only with a parseable AudioSpecificConfig, which
  // ADTS needs. Other codecs are left out. Frames are in the canonical form of frame.hpp
  // (4-byte NAL lengths, raw AAC).
  explicit TsMuxer(const media::Tracks& tracks);

  // Replaces the tracks (a reconnect, or new codec parameters) while the continuity counters
  // run on. The PMT version_number is bumped when the table's content changes.
  void set_tracks(const media::Tracks& tracks);

  // Appends one PAT and one PMT packet (every HLS segment starts with them).
  void write_tables(Bytes& out);

  // Appends the frame as one PES in complete TS packets. On error nothing is appended: the
  // frame's track is not in the program, its codec is not supported, or its payload is
  // malformed or empty.
  Status write_frame(const media::Frame& frame, Bytes& out);

  // The next PCR starts a new time base: it is written with discontinuity_indicator = 1 and
  // may go backwards (2.4.3.5). write_frame() does this itself for frames with
  // `discontinuity` set.
  void mark_discontinuity();

  bool has_video() const { return video_type_ != 0; }
  bool has_audio() const { return audio_type_ != 0; }
  uint16_t pcr_pid() const;
  uint8_t pmt_version() const { return pmt_version_; }

 private:
  void configure(const media::Tracks& tracks);
  void build_pmt_section(Bytes& out) const;
  void write_section(uint16_t pid, uint8_t& cc, ByteSpan section, Bytes& out);
  Status build_video_pes(const media::Frame& frame, Bytes& pes) const;
  Status build_audio_pes(const media::Frame& frame, Bytes& pes) const;
  // The PCR for a frame at `dts` (unwrapped 90 kHz ticks, offset applied), kept monotonic.
  int64_t next_pcr(int64_t dts);
  void write_pcr_only(int64_t pcr, Bytes& out);

  uint8_t video_type_ = 0;  // stream_type, 0 = no video stream in the program
  uint8_t audio_type_ = 0;
  media::Codec video_codec_ = media::Codec::Unknown;
  Bytes video_params_;  // parameter sets from avcC/hvcC in Annex-B form
  bool audio_config_ok_ = false;
  media::AudioSpecificConfig audio_config_;

  uint8_t pmt_version_ = 0;
  uint8_t cc_pat_ = 0;
  uint8_t cc_pmt_ = 0;
  uint8_t cc_video_ = 0;
  uint8_t cc_audio_ = 0;
  int64_t last_pcr_ = -1;  // 90 kHz, offset applied; -1 before the first PCR
  bool pcr_discontinuity_ = false;
  Bytes pes_;  // scratch, reused across frames
};

}  // namespace firstmile::format
