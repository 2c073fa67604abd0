#pragma once
// The MPEG-DASH output of one stream (ISO/IEC 23009-1, DASH-IF IOP live profile with CMAF
// segments): one video and one audio Representation, each with its own init segment and its
// own segments, because dash.js does not play multiplexed Representations. A stream sink: its
// Sink calls run on the stream's thread; snapshot() and waiters() are for HTTP threads.
//
// Cutting: a segment ends at the first video keyframe at or past segment_duration (or at
// max_segment_duration without one); audio segments end at the first audio frame at or past the
// same media time, so segment N of both Representations covers the same interval (to within one
// audio frame: IOP 3.10 segment alignment across Adaptation Sets is not required, but players
// switch periods more cleanly when it holds). Audio-only streams cut on audio.
//
// Chunks: a segment is a sequence of CMAF chunks (one moof+mdat each, ISO/IEC 23000-19 7.3.2).
// A chunk is closed when the next frame of its track is chunk_duration or more after the
// chunk's first frame (so it knows its last sample's duration exactly), and at every segment
// end. 0.5 s by default: short enough that chunked delivery lowers latency, long enough that
// the moof overhead stays small (2 chunks/s/track).
//
// Periods: the first frame after a reconnect or a timestamp jump starts a new Period
// (IOP 4.5.3: a new Period where the timeline is not continuous), with new init segments; the
// segment number continues, so every file name stays unique within the stream instance.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "format/fmp4/fmp4_muxer.hpp"
#include "media/sink.hpp"
#include "output/dash/dash_snapshot.hpp"
#include "output/http_clients.hpp"
#include "output/segment_cutter.hpp"
#include "output/snapshot_waiters.hpp"

namespace firstmile::dash {

struct DashConfig {
  double segment_duration = 2.0;          // seconds
  double max_segment_duration = 10.0;     // cut without a keyframe past this
  uint64_t max_segment_bytes = 64 << 20;  // cut without a keyframe before passing this
  double chunk_duration = 0.5;            // seconds
  size_t window = 6;                      // segments listed per representation
  size_t keep_extra = 2;                  // kept in memory after leaving the MPD
  bool low_latency = true;                // chunked delivery; the open segment is listed too
  size_t max_waiters = 5000;              // chunked requests waiting on this stream
  std::string name_prefix;                // unique per stream instance
};

struct DashStats {
  uint64_t segments = 0;  // per representation, summed
  uint64_t chunks = 0;
  uint64_t frames_dropped = 0;  // before the first keyframe of a period, or rejected
};

using DashWaiters = output::SnapshotWaiters<DashSnapshot>;

class DashSegmenter : public media::Sink {
 public:
  explicit DashSegmenter(DashConfig config);
  ~DashSegmenter() override;

  // media::Sink, stream thread.
  void on_tracks(const media::Tracks& tracks) override;
  void on_frame(const media::FramePtr& frame) override;
  void on_end() override;
  // Its viewers ("dash"): the addresses that fetched a segment recently, and the bytes sent.
  void report(media::OutputReport& out) const override;

  // Any thread.
  std::shared_ptr<const DashSnapshot> snapshot() const;
  DashWaiters& waiters() const { return *waiters_; }
  // Viewers and bytes sent (HTTP threads), for the metrics and on_play.
  output::HttpClients& clients() const { return *clients_; }
  DashStats stats() const;
  const DashConfig& config() const { return config_; }
  // Wall clock (Unix ms) for availabilityStartTime, Period@start and publishTime; tests pin it.
  void set_clock(std::function<int64_t()> now_ms) { clock_ = std::move(now_ms); }

 private:
  struct TrackState {
    std::string id;  // "v" / "a"
    std::unique_ptr<format::Fmp4Muxer> muxer;
    uint32_t timescale = 0;
    media::TrackInfo info;
    Buffer init;
    std::string init_name;
    // The open segment.
    bool open = false;
    uint64_t number = 0;
    int64_t first_dts = 0;  // 90 kHz
    std::vector<Buffer> chunks;
    std::vector<media::FramePtr> pending;  // frames of the open chunk
    int64_t chunk_first_dts = 0;
    int64_t last_dts = 0, prev_dts = 0;  // the track's two newest frames (any segment)
    bool has_last = false, has_prev = false;
    std::deque<DashSegment> segments;  // complete, this period
  };
  struct Period {
    uint32_t index = 0;
    int64_t start_ms = 0;
    int64_t origin_dts = 0;  // 90 kHz media time of Period@start
    std::optional<TrackState> video, audio;
    bool closed = false;
    int64_t end_dts = 0;  // closed: media end
  };

  void open_period(const media::Frame& first);
  void close_period();
  TrackState make_track(const media::TrackInfo& info, const char* id) const;
  void push_video(const media::FramePtr& frame);
  void push_audio(const media::FramePtr& frame);
  // Adds a frame to its track's open segment, closing the open chunk first when it is long
  // enough.
  void add_frame(TrackState& t, const media::FramePtr& frame);
  bool flush_chunk(TrackState& t, std::optional<int64_t> next_dts);
  // Ends the open segment at `end_dts` (the next segment's first frame), or estimated (last
  // frame + one interval) when the stream stops.
  void close_segment(TrackState& t, std::optional<int64_t> end_dts);
  void open_segment(TrackState& t, const media::Frame& frame, uint64_t number);
  void evict();
  // The S@d the open segment of `t` is expected to end with (track timescale), from how this
  // segmenter cuts: video at the first keyframe past the target, with the cadence of the last
  // segment; audio at the first frame at or past video's cut. Exact when keyframes are regular.
  int64_t expected_duration(const TrackState& t) const;
  void publish();
  int64_t now_ms() const;

  DashConfig config_;
  int64_t target_ticks_, chunk_ticks_;
  // Where the segments of the cutting track end: video's when the Period has video, else
  // audio's. Only a flagged discontinuity breaks the timeline (a frame before the Period's
  // start is dropped instead).
  output::SegmentCutter cutter_;
  std::function<int64_t()> clock_;
  media::Tracks tracks_;
  bool running_ = false;
  bool ended_ = false;
  bool new_period_ = true;  // the next frame opens a Period
  std::optional<int64_t> availability_start_ms_;
  std::deque<Period> periods_;
  uint32_t next_period_ = 0;
  // $Number$ per representation, continuing across Periods so names stay unique. Video's and
  // audio's are equal while every segment interval has audio.
  uint64_t next_video_number_ = 1;
  uint64_t next_audio_number_ = 1;
  // Audio follows video's cuts: media times at which video segments opened; the first audio
  // frame at or past one opens an audio segment.
  std::deque<int64_t> audio_cuts_;
  uint64_t version_ = 0;

  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const DashSnapshot> snapshot_;
  std::shared_ptr<DashWaiters> waiters_;
  std::unique_ptr<output::HttpClients> clients_;

  DashStats stats_;            // stream thread
  DashStats published_stats_;  // copy of stats_ at the last publish(), under snapshot_mutex_
};

}  // namespace firstmile::dash
