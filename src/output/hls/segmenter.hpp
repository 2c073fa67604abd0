#pragma once
// The HLS output of one stream: cuts its frames into segments at keyframes, keeps the last few
// in memory and renders the media playlist. MPEG-TS segments here; fMP4 segments and LL-HLS
// parts (variant fmp4 / ll) in CmafSegmenter, to which this class then hands every call.
// push()/start()/end() run on the stream's thread; snapshot() may be called from any thread
// (the HTTP server's).
#include <atomic>
#include <chrono>
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
#include "output/segment_cutter.hpp"

namespace firstmile::hls {

enum class HlsVariant {
  Ts,          // MPEG-TS segments, version 3 playlist
  Fmp4,        // fMP4/CMAF segments with EXT-X-MAP, version 7, no parts
  LowLatency,  // fMP4 + LL-HLS parts, blocking reloads, delta updates (version 9)
};

struct HlsConfig {
  HlsVariant variant = HlsVariant::Ts;
  double part_duration = 0.2;     // seconds, LL-HLS: EXT-X-PART-INF PART-TARGET
  size_t max_waiters = 5000;      // blocking requests waiting on this stream at once
  double segment_duration = 2.0;  // seconds; a segment is cut at the first keyframe past it
  size_t window = 6;              // segments listed in the playlist
  size_t keep_extra = 2;  // segments kept in memory after leaving the playlist (slow clients)
  double max_segment_duration = 10.0;     // cut even without a keyframe past this
  uint64_t max_segment_bytes = 64 << 20;  // cut even without a keyframe before passing this
  // Put before each segment's sequence number in its name. The server gives every stream
  // instance its own prefix, so a name is never reused for other bytes and a CDN may cache
  // segments as immutable even when a stream is published again from sequence 0.
  std::string name_prefix;
  // fmp4 / ll: also a video-only and an audio-only rendition (video.m3u8, audio.m3u8) for
  // streams with both tracks (DemuxedRenditions).
  bool audio_rendition = false;
};

// Which media playlist of a stream: the muxed index.m3u8, or a demuxed rendition.
enum class HlsRendition { Muxed, Video, Audio };

struct HlsSegment {
  std::string name;  // "<name_prefix><sequence>.ts", the URI in the playlist
  uint64_t sequence = 0;
  double duration = 0;  // seconds
  bool discontinuity = false;
  Buffer data;                                   // complete TS segment, starting with PAT and PMT
  std::chrono::system_clock::time_point made{};  // when it was complete (Last-Modified)
};

// LL-HLS: one part of a segment (RFC 8216bis 4.4.4.9); its bytes are a moof+mdat.
struct HlsPart {
  std::string name;  // "<name_prefix><sequence>.<index>.m4s"
  uint64_t sequence = 0;
  uint32_t index = 0;
  int64_t duration_ms = 0;
  bool independent = false;
  Buffer data;
  std::chrono::system_clock::time_point made{};
};

// fMP4: an init segment (ftyp+moov), the EXT-X-MAP of the segments that follow it.
struct HlsInit {
  std::string name;  // "<name_prefix>init.mp4", then "<name_prefix>init-<n>.mp4" per change
  Buffer data;
  std::chrono::system_clock::time_point made{};
};

struct HlsPartId {
  uint64_t sequence = 0;
  uint32_t index = 0;
};

// An immutable picture of the output: what the HTTP layer serves.
struct HlsSnapshot {
  std::string playlist;  // empty before the first segment is complete
  // The segments still in memory, oldest first: the playlist's and up to keep_extra older.
  std::vector<HlsSegment> segments;
  uint64_t media_sequence = 0;  // sequence of the first segment listed in the playlist
  bool ended = false;
  media::Tracks tracks;  // what the segments carry (for the multivariant playlist)
  std::chrono::system_clock::time_point published{};  // when the playlist took this form

  // fMP4 and LL-HLS only (empty for TS).
  HlsVariant variant = HlsVariant::Ts;
  std::string name_prefix;
  std::string delta_playlist;             // _HLS_skip=YES answer; empty when nothing can be skipped
  std::string file_playlist;              // for the disk copy when it differs (no parts): LL only
  std::vector<HlsInit> inits;             // still referenced, oldest first
  std::vector<HlsPart> parts;             // of the last few segments and the open one, oldest first
  uint32_t target_duration = 0;           // seconds, as announced
  int64_t part_target_ms = 0;             // LL: PART-TARGET
  std::optional<uint64_t> last_sequence;  // newest complete segment
  // Newest segment the playlist shows complete: last_sequence, or the one before while LL-HLS
  // holds the last one as open (CmafPlaylist::hold_last).
  std::optional<uint64_t> listed_sequence;
  uint64_t open_sequence = 0;  // the segment the next part belongs to
  uint32_t open_parts = 0;     // parts of it made so far

