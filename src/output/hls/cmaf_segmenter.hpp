#pragma once
// HLS with fMP4/CMAF segments (variant fmp4) and Low-Latency HLS parts (variant ll): the CMAF
// counterpart of the TS path in HlsSegmenter, which owns one of these and hands it every call.
// Segments are cut at keyframes near the segment duration exactly as the TS segmenter does;
// with ll, each segment is made of parts of at most the part target (a new part at every
// keyframe), and a segment's bytes are the concatenation of its parts' moof+mdat. Every change
// publishes an immutable HlsSnapshot (playlists rendered once, shared by every reader).
// Runs on the stream's thread only.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "format/fmp4/fmp4_muxer.hpp"
#include "media/frame.hpp"
#include "media/track.hpp"
#include "output/hls/cmaf_playlist.hpp"
#include "output/hls/segmenter.hpp"

namespace firstmile::hls {

class CmafSegmenter {
 public:
  explicit CmafSegmenter(const HlsConfig& config);

  std::function<void(std::shared_ptr<const HlsSnapshot>)> on_publish;
  std::function<void(const HlsSegment&)> on_segment;  // after the snapshot listing it
  void set_clock(std::function<int64_t()> now_ms) { clock_ = std::move(now_ms); }

  void start(const media::Tracks& tracks);
  void push(const media::FramePtr& frame);
  void end();

  HlsSegmenterStats stats() const;

  // What the configuration becomes for this variant (window long enough for delta updates).
  static HlsConfig effective(HlsConfig config);

 private:
  struct Part {
    uint32_t index = 0;
    int64_t first_dts = 0;
    int64_t duration = 0;  // ticks
    bool independent = false;
    Buffer data;
  };
  struct Segment {
    uint64_t sequence = 0;
    int64_t first_dts = 0;
    int64_t duration = 0;  // ticks
    bool discontinuity = false;
    size_t init = 0;  // generation of its init segment
    int64_t program_date_time_ms = 0;
    std::vector<Part> parts;
    Buffer data;  // complete segments only
  };
  struct OpenPart {
    std::vector<media::FramePtr> frames;
    int64_t first_dts = 0;
    int64_t cut_last_dts = 0;  // newest frame of the cutting track
    bool independent = false;
  };

  bool low_latency() const { return config_.variant == HlsVariant::LowLatency; }
  bool cuts_on_video() const { return has_video_; }
  void open_segment(const media::Frame& frame);
  void open_part(const media::Frame& frame);
  // Muxes the open part into a fragment lasting until `end_dts` (the next cut frame), or an
  // estimated end when the stream stops or jumps.
  void close_part(std::optional<int64_t> end_dts, std::optional<int64_t> next_video_dts);
  void add_to_part(const media::FramePtr& frame);
  // Places the held frame now that the next cut frame's timestamp is known; true if that
  // closed a part.
  bool release_held(int64_t next_dts);
  // The stream stops or jumps: the held frame and the open part end one interval on.
  void close_open_estimated();
  bool close_segment();  // false when it had nothing in it
  int64_t frame_interval() const;
  std::string init_name(size_t generation) const;
  // Publishes a snapshot; then on_segment for a segment just closed.
  void finish(bool segment_closed);
  // The playlist; fills `parts` with the parts still served (listed ones and a few older).
  CmafPlaylist playlist_model(std::vector<HlsPart>* parts) const;

  HlsConfig config_;
  int64_t target_ticks_;
  int64_t max_ticks_;
  int64_t part_ticks_;
  std::function<int64_t()> clock_;

  std::optional<format::Fmp4Muxer> muxer_;
  media::Tracks tracks_;
  bool has_video_ = false;
  bool has_audio_ = false;
  bool running_ = false;
  bool ended_ = false;
  bool pending_discontinuity_ = false;
  size_t init_generation_ = 0;
  std::deque<std::pair<size_t, Buffer>> inits_;  // generation -> bytes, still referenced
  // Wall clock of the current timeline: PROGRAM-DATE-TIME follows the media clock from here.
  std::optional<std::pair<int64_t, int64_t>> clock_anchor_;  // (dts, unix ms)

  std::optional<Segment> open_;
  std::optional<OpenPart> part_;
  // LL-HLS: a frame whose part is undecided (see push()), and frames of the other track that
  // came after it.
  std::optional<media::FramePtr> held_;
  std::vector<media::FramePtr> held_others_;
  // Frames of the cutting track in the open segment (average interval, like the TS path).
  int64_t cut_first_dts_ = 0;
  int64_t cut_last_dts_ = 0;
  uint64_t cut_frames_ = 0;

  uint64_t next_sequence_ = 0;
  std::deque<Segment> segments_;  // complete, oldest first: window + keep_extra
  uint32_t target_duration_;
  uint64_t discontinuity_sequence_ = 0;

  std::atomic<uint64_t> stat_segments_{0};
  std::atomic<uint64_t> stat_forced_cuts_{0};
  std::atomic<uint64_t> stat_dropped_{0};
  std::atomic<uint64_t> stat_rejected_{0};
  std::atomic<uint64_t> stat_parts_{0};
  std::atomic<uint64_t> stat_parts_over_{0};
};

}  // namespace firstmile::hls
