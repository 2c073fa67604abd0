// FLV stream splitting and tag-body parsing (the same bodies arrive in RTMP audio/video
// messages). Checks: no crash, payload spans stay inside the body, and what the writers can
// re-emit parses back to the same codec, kind, composition time and payload.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "format/amf0.hpp"
#include "format/flv.hpp"

using namespace firstmile;
using namespace firstmile::format;

namespace {

void check_inside(ByteSpan part, ByteSpan whole) {
  if (part.empty()) return;
  if (part.data() < whole.data() || part.data() + part.size() > whole.data() + whole.size()) {
    __builtin_trap();
  }
}

void video(ByteSpan body) {
  auto v = parse_video_tag(body);
  if (!v.ok()) return;
  check_inside(v->payload, body);
  if (v->kind != PacketKind::SequenceHeader && v->kind != PacketKind::CodedFrames &&
      v->kind != PacketKind::EndOfSequence) {
    return;
  }
  const Bytes rebuilt =
      build_video_tag(v->codec, v->kind, v->keyframe, v->composition_time_ms, v->payload);
  if (rebuilt.empty()) return;  // codec FLV output does not carry
  auto again = parse_video_tag(rebuilt);
  if (!again.ok()) __builtin_trap();
  if (again->codec != v->codec || again->kind != v->kind) __builtin_trap();
  if (v->kind == PacketKind::CodedFrames && again->composition_time_ms != v->composition_time_ms &&
      (v->codec == media::Codec::H264 || v->codec == media::Codec::H265)) {
    __builtin_trap();
  }
  if (!std::equal(again->payload.begin(), again->payload.end(), v->payload.begin(),
                  v->payload.end())) {
    __builtin_trap();
  }
}

void audio(ByteSpan body) {
  auto a = parse_audio_tag(body);
  if (!a.ok()) return;
  check_inside(a->payload, body);
  if (a->kind == PacketKind::Other || a->codec == media::Codec::Unknown) return;
  const Bytes rebuilt = build_audio_tag(a->codec, a->kind, a->payload);
  if (rebuilt.empty()) return;
  auto again = parse_audio_tag(rebuilt);
  if (!again.ok() || again->codec != a->codec || again->kind != a->kind) __builtin_trap();
  if (!std::equal(again->payload.begin(), again->payload.end(), a->payload.begin(),
                  a->payload.end())) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);
  // The raw input as a single tag body too, so bodies are explored without FLV framing.
  video(input);
  audio(input);

  // Feed in chunks whose size the first byte chooses, to exercise every split point.
  const size_t chunk = size ? (data[0] % 61) + 1 : 1;
  FlvReader reader(1 << 20);
  for (size_t at = 0; at < size; at += chunk) {
    reader.feed(input.subspan(at, std::min(chunk, size - at)));
    for (;;) {
      auto tag = reader.next();
      if (!tag.ok() || !tag->has_value()) break;
      const FlvTag& t = **tag;
      if (t.body.size() != t.header.data_size) __builtin_trap();
      switch (t.header.type) {
        case kFlvTagVideo:
          video(t.body.span());
          break;
        case kFlvTagAudio:
          audio(t.body.span());
          break;
        case kFlvTagScript:
          (void)amf0::decode_all(t.body.span());
          break;
      }
    }
  }
  return 0;
}