  const HlsSegment* find(std::string_view name) const;
  const HlsInit* find_init(std::string_view name) const;
  const HlsPart* find_part(uint64_t sequence, uint32_t index) const;
  // "<name_prefix><sequence>.<index>.m4s" -> its id, or nullopt for any other name.
  std::optional<HlsPartId> parse_part_name(std::string_view name) const;
  // Parts of a complete segment still listed with them; nullopt when unknown (evicted).
  std::optional<uint32_t> part_count(uint64_t sequence) const;
  // The part a request names. The preload hint names the next part of the open segment; when
  // a keyframe ends that segment instead, the hinted name is the next segment's first part, so
  // index == part_count(sequence) resolves to (sequence + 1, 0).
  const HlsPart* resolve_part(HlsPartId id) const;
  // The named part is not made yet but will be soon (next parts of the open segment, within
  // the advance limit): a request for it may block.
  bool part_pending(HlsPartId id) const;
  // RFC 8216bis 6.2.5.2 conditions of a blocking playlist reload: segment `msn` (or a later
  // one) is listed complete; part `part` of segment `msn` or a later part is listed.
  bool has_segment(uint64_t msn) const;
  bool has_part(uint64_t msn, uint64_t part) const;
  // 6.2.5.2 Advance Part Limit: 3 / PART-TARGET (seconds) parts when it is under 1 s, else 3.
  uint64_t advance_part_limit() const;
};

struct HlsSegmenterStats {
  uint64_t segments = 0;
  uint64_t forced_cuts = 0;  // cut without a keyframe, at max_segment_duration or...
  uint64_t size_cuts = 0;    // ...because the segment reached max_segment_bytes
  uint64_t frames_dropped_waiting_keyframe = 0;
  uint64_t frames_rejected = 0;    // the muxer refused them (codec, malformed payload)
  uint64_t parts = 0;              // LL-HLS parts made
  uint64_t parts_over_target = 0;  // irregular frame timing made a part longer than PART-TARGET
};

// Where the segments of an HLS output end (TS and CMAF): at the first keyframe at or past
// segment_duration (at least 0.1 s), forced at max_segment_duration (at least the target).
output::SegmentCutterConfig cutter_config(const HlsConfig& config, bool any_track_forces);

class CmafSegmenter;
class DemuxedRenditions;
class HlsStore;
class PlaylistWaiters;

class HlsSegmenter {
 public:
  explicit HlsSegmenter(HlsConfig config = {});
  ~HlsSegmenter();

  // Called when a segment is complete, on the stream's thread, after the snapshot that lists
  // it was published. Must not block (disk copies and webhooks queue their work).
  std::function<void(const HlsSegment&)> on_segment;
  // Called after every published snapshot (new segment, end, reconnect): a disk copy
  // follows the playlist with it.
  std::function<void(const std::shared_ptr<const HlsSnapshot>&)> on_snapshot;
  // Copies of the output (a directory, an object store): each gets every published snapshot,
  // after on_snapshot. Add before the stream starts.
  void add_store(std::shared_ptr<HlsStore> store);

  // The publisher started with these tracks. A start() after end() is a reconnect: the next
  // segment is tagged EXT-X-DISCONTINUITY and the playlist loses EXT-X-ENDLIST. A start()
  // while running with new codecs or codec parameters closes the open segment the same way;
  // with the same ones (a repeated sequence header) it changes nothing.
  void start(const media::Tracks& tracks);
  void push(const media::Frame& frame);
  void push(const media::FramePtr& frame);
  // The publisher left: closes the open segment; the playlist gets EXT-X-ENDLIST.
  void end();

  std::shared_ptr<const HlsSnapshot> snapshot() const;
  HlsSegmenterStats stats() const;  // of the muxed output
  HlsVariant variant() const { return config_.variant; }
  // Blocking LL-HLS requests wait here; woken by every published snapshot. Any thread.
  PlaylistWaiters& waiters() const { return *waiters_; }

  // The demuxed renditions (hls.audio_rendition). snapshot(Muxed) is snapshot(); a rendition's
  // is nullptr when they are off, and has an empty playlist while the stream lacks a track.
  std::shared_ptr<const HlsSnapshot> snapshot(HlsRendition rendition) const;
  PlaylistWaiters& waiters(HlsRendition rendition) const;
  // The rendition a segment, part or init segment name belongs to.
  HlsRendition rendition_of(std::string_view file) const;
  // Wall clock (Unix ms) for EXT-X-PROGRAM-DATE-TIME of fMP4 segments; tests pin it.
  void set_clock(std::function<int64_t()> now_ms);

 private:
  struct OpenSegment {
    Bytes data;
    bool discontinuity = false;
  };

  void open_segment();
  // Closes the open segment when the stream stops or jumps: its length is estimated from
  // its last frame plus one average frame interval.
  void close_segment_estimated();
  void close_segment(int64_t duration_ticks);
  void publish();
  // Stores a snapshot, wakes the waiters it satisfies, calls on_snapshot.
  void commit(std::shared_ptr<const HlsSnapshot> snapshot);

  HlsConfig config_;
  std::vector<std::shared_ptr<HlsStore>> stores_;
  // Where segments end: video keyframes past the target (audio frames without video), forced
  // past the maximum by a frame of either track.
  output::SegmentCutter cutter_;
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
  std::shared_ptr<PlaylistWaiters> waiters_;
  std::unique_ptr<CmafSegmenter> cmaf_;            // variant fmp4 or ll
  std::unique_ptr<DemuxedRenditions> renditions_;  // and hls.audio_rendition

  std::atomic<uint64_t> stat_segments_{0};
  std::atomic<uint64_t> stat_rejected_{0};
};

}  // namespace firstmile::hls
