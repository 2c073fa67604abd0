#include "output/hls/multivariant.hpp"

#include <gtest/gtest.h>

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
  VariantInfo hi{"hi/index.m3u8", 3000000, 0, "avc1.64001f", 1920, 1080, 30};
  VariantInfo lo{"lo/index.m3u8", 800000, 0, "avc1.42c01e", 640, 360, 30};
  EXPECT_EQ(render_multivariant({hi, lo}),
            "#EXTM3U\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=3000000,CODECS=\"avc1.64001f\",RESOLUTION=1920x1080,"
            "FRAME-RATE=30.000\nhi/index.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.42c01e\",RESOLUTION=640x360,"
            "FRAME-RATE=30.000\nlo/index.m3u8\n");
}

}  // namespace
}  // namespace firstmile::hls
