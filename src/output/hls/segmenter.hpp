#pragma once
// HLS with MPEG-TS segments: cuts a stream's frames into segments at keyframes, keeps the last
// few in memory and renders the media playlist. push()/start()/end() run on the stream's
// thread; snapshot() may be called from any thread (the HTTP server's).
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/buffer.hpp"
#include "format/mpegts/ts_muxer.hpp"
#include "media/frame.hpp"
#include "media/track.hpp"
#include "output/hls/playlist.hpp"

namespace firstmile::hls {

struct HlsConfig {
  double segment_duration = 2.0;  // seconds; a segment is cut at the first keyframe past it
  size_t window = 6;              // segments listed in the playlist
  size_t keep_extra = 2;  // segments kept in memory after leaving the playlist (slow clients)
  double max_segment_duration = 10.0;  // cut even without a keyframe past this
  // Put before each segment's sequence number in its name. The server gives every stream
  // instance its own prefix, so a name is never reused for other bytes and a CDN may cache
  // segments as immutable even when a stream is published again from sequence 0.
  std::string name_prefix;
};

struct HlsSegment {
  std::string name;  // "<name_prefix><sequence>.ts", the URI in the playlist
  uint64_t sequence = 0;
  double duration = 0;  // seconds
  bool discontinuity = false;
  Buffer data;  // complete TS segment, starting with PAT and PMT
};

// An immutable picture of the output: what the HTTP layer serves.
struct HlsSnapshot {
  std::string playlist;  // empty before the first segment is complete
  // The segments still in memory, oldest first: the playlist's and up to keep_extra older.
  std::vector<HlsSegment> segments;
  uint64_t media_sequence = 0;  // sequence of the first segment listed in the playlist
  bool ended = false;

  const HlsSegment* find(std::string_view name) const;
};

struct HlsSegmenterStats {
  uint64_t segments = 0;
  uint64_t forced_cuts = 0;  // cut at max_segment_duration without a keyframe
  uint64_t frames_dropped_waiting_keyframe = 0;
  uint64_t frames_rejected = 0;  // the muxer refused them (codec, malformed payload)
};

class HlsSegmenter {
 public:
  explicit HlsSegmenter(HlsConfig config = {});

  // Called when a segment is complete, on the stream's thread, after the snapshot that lists
  // it was published. Must not block (disk copies and webhooks queue their work).
  std::function<void(const HlsSegment&)> on_segment;
  // Called after every published snapshot (new segment, end, reconnect): a disk copy
  // follows the playlist with it.
  std::function<void(const std::shared_ptr<const HlsSnapshot>&)> on_snapshot;

  // The publisher started with these tracks. A start() after end() is a reconnect: the next
  // segment is tagged EXT-X-DISCONTINUITY and the playlist loses EXT-X-ENDLIST. A start()
  // while running with new codecs or codec parameters closes the open segment the same way;
  // with the same ones (a repeated sequence header) it changes nothing.
  void start(const media::Tracks& tracks);
  void push(const media::Frame& frame);
  // The publisher left: closes the open segment; the playlist gets EXT-X-ENDLIST.
  void end();

  std::shared_ptr<const HlsSnapshot> snapshot() const;
  HlsSegmenterStats stats() const;

 private:
  struct OpenSegment {
    Bytes data;
    int64_t first_dts = 0;
    bool discontinuity = false;
    // The frames of the track that drives cutting (video if any, else audio).
    int64_t cut_first_dts = 0;
    int64_t cut_last_dts = 0;
    uint64_t cut_frames = 0;
  };

  bool cuts_on_video() const { return muxer_ && muxer_->has_video(); }
  void open_segment(const media::Frame& frame);
  // Closes the open segment when the stream stops or jumps: its length is estimated from
  // its last frame plus one average frame interval.
  void close_segment_estimated();
  void close_segment(int64_t duration_ticks);
  int64_t average_frame_interval(const OpenSegment& s) const;
  void publish();

  HlsConfig config_;
  int64_t target_ticks_;
  int64_t max_ticks_;
  std::optional<format::TsMuxer> muxer_;
  media::Tracks tracks_;
  bool running_ = false;
  bool pending_discontinuity_ = false;
  std::optional<OpenSegment> open_;
  uint64_t next_sequence_ = 0;
  MediaPlaylist playlist_;
  std::deque<HlsSegment> segments_;

  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const HlsSnapshot> snapshot_;

  std::atomic<uint64_t> stat_segments_{0};
  std::atomic<uint64_t> stat_forced_cuts_{0};
  std::atomic<uint64_t> stat_dropped_{0};
  std::atomic<uint64_t> stat_rejected_{0};
};

}  // namespace firstmile::hls
