#pragma once
// Demuxed renditions of a stream's fMP4 / LL-HLS output (hls.audio_rendition): a video-only and an
// audio-only media playlist (video.m3u8, audio.m3u8), each with its own init segment, segments
// and parts, next to the muxed index.m3u8. The multivariant playlist then offers the audio one as
// an EXT-X-MEDIA rendition (RFC 8216bis 4.4.6.1) of the video variant.
//
// Alignment: both are cut by the video, at the same frames as the muxed output (the audio
// segmenter sees the video frames only to decide its boundaries), so segment N and part N.M of
// both cover the same interval to within one audio frame, and a player may switch or join at
// any segment of either.
//
// Rendition reports (4.4.5.4): each LL-HLS playlist reports the other. Both segmenters publish
// together after each frame (deferred publishing), so each report is what the other playlist
// says at that moment: a blocking reload on one rendition tells where the other is.
//
// start()/push()/end() on the stream's thread; snapshot()/waiters() from any thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>

#include "media/frame.hpp"
#include "media/track.hpp"
#include "output/hls/cmaf_segmenter.hpp"
#include "output/hls/segmenter.hpp"

namespace firstmile::hls {

class DemuxedRenditions {
 public:
  // `config` is the muxed output's (variant fmp4 or ll); the renditions' names get their own
  // prefix after config.name_prefix.
  explicit DemuxedRenditions(const HlsConfig& config);
  ~DemuxedRenditions();

  static constexpr std::string_view kVideoPlaylist = "video.m3u8";
  static constexpr std::string_view kAudioPlaylist = "audio.m3u8";

  // The renditions run while the stream has both a video and an audio track the fMP4 muxer
  // takes; a publish with only one of them ends them (EXT-X-ENDLIST) until one has both again.
  void start(const media::Tracks& tracks);
  void push(const media::FramePtr& frame);
  void end();
  void set_clock(std::function<int64_t()> now_ms);

  // Video or Audio (Muxed: nullptr). Never null for those; its playlist is empty before the
  // first segment.
  std::shared_ptr<const HlsSnapshot> snapshot(HlsRendition rendition) const;
  PlaylistWaiters& waiters(HlsRendition rendition) const;
  // The rendition a segment, part or init segment name belongs to (by its prefix).
  HlsRendition rendition_of(std::string_view file) const;

 private:
  struct Output {
    std::string prefix;
    std::unique_ptr<CmafSegmenter> cmaf;
    mutable std::mutex mutex;
    std::shared_ptr<const HlsSnapshot> snapshot;
    std::shared_ptr<PlaylistWaiters> waiters;
  };

  void init(Output& out, const HlsConfig& config, const char* suffix, CmafContent content,
            Output& other, std::string_view other_uri);
  Output& output(HlsRendition rendition);
  const Output& output(HlsRendition rendition) const;
  void flush();

  Output video_;
  Output audio_;
  bool running_ = false;
  std::function<int64_t()> clock_;
  int64_t now_ms_ = 0;  // read by both segmenters: one wall clock for both timelines
};

}  // namespace firstmile::hls
