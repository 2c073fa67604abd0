// FlvIngest: a publisher's RTMP audio and video messages (FLV tag bodies) turned into hub
// tracks and frames. The input is a run of messages, each a 7-byte header (bit 0 of the first
// byte: video or audio; a 32-bit timestamp; a 16-bit body size) then the body.
// Checks: a frame's payload is a slice of its message; pts >= dts; a frame comes only with a
// described track of its codec; tracks are handed out when first ready and when they change,
// and then equal the ingest's; the frame counter counts the frames.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "protocol/rtmp/flv_ingest.hpp"

using namespace firstmile;
using namespace firstmile::rtmp;

namespace {

void check_frame(const FlvIngest& ingest, const media::Frame& f, const Buffer& body) {
  if (f.payload.empty()) __builtin_trap();
  if (f.payload.data() < body.data() ||
      f.payload.data() + f.payload.size() > body.data() + body.size())
    __builtin_trap();
  if (f.pts < f.dts) __builtin_trap();
  const auto& track =
      f.kind == media::MediaKind::Video ? ingest.tracks().video : ingest.tracks().audio;
  if (!track || track->codec != f.codec || track->kind != f.kind) __builtin_trap();
  if (track->codec_string.empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FlvIngest ingest;
  uint64_t frames = 0;
  size_t pos = 0;
  while (size - pos >= 7) {
    const bool video = data[pos] & 1;
    const uint32_t ts = static_cast<uint32_t>(data[pos + 1]) << 24 | data[pos + 2] << 16 |
                        data[pos + 3] << 8 | data[pos + 4];
    size_t len = static_cast<size_t>(data[pos + 5]) << 8 | data[pos + 6];
    pos += 7;
    len = std::min(len, size - pos);
    const Buffer body = Buffer::copy(ByteSpan(data + pos, len));
    pos += len;

    const bool announced = ingest.announced();
    auto r = video ? ingest.video(ts, body) : ingest.audio(ts, body);
    if (!r) continue;
    if (r->tracks) {
      if (!r->frame || !ingest.announced()) __builtin_trap();
      if (r->tracks->video.has_value() != ingest.tracks().video.has_value() ||
          r->tracks->audio.has_value() != ingest.tracks().audio.has_value())
        __builtin_trap();
      if (r->tracks->video && !(r->tracks->video->config == ingest.tracks().video->config))
        __builtin_trap();
      if (r->tracks->audio && !(r->tracks->audio->config == ingest.tracks().audio->config))
        __builtin_trap();
    } else if (r->frame && !announced) {
      __builtin_trap();  // the first frame brings the tracks
    }
    if (r->frame) {
      ++frames;
      if (r->frame->kind != (video ? media::MediaKind::Video : media::MediaKind::Audio))
        __builtin_trap();
      check_frame(ingest, *r->frame, body);
    }
    if (ingest.stats().frames != frames) __builtin_trap();
  }
  return 0;
}
