#pragma once
// MPEG-2 transport stream demuxer (ISO/IEC 13818-1) for SRT and UDP ingest: TS bytes in, hub
// tracks and frames out. It follows the first program of the PAT, takes the first H.264/H.265
// stream and the first AAC (ADTS) or Opus stream of its PMT, reassembles their PES packets and
// turns each access unit into a media::Frame in canonical form (frame.hpp). Codec
// configuration comes from the bitstream itself (in-band SPS/PPS/VPS, ADTS headers, the Opus
// descriptor), since TS has no sequence headers.
//
// The input is a peer's: every size is bounded (TsDemuxerLimits), damaged data is counted and
// dropped (never passed on as a broken frame), and nothing here throws or asserts on input.
#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "format/mpegts/psi.hpp"
#include "format/mpegts/ts_packet_reader.hpp"
#include "media/frame.hpp"
#include "media/timeline.hpp"
#include "media/track.hpp"

namespace firstmile::format {

struct TsDemuxerLimits {
  size_t max_pes_bytes = 8 << 20;  // one PES (a video access unit); also bounds queued frames
  size_t max_pids = 64;            // elementary streams read from one PMT
  size_t max_programs = 16;        // programs read from one PAT
};

struct TsDemuxerStats {
  uint64_t packets = 0;          // 188-byte packets taken in
  uint64_t sync_errors = 0;      // times bytes had to be skipped to find the 0x47 sync again
  uint64_t packet_errors = 0;    // transport_error_indicator, scrambled, bad adaptation field
  uint64_t cc_errors = 0;        // continuity_counter gaps on the PIDs in use (2.4.3.3)
  uint64_t psi_errors = 0;       // PAT/PMT sections refused (length, CRC, syntax)
  uint64_t pes_errors = 0;       // PES packets or payloads refused (lengths, headers, framing)
  uint64_t pcrs = 0;             // PCRs seen on the program's PCR_PID
  uint64_t frames = 0;           // frames passed to on_frame
  uint64_t dropped_frames = 0;   // access units lost or withheld (damage, waiting for a key)
  uint64_t pmt_changes = 0;      // program definitions replaced after the first one
  uint64_t discontinuities = 0;  // timestamp jumps flagged on a frame
};

class TsDemuxer {
 public:
  explicit TsDemuxer(TsDemuxerLimits limits = {});

  // Feeds any number of bytes: packet boundaries need not line up with calls (SRT gives
  // 1316-byte datagrams, UDP anything). Garbage is skipped up to the next 0x47 that is
  // followed by another one a packet later.
  void feed(ByteSpan data);
  // End of input: completes the PES packets that only the next packet would have ended
  // (video with PES_packet_length 0) and announces the tracks with what is known.
  void flush();

  // Called when the program's tracks (with their codec configs) are known, and again when they
  // change. Always before the first frame of a track.
  std::function<void(const media::Tracks&)> on_tracks;
  // Called for each complete access unit, in arrival order. Video starts at a keyframe; dts
  // and pts are 64-bit 90 kHz values, monotonic per track except across a frame flagged
  // `discontinuity`.
  std::function<void(media::Frame)> on_frame;

  const TsDemuxerStats& stats() const { return stats_; }
  // PIDs with state (PAT, PMT, elementary streams): stays small whatever PIDs arrive.
  size_t tracked_pids() const;

 private:
  // One elementary stream in use: its PES reassembly, codec state and timeline.
  struct Stream {
    uint16_t pid = 0;
    media::Codec codec = media::Codec::Unknown;
    media::MediaKind kind = media::MediaKind::Video;
    int cc = -1;             // last continuity_counter, -1 before the first packet
    Bytes pes;               // the PES packet being reassembled
    bool in_pes = false;     // false: payload is ignored until the next unit start
    bool completed = false;  // the last PES ended at its PES_packet_length
    bool need_keyframe = true;
    // Latest in-band parameter sets (video) and the config built from them.
    std::vector<Bytes> vps, sps, pps;
    Buffer config;
    media::TrackInfo track;
    int64_t last_step = 0;            // video frame duration, for a PES without PTS
    std::optional<int64_t> next_pts;  // audio: where the last PES ended
  };

  void handle_packet(ByteSpan packet);
  // 2.4.3.3: returns false if the packet's payload must be ignored (a duplicate), and marks
  // `lost` on a gap.
  bool check_continuity(int& last_cc, uint8_t cc, bool discontinuity, bool& lost);

  void handle_pat(ByteSpan section);
  void handle_pmt(ByteSpan section);
  void reset_program(uint16_t pmt_pid);
  void reset_streams();

  void handle_pes_payload(Stream& s, ByteSpan payload, bool unit_start);
  void drop_frame(Stream& s);
  void pes_lost(Stream& s);
  void finish_pes(Stream& s);
  void process_pes(Stream& s, Bytes& pes);
  void process_video(Stream& s, ByteSpan es, int64_t dts, int64_t pts);
  void process_aac(Stream& s, const Buffer& pes, size_t offset, int64_t pts);
  void process_opus(Stream& s, const Buffer& pes, size_t offset, int64_t pts);
  // 64-bit dts/pts for a PES; false if it has no timestamps that can be used.
  bool timestamps(Stream& s, const std::optional<uint64_t>& pts, const std::optional<uint64_t>& dts,
                  int64_t& out_dts, int64_t& out_pts);
  void set_config(Stream& s, Buffer config);

  void deliver(media::Frame frame);
  void announce();
  media::Tracks current_tracks() const;
  Stream* stream_for(uint16_t pid);

  TsDemuxerLimits limits_;
  TsDemuxerStats stats_;

  TsPacketReader reader_;

  // Program.
  int pat_cc_ = -1;
  SectionAssembler pat_sections_;
  static constexpr uint16_t kNoPid = 0xFFFF;
  uint16_t pmt_pid_ = kNoPid;
  uint16_t program_number_ = 0;
  int pmt_cc_ = -1;
  SectionAssembler pmt_sections_;
  bool have_pmt_ = false;
  uint8_t pmt_version_ = 0;
  std::vector<PmtStream> pmt_streams_;  // the streams in use, to tell a changed PMT
  uint16_t pcr_pid_ = kNoPid;
  std::vector<Stream> streams_;  // at most one video and one audio

  // Timeline shared by the program's streams, so they stay in sync across a 33-bit wrap.
  media::TimestampUnwrapper clock_;
  bool discontinuity_pending_ = false;
  std::array<int64_t, 2> last_dts_ = {INT64_MIN, INT64_MIN};  // video, audio

  // Tracks and the frames that wait for them.
  bool announced_ = false;
  bool tracks_dirty_ = false;
  std::optional<int64_t> wait_start_;
  std::vector<media::Frame> pending_;
  size_t pending_bytes_ = 0;
};

}  // namespace firstmile::format
