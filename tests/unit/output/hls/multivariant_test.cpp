#include "output/hls/multivariant.hpp"

#include <gtest/gtest.h>

#include "output/hls/segmenter.hpp"

namespace firstmile::hls {
namespace {

media::Tracks av_tracks() {
  media::Tracks t;
  media::TrackInfo v;
  v.kind = media::MediaKind::Video;
  v.codec = media::Codec::H264;
  v.codec_string = "avc1.4d401f";
  v.width = 1280;
  v.height = 720;
  v.frame_rate = 29.97;
  t.video = v;
  media::TrackInfo a;
  a.kind = media::MediaKind::Audio;
  a.codec = media::Codec::AAC;
  a.codec_string = "mp4a.40.2";
  a.sample_rate = 48000;
  a.channels = 2;
  t.audio = a;
  return t;
}

TEST(Multivariant, VideoAndAudioFromSegments) {
  // 250,000 bytes in 2 s = 1,000,000 b/s; 150,000 bytes in 1.5 s = 800,000 b/s.
  auto v = describe_variant("index.m3u8", av_tracks(), {{250000, 2.0}, {150000, 1.5}}, 0);
  EXPECT_EQ(v.bandwidth, 1000000u);
  EXPECT_EQ(v.average_bandwidth, 914286u);  // 400,000 bytes * 8 / 3.5 s, rounded up
  EXPECT_EQ(render_multivariant({v}),
            "#EXTM3U\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1000000,AVERAGE-BANDWIDTH=914286,"
            "CODECS=\"avc1.4d401f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=29.970\n"
            "index.m3u8\n");
}

TEST(Multivariant, AudioOnlyHasNoResolution) {
  auto tracks = av_tracks();
  tracks.video.reset();
  auto v = describe_variant("index.m3u8", tracks, {{32000, 2.0}}, 0);
  EXPECT_EQ(render_multivariant({v}),
            "#EXTM3U\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=128000,AVERAGE-BANDWIDTH=128000,CODECS=\"mp4a.40.2\"\n"
            "index.m3u8\n");
}

TEST(Multivariant, VideoOnlyWithUnknownRate) {
  auto tracks = av_tracks();
  tracks.audio.reset();
  tracks.video->frame_rate = 0;
  auto v = describe_variant("index.m3u8", tracks, {}, 0);
  EXPECT_EQ(render_multivariant({v}),
            "#EXTM3U\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.4d401f\",RESOLUTION=1280x720\n"
            "index.m3u8\n");
}

TEST(Multivariant, MeasuredRateBeforeTheFirstSegment) {
  auto v = describe_variant("index.m3u8", av_tracks(), {}, 2000000);
  EXPECT_EQ(v.bandwidth, 2200000u);  // 10% container overhead
  EXPECT_EQ(v.average_bandwidth, 0u);
}

TEST(Multivariant, TinySegmentsDoNotSetThePeak) {
  // A 10 ms segment (a cut right before the end) would claim 80 Mb/s.
  auto v = describe_variant("index.m3u8", av_tracks(), {{100000, 0.01}, {125000, 1.0}}, 0);
  EXPECT_EQ(v.bandwidth, 1000000u);
}

TEST(Multivariant, SeveralVariantsInOrder) {
  VariantInfo hi{"hi/index.m3u8", 3000000, 0, "avc1.64001f", 1920, 1080, 30, ""};
  VariantInfo lo{"lo/index.m3u8", 800000, 0, "avc1.42c01e", 640, 360, 30, ""};
  EXPECT_EQ(render_multivariant({hi, lo}),
            "#EXTM3U\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=3000000,CODECS=\"avc1.64001f\",RESOLUTION=1920x1080,"
            "FRAME-RATE=30.000\nhi/index.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.42c01e\",RESOLUTION=640x360,"
            "FRAME-RATE=30.000\nlo/index.m3u8\n");
}

HlsSnapshot snapshot_with(std::vector<std::pair<size_t, double>> segments) {
  HlsSnapshot s;
  s.playlist = "#EXTM3U\n";  // only whether it is there counts
  s.tracks = av_tracks();
  for (auto [bytes, seconds] : segments) {
    HlsSegment seg;
    seg.duration = seconds;
    seg.data = Buffer::adopt(Bytes(bytes));
    s.segments.push_back(seg);
  }
  return s;
}

TEST(Multivariant, VideoVariantWithAnAudioRendition) {
  const HlsSnapshot muxed = snapshot_with({{280000, 2.0}});
  // Video: peak 1,000,000 b/s, average 914,286; audio: 128,000 both.
  const HlsSnapshot video = snapshot_with({{250000, 2.0}, {150000, 1.5}});
  const HlsSnapshot audio = snapshot_with({{32000, 2.0}, {24000, 1.5}});
  // RFC 8216bis 4.4.6.2: CODECS lists the audio rendition's codec too, BANDWIDTH and
  // AVERAGE-BANDWIDTH are the sums, AUDIO names the EXT-X-MEDIA group (4.4.6.1).
  EXPECT_EQ(stream_multivariant(muxed, &video, &audio),
            "#EXTM3U\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"audio\",DEFAULT=YES,"
            "AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1128000,AVERAGE-BANDWIDTH=1042286,"
            "CODECS=\"avc1.4d401f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=29.970,"
            "AUDIO=\"audio\"\n"
            "video.m3u8\n");
}

TEST(Multivariant, MuxedVariantWhileTheRenditionsDoNotRun) {
  const HlsSnapshot muxed = snapshot_with({{250000, 2.0}});
  const std::string alone =
      "#EXTM3U\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=1000000,AVERAGE-BANDWIDTH=1000000,"
      "CODECS=\"avc1.4d401f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=29.970\n"
      "index.m3u8\n";
  EXPECT_EQ(stream_multivariant(muxed, nullptr, nullptr), alone);
  HlsSnapshot video = snapshot_with({{250000, 2.0}});
  HlsSnapshot audio;  // no segment yet
  EXPECT_EQ(stream_multivariant(muxed, &video, &audio), alone);
  // Ended (a publish without audio) while the stream goes on.
  audio = snapshot_with({{32000, 2.0}});
  audio.ended = video.ended = true;
  EXPECT_EQ(stream_multivariant(muxed, &video, &audio), alone);
}

TEST(Multivariant, AlternateAudioWithoutChannelCount) {
  VariantInfo v{"video.m3u8", 900000, 0, "avc1.64001f,mp4a.40.2", 640, 360, 0, "aud"};
  AudioRenditionInfo a{.group_id = "aud", .name = "English", .uri = "a/en.m3u8"};
  a.is_default = false;
  EXPECT_EQ(render_multivariant({v}, {a}),
            "#EXTM3U\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English\",DEFAULT=NO,"
            "AUTOSELECT=YES,URI=\"a/en.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS=\"avc1.64001f,mp4a.40.2\","
            "RESOLUTION=640x360,AUDIO=\"aud\"\n"
            "video.m3u8\n");
}

}  // namespace
}  // namespace firstmile::hls
