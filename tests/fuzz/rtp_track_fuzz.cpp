// What an RTSP publisher or a camera sends once its SDP is accepted: RTP packets of any content
// for an H.264, H.265, AAC (both formats), Opus or G.711 track. The first byte picks the track, the
// rest is records of [flags][length][payload] (flags: bit 0 the marker, bits 1-3 timestamp
// steps, bit 4 a lost packet before this one). Checks: frames have a payload and decode times
// at or below their presentation times; video decode times strictly increase; the track, once
// known, has a configuration (G.711 has none).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/rtp/track_receiver.hpp"

using namespace firstmile;
using namespace firstmile::format;

namespace {

constexpr std::string_view kHead = "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
constexpr std::string_view kTracks[] = {
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1; "
    "sprop-parameter-sets=Z2QACqzZQoR+XARAAAADAEAAAAUDxIllgA==,aOvjyyLA\r\n",
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n",
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\n",
    "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\na=fmtp:97 "
    "mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190\r\n",
    "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MP4A-LATM/44100/1\r\na=fmtp:97 "
    "cpresent=0;config=40002410\r\n",
    "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 opus/48000/2\r\n",
    "m=audio 0 RTP/AVP 8\r\n",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto which = data[0] % std::size(kTracks);
  auto session = sdp::parse(std::string(kHead) + std::string(kTracks[which]));
  if (!session) __builtin_trap();
  auto receiver = rtp::TrackReceiver::create(session->media[0]);
  if (!receiver) __builtin_trap();
  auto& r = **receiver;
  std::vector<media::Frame> frames;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  int64_t arrival = 0;
  size_t pos = 1;
  while (size - pos >= 2) {
    const uint8_t flags = data[pos];
    const size_t n = std::min<size_t>(data[pos + 1], size - pos - 2);
    rtp::Packet p;
    p.payload = ByteSpan(data + pos + 2, n);
    pos += 2 + n;
    if (flags & 0x10) ++sequence;
    // Steps forward and, for B-frames, back.
    timestamp += static_cast<uint32_t>(((flags >> 1) & 7) * 1500) - 4500;
    arrival += 3000;
    p.marker = flags & 1;
    p.sequence = sequence++;
    p.timestamp = timestamp;
    p.payload_type = r.payload_type();
    r.push(p, arrival, frames);
  }
  r.flush(frames);
  int64_t last_dts = INT64_MIN;
  for (const auto& f : frames) {
    if (f.payload.empty() || f.dts > f.pts) __builtin_trap();
    if (f.kind == media::MediaKind::Video) {
      if (f.dts <= last_dts) __builtin_trap();
      last_dts = f.dts;
    }
  }
  // G.711 has no codec configuration; every other carried codec needs one.
  const bool g711 = r.codec() == media::Codec::G711A || r.codec() == media::Codec::G711U;
  if (r.track() && !g711 && !r.track()->has_config()) __builtin_trap();
  return 0;
}
