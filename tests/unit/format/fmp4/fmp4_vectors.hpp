#pragma once
// Codec records written by ffmpeg 5.1 (libx264, aac, libopus) for the fMP4 muxer tests:
//   ffmpeg -f lavfi -i testsrc=size=160x120:rate=25 -f lavfi -i sine=sample_rate=44100 -t 3
//     -pix_fmt yuv420p -c:v libx264 -bf 2 -g 25 -c:a aac -ac 2 avc_aac.mp4
//   ffmpeg ... -f lavfi -i sine=sample_rate=48000 -c:a libopus -ac 2 hevc_opus.mp4
// and read back with `ffprobe -show_streams -show_data` (extradata).
#include <memory>

#include "core/buffer.hpp"
#include "core/bytes.hpp"
#include "hex.hpp"
#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::test {

// AVCDecoderConfigurationRecord: High profile (0x64), level 1.1, one SPS (160x120) and one PPS,
// with the High-profile chroma/bit-depth trailer.
inline const Bytes kX264Avcc = from_hex(
    "0164000bffe100196764000bacd942847e5c044000000300400000 0c83c50a65"
    "8001000668ebe3cb22c0fdf8f800");
// AudioSpecificConfig: AAC-LC, 44100 Hz, 2 channels, then the 0x2b7 sync extension (no SBR).
inline const Bytes kAacAsc = from_hex("121056e500");
// RFC 7845 OpusHead: version 1, 2 channels, pre-skip 312, input rate 48000, gain 0, family 0.
inline const Bytes kOpusHead = from_hex("4f707573486561640102380180bb0000000000");
// The dOps box ffmpeg's mov muxer wrote for that stream (-movflags frag_keyframe+empty_moov).
inline const Bytes kFfmpegDops = from_hex("00000013 644f7073 00 02 0138 0000bb80 0000 00");

// Tracks as an ingest adapter hands them over: codec and config only; the muxer completes
// width, sample rate, ... from the config.
inline media::TrackInfo fmp4_track(media::MediaKind kind, media::Codec codec, const Bytes& config) {
  media::TrackInfo t;
  t.kind = kind;
  t.codec = codec;
  t.config = Buffer::copy(config);
  return t;
}
// H.264 (25 fps, as measured by the ingest) + AAC.
inline media::Tracks fmp4_avc_aac_tracks() {
  media::Tracks t;
  t.video = fmp4_track(media::MediaKind::Video, media::Codec::H264, kX264Avcc);
  t.video->frame_rate = 25;
  t.audio = fmp4_track(media::MediaKind::Audio, media::Codec::AAC, kAacAsc);
  return t;
}

inline media::FramePtr fmp4_frame(media::MediaKind kind, media::Codec codec, int64_t dts,
                                  int64_t pts, bool key, Bytes payload) {
  auto f = std::make_shared<media::Frame>();
  f->kind = kind;
  f->codec = codec;
  f->dts = dts;
  f->pts = pts;
  f->keyframe = key;
  f->payload = Buffer::adopt(std::move(payload));
  return f;
}

}  // namespace firstmile::test
