#include "format/fmp4/fmp4_muxer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "format/fmp4/box_writer.hpp"
#include "format/fmp4/fragment_flags.hpp"
#include "format/fmp4/movie_boxes.hpp"
#include "format/fmp4/sample_entry.hpp"
#include "media/codec/track_info.hpp"

namespace firstmile::format {

namespace {

using media::Codec;

constexpr size_t kMaxConfigSize = 1 << 20;

constexpr uint32_t kAacSamplesPerFrame = 1024;  // AAC-LC/HE-AAC core frame (14496-3 4.5.1.1)
constexpr uint32_t kOpusDefaultSamples = 960;   // 20 ms at 48 kHz, the usual Opus frame

void write_ftyp(BoxWriter& w, size_t track_count) {
  // 'iso6': the 14496-12 feature set this muxer relies on (tfdt and default-base-is-moof,
  // version 1 trun with signed composition offsets). 'cmfc': the CMAF structural brand (ISO/IEC
  // 23000-19), claimed only for a single-track init segment because a CMAF track is one
  // ISO BMFF track; a muxed audio+video header is plain fMP4. 'mp41': the MP4 family for
  // readers that look for it (ffmpeg's +cmaf output carries the same three). No media-profile
  // brands ('cfhd', 'caac', ...): their level and encoding constraints are not checked here.
  w.begin(box_type("ftyp"));
  w.u32(box_type("iso6"));
  w.u32(0);  // minor_version
  w.u32(box_type("iso6"));
  if (track_count == 1) w.u32(box_type("cmfc"));
  w.u32(box_type("mp41"));
  w.end();
}

void write_stbl(BoxWriter& w, const Fmp4Track& t) {
  w.begin(box_type("stbl"));
  w.begin_full(box_type("stsd"), 0, 0);
  w.u32(1);  // entry_count
  write_sample_entry(w, t.info, t.timescale);
  w.end();  // stsd
  // The samples live in the fragments (8.8.1): every table is empty.
  for (uint32_t type : {box_type("stts"), box_type("stsc")}) {
    w.begin_full(type, 0, 0);
    w.u32(0);  // entry_count
    w.end();
  }
  w.begin_full(box_type("stsz"), 0, 0);
  w.u32(0);  // sample_size
  w.u32(0);  // sample_count
  w.end();
  w.begin_full(box_type("stco"), 0, 0);
  w.u32(0);  // entry_count
  w.end();
  w.end();  // stbl
}

void write_trak(BoxWriter& w, const Fmp4Track& t) {
  const bool audio = t.info.kind == media::MediaKind::Audio;
  w.begin(box_type("trak"));
  write_tkhd(w, t.track_id, audio, t.info.width, t.info.height, 0);  // durations: unknown
  w.begin(box_type("mdia"));
  write_mdhd(w, t.timescale, 0);
  write_hdlr(w, audio);
  w.begin(box_type("minf"));
  write_media_header_and_dinf(w, audio);
  write_stbl(w, t);
  w.end();  // minf
  w.end();  // mdia
  w.end();  // trak
}

void write_trex(BoxWriter& w, uint32_t track_id) {
  // Every fragment states each sample's duration, size and flags, so the defaults are unused.
  w.begin_full(box_type("trex"), 0, 0);
  w.u32(track_id);
  w.u32(1);  // default_sample_description_index
  w.u32(0);  // default_sample_duration
  w.u32(0);  // default_sample_size
  w.u32(0);  // default_sample_flags
  w.end();
}

uint32_t clamp_u32(int64_t v) {
  return static_cast<uint32_t>(std::clamp<int64_t>(v, 0, UINT32_MAX));
}

}  // namespace

int64_t rescale_from_90k(int64_t ticks, uint32_t timescale) {
  if (timescale == media::kTimeBase) return ticks;
  // 128-bit product: no overflow for any 64-bit timestamp; floor division rounds half up for
  // negative values too.
  const __int128 num = static_cast<__int128>(ticks) * timescale + media::kTimeBase / 2;
  __int128 q = num / media::kTimeBase;
  if (num % media::kTimeBase < 0) --q;
  return static_cast<int64_t>(q);
}

Fmp4Muxer::Fmp4Muxer(const media::Tracks& tracks) {
  auto add = [this](const std::optional<media::TrackInfo>& slot, media::MediaKind kind,
                    uint32_t track_id) {
    if (!slot || media::codec_kind(slot->codec) != kind) return;
    // A codec record this large is malformed, and descriptor sizes (14496-1 8.3.3) stop at
    // 2^28 anyway.
    if (slot->config.size() > kMaxConfigSize) return;
    media::TrackInfo info = *slot;
    info.kind = kind;
    uint32_t timescale = 0;
    switch (info.codec) {
      case Codec::H264:
      case Codec::H265:
        if (!info.has_config()) return;  // no avcC/hvcC: nothing could decode the track
        if (info.width == 0 || info.height == 0) (void)media::describe_track(info);
        timescale = media::kTimeBase;
        break;
      case Codec::AAC:
        if (!info.has_config()) return;
        if (info.sample_rate == 0 || info.channels == 0) (void)media::describe_track(info);
        if (info.sample_rate == 0) return;  // no timescale without a sample rate
        timescale = info.sample_rate;
        break;
      case Codec::Opus:
        // A missing OpusHead is rebuilt from the channel count (opus_params).
        if (info.has_config() && info.channels == 0) (void)media::describe_track(info);
        timescale = kOpusTimescale;
        break;
      default:
        return;  // no sample entry for this codec (yet)
    }
    tracks_.push_back(Fmp4Track{track_id, std::move(info), timescale});
    state_.emplace_back();
  };
  add(tracks.video, media::MediaKind::Video, kFmp4VideoTrackId);
  add(tracks.audio, media::MediaKind::Audio, kFmp4AudioTrackId);
}

Bytes Fmp4Muxer::init_segment() const {
  Bytes out;
  BoxWriter w(out);
  write_ftyp(w, tracks_.size());
  w.begin(box_type("moov"));
  // The duration is unknown: the movie is fragmented (8.8.1).
  write_mvhd(w, 0, tracks_.empty() ? 1 : tracks_.back().track_id + 1);
  for (const Fmp4Track& t : tracks_)
    write_trak(w, t);
  w.begin(box_type("mvex"));  // 8.8.1: the presence of mvex announces movie fragments
  for (const Fmp4Track& t : tracks_)
    write_trex(w, t.track_id);
  w.end();  // mvex
  w.end();  // moov
  return out;
}

const Fmp4Track* Fmp4Muxer::track_for(const media::Frame& frame) const {
  for (const Fmp4Track& t : tracks_) {
    if (t.info.kind == frame.kind && t.info.codec == frame.codec) return &t;
  }
  return nullptr;
}

uint32_t Fmp4Muxer::default_duration(const Fmp4Track& t) const {
  switch (t.info.codec) {
    case Codec::AAC:
      return kAacSamplesPerFrame;  // the timescale is the sample rate
    case Codec::Opus:
      return kOpusDefaultSamples;
    default:
      // One frame period; 30 fps when the rate is unknown.
      return static_cast<uint32_t>(
          std::lround(t.timescale / (t.info.frame_rate > 0 ? t.info.frame_rate : 30.0)));
  }
}

Bytes Fmp4Muxer::fragment(std::span<const media::FramePtr> frames,
                          std::optional<int64_t> next_video_dts,
                          std::optional<int64_t> next_audio_dts) {
  // Samples grouped by track: each traf has one trun over one contiguous run in mdat (video's
  // run, then audio's), as 14496-12 8.8.8 lays out a track run.
  std::vector<std::vector<const media::Frame*>> runs(tracks_.size());
  bool any = false;
  for (const media::FramePtr& f : frames) {
    if (!f) continue;
    if (const Fmp4Track* t = track_for(*f)) {
      runs[static_cast<size_t>(t - tracks_.data())].push_back(f.get());
      any = true;
    }
  }
  if (!any) return {};

  uint64_t payload_total = 0;
  for (const auto& run : runs) {
    for (const media::Frame* f : run)
      payload_total += f->payload.size();
  }
  const bool large_mdat = payload_total + 8 > UINT32_MAX;
  const uint64_t mdat_header = large_mdat ? 16 : 8;  // 4.2: size 1 + 64-bit largesize

  Bytes out;
  BoxWriter w(out);
  w.begin(box_type("moof"));
  w.begin_full(box_type("mfhd"), 0, 0);
  w.u32(sequence_number_);
  w.end();

  std::vector<std::pair<size_t, uint64_t>> data_offsets;  // (field position, offset in mdat)
  uint64_t run_start = 0;
  for (size_t i = 0; i < tracks_.size(); ++i) {
    const std::vector<const media::Frame*>& run = runs[i];
    if (run.empty()) continue;
    const Fmp4Track& t = tracks_[i];
    const bool video = t.info.kind == media::MediaKind::Video;
    const std::optional<int64_t> next_dts = video ? next_video_dts : next_audio_dts;
    auto scaled = [&t](int64_t ticks) { return rescale_from_90k(ticks, t.timescale); };

    w.begin(box_type("traf"));
    // default-base-is-moof (8.8.7.1): data offsets count from this moof, so the fragment is
    // self-contained and can be served as an LL-HLS part on its own.
    w.begin_full(box_type("tfhd"), 0, kTfhdDefaultBaseIsMoof);
    w.u32(t.track_id);
    w.end();
    // tfdt version 1 (8.8.12): 64-bit decode time of the first sample, from the absolute dts.
    // The hub's timeline never goes below 0 (media/timeline.hpp); clamp rather than wrap.
    w.begin_full(box_type("tfdt"), 1, 0);
    w.u64(static_cast<uint64_t>(std::max<int64_t>(0, scaled(run.front()->dts))));
    w.end();
    // Version 1 trun: signed composition offsets (8.8.8.1), which B-frames need once an
    // offset is made negative; audio has none, so its trun leaves the field out.
    const uint32_t flags = kTrunDataOffset | kTrunSampleDuration | kTrunSampleSize |
                           kTrunSampleFlags | (video ? kTrunCompositionOffsets : 0);
    w.begin_full(box_type("trun"), video ? 1 : 0, flags);
    w.u32(static_cast<uint32_t>(run.size()));
    data_offsets.emplace_back(w.size(), run_start);
    w.u32(0);  // data_offset, patched once the moof size is known
    uint32_t& last_duration = state_[i].last_duration;
    for (size_t j = 0; j < run.size(); ++j) {
      const media::Frame& f = *run[j];
      const uint32_t fallback = last_duration ? last_duration : default_duration(t);
      // A sample lasts until the next dts on the same timeline: none after the last one
      // unless the caller knows it, and none across a discontinuity (a timestamp jump).
      std::optional<int64_t> until;
      if (j + 1 < run.size()) {
        if (!run[j + 1]->discontinuity) until = run[j + 1]->dts;
      } else {
        until = next_dts;
      }
      const uint32_t duration = until ? clamp_u32(scaled(*until) - scaled(f.dts)) : fallback;
      last_duration = duration;
      w.u32(duration);
      w.u32(static_cast<uint32_t>(f.payload.size()));
      // Audio frames are all sync samples whatever the ingest set in `keyframe`.
      w.u32(!video || f.keyframe ? kSyncSampleFlags : kNonSyncSampleFlags);
      if (video) {
        const int64_t cto = scaled(f.pts) - scaled(f.dts);
        w.u32(static_cast<uint32_t>(static_cast<int32_t>(std::clamp<int64_t>(
            cto, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()))));
      }
      run_start += f.payload.size();
    }
    w.end();  // trun
    w.end();  // traf
  }
  const size_t moof_size = w.end();
  for (const auto& [position, offset] : data_offsets)
    w.patch(position, moof_size + mdat_header + offset, 4);

  if (large_mdat) {
    w.u32(1);
    w.u32(box_type("mdat"));
    w.u64(payload_total + 16);
  } else {
    w.u32(static_cast<uint32_t>(payload_total + 8));
    w.u32(box_type("mdat"));
  }
  // The payloads are copied once, in trun order. Zero-copy would return [moof + mdat header]
  // plus the frames' Buffers as a gather list instead of this one contiguous vector.
  out.reserve(out.size() + payload_total);
  for (const auto& run : runs) {
    for (const media::Frame* f : run)
      w.bytes(f->payload.span());
  }
  ++sequence_number_;
  return out;
}

}  // namespace firstmile::format
