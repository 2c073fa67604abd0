// The TS demuxer on real ffmpeg output: tracks, frames, chunking, muxer round trip.
#include "format/mpegts/ts_demuxer_test_util.hpp"

namespace firstmile::format {
namespace {

using namespace ts_demux_vectors;
using media::Codec;
using media::Frame;
using media::MediaKind;

TEST(TsDemuxer, H264AndAacFromFfmpeg) {
  const Output out = demux(kH264AacTs);
  // The PAT and PMT come five times; the tracks are announced once, with both configs.
  ASSERT_EQ(out.tracks.size(), 1u);
  const media::Tracks& t = out.tracks[0];
  ASSERT_TRUE(t.video && t.audio);
  EXPECT_EQ(t.video->codec, Codec::H264);
  EXPECT_EQ(t.video->width, 160u);
  EXPECT_EQ(t.video->height, 120u);
  EXPECT_EQ(t.video->profile, "High");  // ffprobe: High, level 11
  EXPECT_EQ(t.video->codec_string, "avc1.64000b");
  EXPECT_EQ(t.audio->codec, Codec::AAC);
  EXPECT_EQ(t.audio->sample_rate, 48000u);
  EXPECT_EQ(t.audio->channels, 1u);
  EXPECT_EQ(t.audio->codec_string, "mp4a.40.2");
  EXPECT_EQ(bytes_of(t.audio->config), from_hex("1188"));  // LC, 48 kHz, mono

  const auto video = out.of(MediaKind::Video);
  const auto reference = reference_video(kH264AacTs, Codec::H264);
  ASSERT_EQ(video.size(), std::size(kH264Video));
  ASSERT_EQ(reference.size(), video.size());
  for (size_t i = 0; i < video.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(video[i].codec, Codec::H264);
    EXPECT_EQ(video[i].dts, kH264Video[i].dts);
    EXPECT_EQ(video[i].pts, kH264Video[i].pts);
    EXPECT_EQ(video[i].keyframe, kH264Video[i].key);
    EXPECT_FALSE(video[i].discontinuity);
    EXPECT_EQ(reference[i].annexb_size, kH264Video[i].size);
    EXPECT_EQ(bytes_of(video[i].payload), reference[i].avcc);
    const auto types = nal_types(video[i]);
    EXPECT_EQ(std::count(types.begin(), types.end(), media::h264::kAud), 0);
    if (kH264Video[i].key) {
      EXPECT_EQ(types[0], media::h264::kSps);
      EXPECT_EQ(types[1], media::h264::kPps);
      EXPECT_EQ(types.back(), media::h264::kIdr);
    }
    if (i > 0) {
      EXPECT_EQ(video[i].dts - video[i - 1].dts, 3600);  // 25 fps
    }
  }

  const auto audio = out.of(MediaKind::Audio);
  ASSERT_EQ(audio.size(), kAacFrames);
  for (size_t i = 0; i < audio.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(audio[i].codec, Codec::AAC);
    EXPECT_EQ(audio[i].dts, kAacFirstPts + static_cast<int64_t>(i) * 1920);  // 1024 / 48 kHz
    EXPECT_EQ(audio[i].pts, audio[i].dts);
    EXPECT_TRUE(audio[i].keyframe);
    EXPECT_EQ(audio[i].payload.size() + 7, kAacAdtsSizes[i]);  // without the ADTS header
  }
  EXPECT_EQ(out.stats.frames, 30u);
  EXPECT_EQ(out.stats.cc_errors, 0u);
  EXPECT_EQ(out.stats.sync_errors, 0u);
  EXPECT_EQ(out.stats.pes_errors, 0u);
  EXPECT_EQ(out.stats.psi_errors, 0u);
  EXPECT_EQ(out.stats.dropped_frames, 0u);
  EXPECT_EQ(out.stats.pmt_changes, 0u);
  EXPECT_EQ(out.stats.packets, 37u);
  EXPECT_EQ(out.stats.pcrs, 6u);  // in adaptation fields of six video packets
}

TEST(TsDemuxer, H265FromFfmpeg) {
  const Output out = demux(kH265Ts);
  ASSERT_EQ(out.tracks.size(), 1u);
  const media::Tracks& t = out.tracks[0];
  ASSERT_TRUE(t.video);
  EXPECT_FALSE(t.audio);
  EXPECT_EQ(t.video->codec, Codec::H265);
  EXPECT_EQ(t.video->width, 160u);
  EXPECT_EQ(t.video->height, 120u);
  EXPECT_EQ(t.video->profile, "Main");  // ffprobe: Main, level 30
  EXPECT_DOUBLE_EQ(t.video->level, 1.0);
  EXPECT_EQ(t.video->codec_string.rfind("hvc1.1.6.L30.", 0), 0u) << t.video->codec_string;

  const auto video = out.of(MediaKind::Video);
  const auto reference = reference_video(kH265Ts, Codec::H265);
  ASSERT_EQ(video.size(), std::size(kH265Video));
  ASSERT_EQ(reference.size(), video.size());
  for (size_t i = 0; i < video.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(video[i].codec, Codec::H265);
    EXPECT_EQ(video[i].dts, kH265Video[i].dts);
    EXPECT_EQ(video[i].pts, kH265Video[i].pts);
    EXPECT_EQ(video[i].keyframe, kH265Video[i].key);
    const auto types = nal_types(video[i]);
    EXPECT_EQ(std::count(types.begin(), types.end(), media::h265::kAud), 0);
    // ffmpeg's HEVC parser cuts access units before the 3-byte start code of the next one's
    // AUD, so it counts the leading zero byte of that AUD's 4-byte start code to the previous
    // frame: one byte more per frame that has a successor, one less per frame that has a
    // predecessor.
    const size_t probed = reference[i].annexb_size + (i + 1 < video.size() ? 1 : 0) - (i ? 1 : 0);
    EXPECT_EQ(probed, kH265Video[i].size);
    EXPECT_EQ(bytes_of(video[i].payload), reference[i].avcc);
    if (kH265Video[i].key) {
      EXPECT_EQ(types[0], media::h265::kVps);
      EXPECT_EQ(types[1], media::h265::kSps);
      EXPECT_EQ(types[2], media::h265::kPps);
      EXPECT_TRUE(media::h265::is_irap(static_cast<uint8_t>(types.back())));
    }
  }
}

TEST(TsDemuxer, OpusFromFfmpeg) {
  const Output out = demux(kOpusTs);
  ASSERT_EQ(out.tracks.size(), 1u);
  const media::Tracks& t = out.tracks[0];
  EXPECT_FALSE(t.video);
  ASSERT_TRUE(t.audio);
  EXPECT_EQ(t.audio->codec, Codec::Opus);
  EXPECT_EQ(t.audio->channels, 2u);
  EXPECT_EQ(t.audio->sample_rate, 48000u);
  EXPECT_EQ(t.audio->codec_string, "opus");
  // RFC 7845 5.1: magic, version 1, 2 channels, pre-skip 0, 48000 Hz, gain 0, family 0.
  EXPECT_EQ(bytes_of(t.audio->config), from_hex("4f707573486561640102000080bb0000000000"));

  const auto audio = out.of(MediaKind::Audio);
  ASSERT_EQ(audio.size(), kOpusFrames);
  for (size_t i = 0; i < audio.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(audio[i].codec, Codec::Opus);
    EXPECT_EQ(audio[i].dts, kOpusFirstPts + static_cast<int64_t>(i) * 1800);  // 20 ms
    EXPECT_EQ(audio[i].pts, audio[i].dts);
    EXPECT_EQ(audio[i].payload.size(), kOpusSizes[i]);
    // The control header is gone: a packet starts with its TOC byte, whose top 11 bits are
    // never the 0x3FF prefix in a packet from libopus.
    ASSERT_GE(audio[i].payload.size(), 2u);
    EXPECT_NE(audio[i].payload[0], 0x7F);
  }
  EXPECT_EQ(out.stats.pes_errors, 0u);
}

TEST(TsDemuxer, OutputDoesNotDependOnChunking) {
  const Output whole = demux(kH264AacTs);
  std::mt19937 rng(7);
  std::vector<size_t> random_sizes;
  for (int i = 0; i < 64; ++i)
    random_sizes.push_back(std::uniform_int_distribution<size_t>(1, 700)(rng));
  for (const auto& chunks : std::vector<std::vector<size_t>>{{1}, {1316}, {187}, random_sizes}) {
    SCOPED_TRACE(chunks.size() == 1 ? std::to_string(chunks[0]) : "random");
    const Output split = demux(kH264AacTs, chunks);
    ASSERT_EQ(split.tracks.size(), 1u);
    EXPECT_EQ(split.tracks[0].video->config, whole.tracks[0].video->config);
    EXPECT_EQ(split.tracks[0].audio->config, whole.tracks[0].audio->config);
    expect_same_frames(split.frames, whole.frames);
  }
}

TEST(TsDemuxer, RoundTripThroughTsMuxer) {
  const Output first = demux(kH264AacTs);
  ASSERT_EQ(first.tracks.size(), 1u);
  TsMuxer mux(first.tracks[0]);
  Bytes ts;
  mux.write_tables(ts);
  for (const Frame& f : first.frames) {
    ASSERT_TRUE(mux.write_frame(f, ts).ok());
  }
  const Output second = demux(ts);
  ASSERT_EQ(second.tracks.size(), 1u);
  EXPECT_EQ(second.tracks[0].video->config, first.tracks[0].video->config);
  EXPECT_EQ(second.tracks[0].audio->config, first.tracks[0].audio->config);
  for (MediaKind kind : {MediaKind::Video, MediaKind::Audio}) {
    const auto a = first.of(kind);
    const auto b = second.of(kind);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      SCOPED_TRACE(i);
      // The muxer shifts every timestamp by kTimestampOffset, and adds an AUD that the
      // demuxer removes again.
      EXPECT_EQ(b[i].dts, a[i].dts + kTimestampOffset);
      EXPECT_EQ(b[i].pts, a[i].pts + kTimestampOffset);
      EXPECT_EQ(b[i].keyframe, a[i].keyframe);
      EXPECT_EQ(b[i].payload, a[i].payload);
    }
  }
  EXPECT_EQ(second.stats.dropped_frames, 0u);
  EXPECT_EQ(second.stats.cc_errors, 0u);
}

TEST(TsDemuxer, MidGopStartWaitsForKeyframe) {
  // Cut before packet 9: the first keyframe and the tables are gone; the tables come again at
  // packet 11, the second keyframe (dts 144000) at packet 17.
  const Output out = demux(packets(kH264AacTs, 9, 37));
  const auto video = out.of(MediaKind::Video);
  ASSERT_EQ(video.size(), 5u);
  for (size_t i = 0; i < video.size(); ++i) {
    EXPECT_EQ(video[i].dts, kH264Video[5 + i].dts);
    EXPECT_EQ(video[i].pts, kH264Video[5 + i].pts);
    EXPECT_EQ(video[i].keyframe, kH264Video[5 + i].key);
  }
  EXPECT_EQ(out.of(MediaKind::Audio).size(), kAacFrames);  // audio needs no keyframe
  EXPECT_EQ(out.stats.dropped_frames, 2u);  // the two inter frames between tables and key
  // The tracks still carry the SPS of the stream: it came in band with the keyframe.
  ASSERT_EQ(out.tracks.size(), 1u);
  EXPECT_EQ(out.tracks[0].video->width, 160u);
}

}  // namespace
}  // namespace firstmile::format
