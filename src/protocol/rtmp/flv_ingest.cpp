#include "protocol/rtmp/flv_ingest.hpp"

#include "format/flv.hpp"
#include "media/codec/track_info.hpp"

namespace firstmile::rtmp {

using format::PacketKind;

namespace {
// The offset of `inner` inside `outer`, for slicing the message Buffer without a copy.
size_t offset_in(const Buffer& outer, ByteSpan inner) {
  return inner.empty() ? outer.size() : static_cast<size_t>(inner.data() - outer.data());
}
}  // namespace

int64_t FlvIngest::unwrap(media::TimestampUnwrapper& u, uint32_t ms, bool& jumped) {
  auto r = u.unwrap(ms);
  jumped = r.discontinuity;
  if (jumped) ++stats_.discontinuities;
  return media::ms_to_ticks(r.value);
}

IngestResult FlvIngest::emit(media::Frame frame) {
  IngestResult r;
  if (!announced_ || changed_) {
    r.tracks = tracks_;
    announced_ = true;
    changed_ = false;
  }
  ++stats_.frames;
  r.frame = std::move(frame);
  return r;
}

Result<IngestResult> FlvIngest::video(uint32_t timestamp_ms, const Buffer& body) {
  auto tag = format::parse_video_tag(body.span());
  if (!tag) {
    ++stats_.errors;
    return wrap("video tag", tag.error());
  }
  if (tag->kind == PacketKind::SequenceHeader) {
    if (tag->codec != media::Codec::H264 && tag->codec != media::Codec::H265) {
      ++stats_.dropped_unsupported;
      return IngestResult{};
    }
    media::TrackInfo t;
    t.kind = media::MediaKind::Video;
    t.codec = tag->codec;
    t.config = body.slice(offset_in(body, tag->payload), tag->payload.size());
    if (auto st = media::describe_track(t); !st) {
      ++stats_.errors;
      return wrap("video sequence header", st.error());
    }
    if (!tracks_.video || !(tracks_.video->config == t.config)) {
      if (announced_) changed_ = true;
      tracks_.video = std::move(t);
    }
    return IngestResult{};
  }
  if (tag->kind != PacketKind::CodedFrames) return IngestResult{};
  if (!tracks_.video || tracks_.video->codec != tag->codec) {
    if (tag->codec == media::Codec::H264 || tag->codec == media::Codec::H265) {
      ++stats_.dropped_no_config;
    } else {
      ++stats_.dropped_unsupported;
    }
    return IngestResult{};
  }
  if (tag->payload.empty()) return IngestResult{};
  media::Frame f;
  f.kind = media::MediaKind::Video;
  f.codec = tag->codec;
  bool jumped = false;
  f.dts = unwrap(video_clock_, timestamp_ms, jumped);
  f.pts = f.dts + media::ms_to_ticks(tag->composition_time_ms);
  if (f.pts < f.dts) f.pts = f.dts;  // a negative composition offset is an encoder bug
  f.keyframe = tag->keyframe;
  f.discontinuity = jumped;
  f.payload = body.slice(offset_in(body, tag->payload), tag->payload.size());
  return emit(std::move(f));
}

Result<IngestResult> FlvIngest::audio(uint32_t timestamp_ms, const Buffer& body) {
  auto tag = format::parse_audio_tag(body.span());
  if (!tag) {
    ++stats_.errors;
    return wrap("audio tag", tag.error());
  }
  if (tag->codec != media::Codec::AAC) {
    ++stats_.dropped_unsupported;
    return IngestResult{};
  }
  if (tag->kind == PacketKind::SequenceHeader) {
    media::TrackInfo t;
    t.kind = media::MediaKind::Audio;
    t.codec = tag->codec;
    t.config = body.slice(offset_in(body, tag->payload), tag->payload.size());
    if (auto st = media::describe_track(t); !st) {
      ++stats_.errors;
      return wrap("audio sequence header", st.error());
    }
    if (!tracks_.audio || !(tracks_.audio->config == t.config)) {
      if (announced_) changed_ = true;
      tracks_.audio = std::move(t);
    }
    return IngestResult{};
  }
  if (tag->kind != PacketKind::CodedFrames) return IngestResult{};
  if (!tracks_.audio) {
    ++stats_.dropped_no_config;
    return IngestResult{};
  }
  if (tag->payload.empty()) return IngestResult{};
  media::Frame f;
  f.kind = media::MediaKind::Audio;
  f.codec = tag->codec;
  bool jumped = false;
  f.dts = unwrap(audio_clock_, timestamp_ms, jumped);
  f.pts = f.dts;
  f.keyframe = true;
  f.discontinuity = jumped;
  f.payload = body.slice(offset_in(body, tag->payload), tag->payload.size());
  return emit(std::move(f));
}

}  // namespace firstmile::rtmp
