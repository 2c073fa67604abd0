#pragma once
// FLV tag bodies for frames, sequence headers and metadata: the payload of an FLV tag and of
// an RTMP audio/video/data message alike, so HTTP-FLV and RTMP playback share this code.
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::output {

// Sequence header body (AVC/HEVC configuration, AudioSpecificConfig); nullopt when the track
// has no config or FLV cannot carry its codec.
std::optional<Bytes> config_body(const media::TrackInfo& track);
// "onMetaData" + ECMA array describing the tracks (width, height, framerate, codec ids ...).
Bytes metadata_body(const media::Tracks& tracks);
// Appends the few bytes that precede a coded frame's payload in its body (codec id, packet
// type, composition time); false when FLV cannot carry the codec. The caller appends the
// payload itself, so each frame's payload is copied once into its packaged form.
bool write_frame_body_header(Bytes& out, const media::Frame& frame, const media::Tracks& tracks);

// 32-bit millisecond timestamp of a frame, as FLV and RTMP carry it (wraps after ~49 days).
inline uint32_t flv_timestamp(int64_t dts_ticks) {
  return static_cast<uint32_t>(static_cast<uint64_t>(media::ticks_to_ms(dts_ticks)));
}

}  // namespace firstmile::output
