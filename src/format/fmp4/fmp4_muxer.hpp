#pragma once
// Fragmented MP4 (ISO/IEC 14496-12 section 8.8) in the CMAF style (ISO/IEC 23000-19): one init
// segment (ftyp + moov with empty sample tables and mvex) and then self-contained fragments
// (moof + mdat), each of which can be an LL-HLS part or a DASH chunk. Pure byte code: no I/O,
// no clocks. Namespace: firstmile::format.
//
// Codecs: H.264 ('avc1' + avcC), H.265 ('hvc1' + hvcC), AAC ('mp4a' + esds), Opus ('Opus' +
// dOps). A track of any other codec is left out (tracks() does not list it) and its frames are
// ignored.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/bytes.hpp"
#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::format {

constexpr uint32_t kFmp4VideoTrackId = 1;
constexpr uint32_t kFmp4AudioTrackId = 2;

struct Fmp4Track {
  uint32_t track_id = 0;
  media::TrackInfo info;
  // Media timescale: 90000 for video (frame timestamps carry over exactly), the sample rate
  // for audio (48000 for Opus) so that an audio sample's duration is a whole number.
  uint32_t timescale = 0;
};

class Fmp4Muxer {
 public:
  // Video is track 1 and audio track 2 whichever of them exist, so a track id never changes
  // meaning between streams. Tracks whose parameters are missing (width, sample rate, ...) are
  // completed from their config record when it parses.
  explicit Fmp4Muxer(const media::Tracks& tracks);

  const std::vector<Fmp4Track>& tracks() const { return tracks_; }

  // ftyp + moov. The same bytes for the life of the muxer (a new config means a new muxer).
  Bytes init_segment() const;

  // One moof + mdat from `frames` (any mix of tracks; dts order within each track): one traf
  // per track present, its samples contiguous in mdat (video's, then audio's). The movie
  // fragment sequence number increases by one per call that returns bytes. A sample lasts until
  // its track's next frame; the last one of each track until next_*_dts (90 kHz, on the same
  // timeline: not across a discontinuity) when the caller knows it, else as long as the track's
  // previous sample (first ever: one frame period, 1024 AAC or 960 Opus samples). A frame
  // flagged `discontinuity` does not end its predecessor either. Returns nothing when no frame
  // belongs to a muxed track.
  Bytes fragment(std::span<const media::FramePtr> frames,
                 std::optional<int64_t> next_video_dts = {},
                 std::optional<int64_t> next_audio_dts = {});

  uint32_t next_sequence_number() const { return sequence_number_; }

 private:
  struct TrackState {
    // Duration of the most recent sample in the track timescale: the fallback for a last
    // sample whose successor is not known yet.
    uint32_t last_duration = 0;
  };

  const Fmp4Track* track_for(const media::Frame& frame) const;
  uint32_t default_duration(const Fmp4Track& track) const;

  std::vector<Fmp4Track> tracks_;
  std::vector<TrackState> state_;  // parallel to tracks_
  uint32_t sequence_number_ = 1;   // 14496-12 8.8.5: starts at 1 and increases
};

// Converts a 90 kHz timestamp to `timescale` units, rounding to nearest. Durations are taken as
// differences of converted absolute timestamps, so rounding never accumulates into drift.
int64_t rescale_from_90k(int64_t ticks, uint32_t timescale);

}  // namespace firstmile::format
