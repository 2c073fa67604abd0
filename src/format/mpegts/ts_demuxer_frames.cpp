// TsDemuxer, output side: access units from reassembled PES payloads (video parameter sets,
// ADTS and Opus framing), and the tracks and frames handed out. Packets, PSI and PES
// reassembly are in ts_demuxer.cpp.
#include "format/mpegts/ts_demuxer.hpp"

#include <algorithm>

#include "format/mpegts/pes.hpp"
#include "media/codec/aac.hpp"
#include "media/codec/h264.hpp"
#include "media/codec/h265.hpp"
#include "media/codec/track_info.hpp"

namespace firstmile::format {

namespace {

// How long (in PTS) the tracks wait for every stream's codec config before they are announced
// with what is known, so that a PMT listing a stream that never comes does not stall the rest.
constexpr int64_t kConfigWaitTicks = 2 * media::kTimeBase;
// Frames held back until the tracks are announced; bytes are bounded by max_pes_bytes.
constexpr size_t kMaxPendingFrames = 1024;

}  // namespace

// Access units.

void TsDemuxer::set_config(Stream& s, Buffer config) {
  if (config.empty() || config == s.config) return;
  media::TrackInfo track;
  track.kind = s.kind;
  track.codec = s.codec;
  track.config = config;
  if (!media::describe_track(track)) {
    ++stats_.pes_errors;  // parameter sets that do not parse: keep what worked before
    return;
  }
  s.config = std::move(config);
  s.track = std::move(track);
  tracks_dirty_ = true;
}

void TsDemuxer::process_video(Stream& s, ByteSpan es, int64_t dts, int64_t pts) {
  VideoAccessUnit au = parse_video_access_unit(s.codec, es);
  if (au.avcc.empty()) return;  // delimiters and filler only

  // Parameter sets are in band (TS has no sequence header): the latest of each kind make the
  // avcC/hvcC, and a change (new resolution, new encoder) re-announces the tracks.
  bool changed = false;
  auto update = [&changed](std::vector<Bytes>& stored, std::vector<Bytes>& found) {
    if (found.empty() || found == stored) return;
    stored = std::move(found);
    changed = true;
  };
  update(s.vps, au.vps);
  update(s.sps, au.sps);
  update(s.pps, au.pps);
  if (changed && !s.sps.empty() && !s.pps.empty()) {
    if (s.codec == media::Codec::H264) {
      set_config(s, Buffer::adopt(media::build_avcc(s.sps, s.pps)));
    } else if (!s.vps.empty()) {
      auto hvcc = media::build_hvcc(s.vps, s.sps, s.pps);
      if (hvcc) {
        set_config(s, Buffer::adopt(std::move(*hvcc)));
      } else {
        ++stats_.pes_errors;
      }
    }
  }

  // A stream joined mid-GOP, or damaged, resumes at a keyframe whose parameters are known.
  if (s.need_keyframe) {
    if (!au.keyframe || s.config.empty()) {
      ++stats_.dropped_frames;
      return;
    }
    s.need_keyframe = false;
  }
  media::Frame f;
  f.kind = s.kind;
  f.codec = s.codec;
  f.dts = dts;
  f.pts = pts;
  f.keyframe = au.keyframe;
  f.payload = Buffer::adopt(std::move(au.avcc));
  deliver(std::move(f));
}

void TsDemuxer::process_aac(Stream& s, const Buffer& pes, size_t offset, int64_t pts) {
  const AdtsFrames adts = split_adts(pes.span().subspan(offset));
  if (adts.malformed) ++stats_.pes_errors;
  // 2.4.3.7: the PTS is that of the first access unit in the PES; each AAC frame holds 1024
  // samples (ISO/IEC 14496-3 1.6.2.1, frameLengthFlag 0), so the next ones follow from the
  // sample rate. Computed from the PES PTS each time so that rounding does not accumulate.
  int64_t samples = 0;
  uint32_t rate = 0;
  for (const AdtsFrame& a : adts.frames) {
    const Bytes asc = media::build_audio_specific_config(a.config);
    if (!std::equal(asc.begin(), asc.end(), s.config.span().begin(), s.config.span().end())) {
      set_config(s, Buffer::copy(asc));
    }
    rate = a.config.sample_rate;
    const int64_t t = pts + samples * media::kTimeBase / rate;
    samples += 1024;
    if (s.config.empty()) {
      ++stats_.dropped_frames;
      continue;
    }
    media::Frame f;
    f.kind = s.kind;
    f.codec = s.codec;
    f.dts = f.pts = t;
    f.keyframe = true;
    f.payload = pes.slice(offset + a.offset, a.size);
    deliver(std::move(f));
  }
  if (rate != 0) s.next_pts = pts + samples * media::kTimeBase / rate;
}

void TsDemuxer::process_opus(Stream& s, const Buffer& pes, size_t offset, int64_t pts) {
  const OpusPackets opus = split_opus(pes.span().subspan(offset));
  if (opus.malformed) ++stats_.pes_errors;
  int64_t samples = 0;  // at 48 kHz (RFC 7845 4: Opus timestamps always count 48 kHz)
  for (const OpusPacket& o : opus.packets) {
    media::Frame f;
    f.kind = s.kind;
    f.codec = s.codec;
    f.dts = f.pts = pts + samples * media::kTimeBase / 48000;
    f.keyframe = true;
    f.payload = pes.slice(offset + o.offset, o.size);
    samples += o.samples;
    deliver(std::move(f));
  }
  s.next_pts = pts + samples * media::kTimeBase / 48000;
}

// ---------------------------------------------------------------------------------------------
// Tracks and frames out.

media::Tracks TsDemuxer::current_tracks() const {
  media::Tracks t;
  for (const Stream& s : streams_) {
    if (s.config.empty()) continue;
    if (s.kind == media::MediaKind::Video) {
      t.video = s.track;
    } else {
      t.audio = s.track;
    }
  }
  return t;
}

void TsDemuxer::announce() {
  const media::Tracks tracks = current_tracks();
  if (tracks.empty()) return;
  announced_ = true;
  tracks_dirty_ = false;
  if (on_tracks) on_tracks(tracks);
  std::vector<media::Frame> frames = std::move(pending_);
  pending_.clear();
  pending_bytes_ = 0;
  for (media::Frame& f : frames) {
    ++stats_.frames;
    if (on_frame) on_frame(std::move(f));
  }
}

void TsDemuxer::deliver(media::Frame frame) {
  if (discontinuity_pending_) {
    frame.discontinuity = true;
    discontinuity_pending_ = false;
    ++stats_.discontinuities;
  }
  if (announced_ && tracks_dirty_) announce();
  if (announced_) {
    ++stats_.frames;
    if (on_frame) on_frame(std::move(frame));
    return;
  }
  // Before the announcement, frames wait until every stream of the program has its config,
  // or until the wait is over (by PTS, or by what is held back).
  if (!wait_start_ || frame.dts < *wait_start_) wait_start_ = frame.dts;
  const int64_t waited = frame.dts - *wait_start_;
  pending_bytes_ += frame.payload.size();
  pending_.push_back(std::move(frame));
  const bool all_known = std::all_of(streams_.begin(), streams_.end(),
                                     [](const Stream& s) { return !s.config.empty(); });
  if (all_known || waited >= kConfigWaitTicks || pending_bytes_ > limits_.max_pes_bytes ||
      pending_.size() >= kMaxPendingFrames) {
    announce();
  }
}

}  // namespace firstmile::format
