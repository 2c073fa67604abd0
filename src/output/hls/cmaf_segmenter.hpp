#pragma once
// HLS with fMP4/CMAF segments (variant fmp4) and Low-Latency HLS parts (variant ll): the CMAF
// counterpart of the TS path in HlsSegmenter, which owns one of these and hands it every call.
// Segments are cut by a SegmentCutter, as in the TS segmenter (but audio never forces a cut);
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
#include "output/segment_cutter.hpp"

namespace firstmile::hls {

// What a segmenter's segments carry. The demuxed renditions (hls.audio_rendition) use one
// segmenter per track; the audio one still sees the video frames, because they decide where
// its segments and parts end: at the same keyframes as the video's, so the renditions align.
enum class CmafContent {
  Muxed,      // every track the fMP4 muxer takes
  VideoOnly,  // the video track
  AudioOnly,  // the audio track, cut at the video's boundaries when there is video
};

class CmafSegmenter {
 public:
  explicit CmafSegmenter(const HlsConfig& config, CmafContent content = CmafContent::Muxed);

  std::function<void(std::shared_ptr<const HlsSnapshot>)> on_publish;
  std::function<void(const HlsSegment&)> on_segment;  // after the snapshot listing it
  // LL-HLS: the EXT-X-RENDITION-REPORT tags of every playlist rendered (4.4.5.4).
  std::function<std::vector<CmafRenditionReport>()> rendition_reports;
  void set_clock(std::function<int64_t()> now_ms) { clock_ = std::move(now_ms); }

  void start(const media::Tracks& tracks);
  void push(const media::FramePtr& frame);
  void end();

  // Deferred: a change is published at the next flush(), not at once, so that renditions fed
  // the same frame publish together and report each other as they are after it.
  void set_deferred(bool deferred) { deferred_ = deferred; }
  void flush();
  // The last part made (its segment and index), as EXT-X-RENDITION-REPORT reports it: of the
  // open segment once it has a part, else of the newest complete one. nullopt before any.
  std::optional<HlsPartId> last_part() const;

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
    std::chrono::system_clock::time_point made{};
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
    std::chrono::system_clock::time_point made{};
  };
  struct OpenPart {
    std::vector<media::FramePtr> frames;
    int64_t first_dts = 0;
    int64_t cut_last_dts = 0;  // newest frame of the cutting track
    bool independent = false;
    // AudioOnly: the muxed (audio) frames, whose timestamps give the part's own duration.
    int64_t media_first_dts = 0;
    int64_t media_last_dts = 0;
    uint64_t media_frames = 0;
  };

  bool low_latency() const { return config_.variant == HlsVariant::LowLatency; }
  bool cuts_on_video() const { return cutter_.cuts_on_video(); }
  bool muxes(const media::Frame& frame) const {
    return frame.kind == media::MediaKind::Video ? has_video_ : has_audio_;
  }
  // One audio frame (1024 AAC samples, 960 Opus), ticks; 0 without audio.
  int64_t audio_frame_ticks() const { return output::SegmentCutter::audio_frame_ticks(tracks_); }
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
  int64_t frame_interval() const { return cutter_.frame_interval(); }
  std::string init_name(size_t generation) const;
  // Publishes a snapshot (or marks one due, when deferred); then on_segment for a segment
  // just closed.
  void finish(bool segment_closed);
  void publish(bool segment_closed);
  // The playlist; fills `parts` with the parts still served (listed ones and a few older).
  CmafPlaylist playlist_model(std::vector<HlsPart>* parts) const;

  HlsConfig config_;
  CmafContent content_;
  // Where segments end, by the TS rule, except that only a frame of the cutting track forces a
  // cut. Cuts on video (keyframes for segments) when the muxer takes video, or, AudioOnly, when
  // the stream has video.
  output::SegmentCutter cutter_;
  int64_t part_ticks_;  // cutting: a (video) part never exceeds it
  // PART-TARGET as announced: part_ticks_, plus one audio frame for AudioOnly, whose parts
  // follow the video's boundaries and so may be up to one audio frame longer (4.4.4.9: a part
  // is at most the part target). Only ever rises.
  int64_t announced_part_ticks_;
  std::function<int64_t()> clock_;

  std::optional<format::Fmp4Muxer> muxer_;
  media::Tracks tracks_;
  bool has_video_ = false;  // muxed tracks
  bool has_audio_ = false;
  bool deferred_ = false;
  bool publish_due_ = false;
  bool publish_due_closed_ = false;
  bool running_ = false;
  bool ended_ = false;
  bool pending_discontinuity_ = false;
  size_t init_generation_ = 0;
  struct Init {
    size_t generation = 0;
    Buffer data;
    std::chrono::system_clock::time_point made{};
  };
  std::deque<Init> inits_;  // still referenced, oldest first
  // Wall clock of the current timeline: PROGRAM-DATE-TIME follows the media clock from here.
  std::optional<std::pair<int64_t, int64_t>> clock_anchor_;  // (dts, unix ms)

  std::optional<Segment> open_;
  std::optional<OpenPart> part_;
  // LL-HLS: a frame whose part is undecided (see push()), and frames of the other track that
  // came after it.
  std::optional<media::FramePtr> held_;
  std::vector<media::FramePtr> held_others_;

  uint64_t next_sequence_ = 0;
  std::deque<Segment> segments_;  // complete, oldest first: window + keep_extra
  uint32_t target_duration_;
  uint64_t discontinuity_sequence_ = 0;

  std::atomic<uint64_t> stat_segments_{0};
  std::atomic<uint64_t> stat_rejected_{0};
  std::atomic<uint64_t> stat_parts_{0};
  std::atomic<uint64_t> stat_parts_over_{0};
};

}  // namespace firstmile::hls
