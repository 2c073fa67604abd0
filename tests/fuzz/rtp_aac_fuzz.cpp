// AAC RTP payloads arrive from any RTSP camera, ffmpeg or GStreamer sender, in either payload
// format (RFC 3640 mpeg4-generic, RFC 6416 MP4A-LATM). The input picks a parameter set for
// each depacketizer, then is cut into packets (a header byte: marker, sequence and timestamp
// steps; a length byte; the payload), each copied to a buffer of its own size so a read past it
// is caught. Checks: every frame output is non-empty and within max_au_bytes, no packet gives
// more than max_aus_per_packet, the counters match what came out; frames (sized from the input)
// packetized in both formats come back whole with their timestamps; a StreamMuxConfig that
// parses, rebuilt from its AudioSpecificConfig, parses to the same config.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "format/rtp/aac.hpp"
#include "format/rtp/latm.hpp"
#include "format/sdp.hpp"

using namespace firstmile;
using namespace firstmile::format;

namespace {

constexpr const char* kGeneric[] = {
    "mode=AAC-hbr; sizelength=13; indexlength=3; indexdeltalength=3; config=1190",
    "mode=AAC-lbr; config=1190",
    "mode=generic; sizelength=6; indexlength=2; indexdeltalength=2; ctsdeltalength=4; "
    "dtsdeltalength=3; randomaccessindication=1; streamstateindication=2; "
    "auxiliarydatasizelength=8; config=1190",
    "mode=generic; constantsize=4; config=1190",
    "config=1190",
    "mode=generic; indexlength=3; config=1190",
    "mode=AAC-hbr; auxiliarydatasizelength=32; ctsdeltalength=32; config=1194",
};

constexpr const char* kLatm[] = {
    "cpresent=0; config=400023203fc0",
    "cpresent=0; config=410023203fc0",        // two frames per element
    "cpresent=0; config=400023203fe10ad0",    // 16 bits of other data, CRC
    "cpresent=0; config=8ff80001011901fe00",  // audioMuxVersion 1
    "cpresent=0; config=4f0023203fc0",        // sixteen frames per element
};

rtp::FmtpParams params_of(const std::string& value) {
  auto f = sdp::parse_fmtp("96 " + value);
  if (!f) __builtin_trap();
  return f->params;
}

struct Checked {
  size_t emitted = 0;
};

template <class Depacketizer>
void feed(Depacketizer& d, const rtp::Packet& p, const rtp::AacDepacketizerLimits& limits,
          Checked& checked) {
  std::vector<rtp::AacAccessUnit> out;
  (void)d.push(p, out);
  if (out.size() > limits.max_aus_per_packet) __builtin_trap();
  for (const auto& au : out) {
    if (au.data.empty() || au.data.size() > limits.max_au_bytes) __builtin_trap();
  }
  checked.emitted += out.size();
  if (d.stats().access_units != checked.emitted) __builtin_trap();
}

template <class Packetizer, class Depacketizer>
void round_trip(Packetizer& packetizer, Depacketizer& depacketizer, size_t max_payload,
                const std::vector<std::pair<uint32_t, Bytes>>& frames, bool flush) {
  std::vector<rtp::AacRtpPayload> payloads;
  for (const auto& [timestamp, frame] : frames) {
    if (!packetizer.push(frame, timestamp, payloads)) __builtin_trap();
  }
  if constexpr (requires { packetizer.flush(payloads); }) {
    if (flush) packetizer.flush(payloads);
  }
  std::vector<rtp::AacAccessUnit> out;
  uint16_t sequence = 0xFFF0;
  for (const auto& payload : payloads) {
    if (payload.payload.size() > max_payload) __builtin_trap();
    rtp::Packet p;
    p.sequence = sequence++;
    p.timestamp = payload.timestamp;
    p.marker = payload.marker;
    p.payload = payload.payload;
    if (!depacketizer.push(p, out)) __builtin_trap();
  }
  if (out.size() != frames.size()) __builtin_trap();
  for (size_t i = 0; i < frames.size(); ++i) {
    if (out[i].timestamp != frames[i].first || out[i].data != frames[i].second) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;

  // Packets into both depacketizers.
  rtp::AacDepacketizerLimits limits;
  if (data[1] & 0x80) {
    limits.max_au_bytes = 16;
    limits.max_aus_per_packet = 3;
  }
  auto generic_params = rtp::parse_mpeg4_generic_fmtp(params_of(kGeneric[data[0] % 7]));
  auto latm_params = rtp::parse_latm_fmtp(params_of(kLatm[(data[0] >> 3) % 5]));
  if (!generic_params || !latm_params) __builtin_trap();
  const uint32_t clock = (data[1] & 0x40) ? 48000 : 0;
  rtp::Mpeg4GenericDepacketizer generic(*generic_params, clock, limits);
  rtp::LatmDepacketizer latm(*latm_params, clock, limits);
  Checked generic_checked, latm_checked;
  uint16_t sequence = 0xFFF8;
  uint32_t timestamp = 0xFFFFE000;
  size_t pos = 2;
  for (int n = 0; n < 64 && pos + 2 <= size; ++n) {
    const uint8_t head = data[pos];
    const size_t length = std::min<size_t>(data[pos + 1], size - pos - 2);
    pos += 2;
    // Sequence: 0 repeats, 1 next, 2 skips one, 3 goes back one.
    const int steps[] = {0, 1, 2, -1};
    sequence = static_cast<uint16_t>(sequence + steps[head & 3]);
    const uint32_t ts_steps[] = {0, 1024, 960, 0xFFFFFC00};
    timestamp += ts_steps[(head >> 2) & 3];
    const Bytes payload(data + pos, data + pos + length);  // exactly its size: ASan sees overreads
    pos += length;
    rtp::Packet p;
    p.sequence = sequence;
    p.timestamp = timestamp;
    p.marker = (head & 0x80) != 0;
    p.payload = payload;
    feed(generic, p, limits, generic_checked);
    feed(latm, p, limits, latm_checked);
    if (head == 0x7F) {
      generic.reset();
      latm.reset();
    }
  }

  // Frames sized by the input's bytes, through both formats and back.
  std::vector<std::pair<uint32_t, Bytes>> frames;
  uint32_t ts = 0xFFFFF800;
  for (size_t i = 2; i < size && frames.size() < 12; ++i) {
    Bytes frame(1 + size_t{data[i]} * 4);  // up to 1021 bytes: fragments below 1024-byte MTUs
    for (size_t j = 0; j < frame.size(); ++j)
      frame[j] = data[(i + j) % size];
    frames.emplace_back(ts, std::move(frame));
    ts += (data[i] & 1) ? 2048 : 1024;
  }
  rtp::AacPacketizerOptions options;
  options.max_payload_bytes = 64 + size_t{data[1]} * 6;
  options.max_frames_per_packet = 1 + (data[0] >> 4) % 8;
  {
    rtp::Mpeg4GenericPacketizer packetizer(options);
    auto params =
        rtp::parse_mpeg4_generic_fmtp(params_of(rtp::mpeg4_generic_fmtp(Bytes{0x11, 0x90})));
    if (!params) __builtin_trap();
    rtp::Mpeg4GenericDepacketizer depacketizer(*params);
    round_trip(packetizer, depacketizer, options.max_payload_bytes, frames, true);
  }
  {
    rtp::LatmPacketizer packetizer(options);
    auto line = rtp::latm_fmtp(Bytes{0x11, 0x90});
    if (!line) __builtin_trap();
    auto params = rtp::parse_latm_fmtp(params_of(*line));
    if (!params) __builtin_trap();
    rtp::LatmDepacketizer depacketizer(*params);
    round_trip(packetizer, depacketizer, options.max_payload_bytes, frames, false);
  }

  // The input as a StreamMuxConfig.
  const Bytes config(data + 2, data + size);
  auto mux = rtp::parse_stream_mux_config(config);
  if (mux && mux->audio_mux_version == 0) {
    auto built = rtp::build_stream_mux_config(mux->audio_specific_config);
    if (!built) __builtin_trap();
    auto again = rtp::parse_stream_mux_config(*built);
    if (!again || again->audio_specific_config != mux->audio_specific_config) __builtin_trap();
  }
  return 0;
}
