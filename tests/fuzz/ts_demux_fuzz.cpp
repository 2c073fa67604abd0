// MPEG-TS demuxing (SRT and UDP ingest). Checks: no crash or unbounded growth, the output does
// not depend on how the input is cut into feed() calls, and every frame is well-formed: after
// the tracks of its kind, pts >= dts, video as 4-byte length-prefixed NAL units starting at a
// keyframe, audio never empty.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "format/mpegts/ts_demuxer.hpp"
#include "media/codec/nal.hpp"

using namespace firstmile;
using namespace firstmile::format;

namespace {

struct Run {
  std::vector<media::Tracks> tracks;
  std::vector<media::Frame> frames;
};

Run demux(ByteSpan input, size_t chunk) {
  Run run;
  TsDemuxerLimits limits;
  limits.max_pes_bytes = 1 << 20;  // a smaller bound makes the limit paths reachable
  limits.max_pids = 8;
  limits.max_programs = 4;
  TsDemuxer d(limits);
  bool video_started = false;
  d.on_tracks = [&](const media::Tracks& t) {
    if (t.empty()) __builtin_trap();
    if (t.video && (!t.video->has_config() || t.video->kind != media::MediaKind::Video)) {
      __builtin_trap();
    }
    if (t.audio && (!t.audio->has_config() || t.audio->kind != media::MediaKind::Audio)) {
      __builtin_trap();
    }
    if (!run.tracks.empty() && !(run.tracks.back().video && t.video)) video_started = false;
    run.tracks.push_back(t);
  };
  d.on_frame = [&](media::Frame f) {
    if (run.tracks.empty()) __builtin_trap();
    const media::Tracks& t = run.tracks.back();
    const auto& track = f.kind == media::MediaKind::Video ? t.video : t.audio;
    if (!track || track->codec != f.codec) __builtin_trap();
    if (f.pts < f.dts || f.payload.empty()) __builtin_trap();
    if (f.kind == media::MediaKind::Video) {
      if (!video_started && !f.keyframe) __builtin_trap();
      video_started = true;
      if (!media::for_each_nal_avcc(f.payload.span(), [](ByteSpan nal) {
            if (nal.empty()) __builtin_trap();
          })) {
        __builtin_trap();
      }
    }
    run.frames.push_back(std::move(f));
  };
  for (size_t pos = 0; pos < input.size(); pos += chunk)
    d.feed(input.subspan(pos, std::min(chunk, input.size() - pos)));
  d.flush();
  if (d.stats().frames != run.frames.size()) __builtin_trap();
  if (d.tracked_pids() > 4) __builtin_trap();
  return run;
}

bool same(const Run& a, const Run& b) {
  if (a.tracks.size() != b.tracks.size() || a.frames.size() != b.frames.size()) return false;
  for (size_t i = 0; i < a.frames.size(); ++i) {
    const media::Frame& x = a.frames[i];
    const media::Frame& y = b.frames[i];
    if (x.kind != y.kind || x.dts != y.dts || x.pts != y.pts || x.keyframe != y.keyframe ||
        x.discontinuity != y.discontinuity || !(x.payload == y.payload)) {
      return false;
    }
  }
  for (size_t i = 0; i < a.tracks.size(); ++i) {
    const media::Tracks& x = a.tracks[i];
    const media::Tracks& y = b.tracks[i];
    if (x.video.has_value() != y.video.has_value() || x.audio.has_value() != y.audio.has_value())
      return false;
    if (x.video && !(x.video->config == y.video->config)) return false;
    if (x.audio && !(x.audio->config == y.audio->config)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);
  const Run whole = demux(input, size == 0 ? 1 : size);
  // SRT datagrams, an odd size that never lines up with packets, and byte by byte for small
  // inputs.
  if (!same(whole, demux(input, 1316))) __builtin_trap();
  if (!same(whole, demux(input, 157))) __builtin_trap();
  if (size <= 4096 && !same(whole, demux(input, 1))) __builtin_trap();
  return 0;
}
