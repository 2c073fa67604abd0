#include "output/hls/demuxed_renditions.hpp"

#include <chrono>
#include <utility>

#include "core/clock.hpp"
#include "format/fmp4/fmp4_muxer.hpp"
#include "output/hls/playlist_waiters.hpp"

namespace firstmile::hls {

namespace {

// Both tracks present and taken by the fMP4 muxer (H.264/H.265 and AAC/Opus).
bool has_both(const media::Tracks& tracks) {
  if (!tracks.video || !tracks.audio) return false;
  format::Fmp4Muxer probe(tracks);
  return probe.tracks().size() == 2;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

}  // namespace

DemuxedRenditions::DemuxedRenditions(const HlsConfig& config) : clock_(unix_ms) {
  init(video_, config, "v-", CmafContent::VideoOnly, audio_, kAudioPlaylist);
  init(audio_, config, "a-", CmafContent::AudioOnly, video_, kVideoPlaylist);
}

DemuxedRenditions::~DemuxedRenditions() = default;

void DemuxedRenditions::init(Output& out, const HlsConfig& config, const char* suffix,
                             CmafContent content, Output& other, std::string_view other_uri) {
  HlsConfig c = config;
  // "<stream prefix>v-<n>.m4s": never a name of the muxed output ("<prefix><n>.m4s") nor of
  // the other rendition, and unique per stream instance like theirs.
  c.name_prefix = config.name_prefix + suffix;
  out.prefix = c.name_prefix;
  out.snapshot = std::make_shared<HlsSnapshot>();
  out.waiters = std::make_shared<PlaylistWaiters>(std::max<size_t>(config.max_waiters, 1));
  out.waiters->notify(out.snapshot);
  out.cmaf = std::make_unique<CmafSegmenter>(c, content);
  out.cmaf->set_deferred(true);
  out.cmaf->set_clock([this] { return now_ms_; });
  out.cmaf->rendition_reports = [&other, uri = std::string(other_uri)] {
    std::vector<CmafRenditionReport> reports;
    if (auto last = other.cmaf->last_part()) {
      reports.push_back(CmafRenditionReport{uri, last->sequence, last->index});
    }
    return reports;
  };
  out.cmaf->on_publish = [&out](std::shared_ptr<const HlsSnapshot> snap) {
    {
      std::lock_guard lock(out.mutex);
      out.snapshot = snap;
    }
    out.waiters->notify(snap);
  };
}

void DemuxedRenditions::set_clock(std::function<int64_t()> now_ms) {
  clock_ = std::move(now_ms);
}

void DemuxedRenditions::start(const media::Tracks& tracks) {
  if (!has_both(tracks)) {
    end();
    return;
  }
  now_ms_ = clock_();
  running_ = true;
  video_.cmaf->start(tracks);
  audio_.cmaf->start(tracks);
  flush();
}

void DemuxedRenditions::push(const media::FramePtr& frame) {
  if (!running_) return;
  now_ms_ = clock_();
  // The audio segmenter takes the video frames too: they decide its boundaries.
  if (frame->kind == media::MediaKind::Video) video_.cmaf->push(frame);
  audio_.cmaf->push(frame);
  flush();
}

void DemuxedRenditions::end() {
  if (!running_) return;
  running_ = false;
  video_.cmaf->end();
  audio_.cmaf->end();
  flush();
}

void DemuxedRenditions::flush() {
  // Both states are final for this frame: each playlist reports the other as it now is.
  video_.cmaf->flush();
  audio_.cmaf->flush();
}

DemuxedRenditions::Output& DemuxedRenditions::output(HlsRendition rendition) {
  return rendition == HlsRendition::Audio ? audio_ : video_;
}

const DemuxedRenditions::Output& DemuxedRenditions::output(HlsRendition rendition) const {
  return rendition == HlsRendition::Audio ? audio_ : video_;
}

std::shared_ptr<const HlsSnapshot> DemuxedRenditions::snapshot(HlsRendition rendition) const {
  if (rendition == HlsRendition::Muxed) return nullptr;
  const Output& out = output(rendition);
  std::lock_guard lock(out.mutex);
  return out.snapshot;
}

PlaylistWaiters& DemuxedRenditions::waiters(HlsRendition rendition) const {
  return *output(rendition).waiters;
}

HlsRendition DemuxedRenditions::rendition_of(std::string_view file) const {
  if (starts_with(file, video_.prefix)) return HlsRendition::Video;
  if (starts_with(file, audio_.prefix)) return HlsRendition::Audio;
  return HlsRendition::Muxed;
}

}  // namespace firstmile::hls
