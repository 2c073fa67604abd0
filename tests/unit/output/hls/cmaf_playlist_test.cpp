#include "output/hls/cmaf_playlist.hpp"

#include <gtest/gtest.h>

#include <string>

namespace firstmile::hls {
namespace {

CmafPlaylistSegment segment(uint64_t seq, int64_t ms, std::string map = "a-init.mp4") {
  CmafPlaylistSegment s;
  s.sequence = seq;
  s.uri = "a-" + std::to_string(seq) + ".m4s";
  s.duration_ms = ms;
  s.map_uri = std::move(map);
  return s;
}

CmafPlaylistPart part(uint64_t seq, int index, int64_t ms, bool independent) {
  return {"a-" + std::to_string(seq) + "." + std::to_string(index) + ".m4s", ms, independent};
}

TEST(CmafPlaylist, Fmp4WithoutPartsIsVersion7WithOneMap) {
  CmafPlaylist p;
  p.target_duration = 2;
  p.segments = {segment(3, 2000), segment(4, 2002)};
  p.segments[0].program_date_time_ms = 1700000000123;
  p.segments[1].program_date_time_ms = 1700000002123;
  EXPECT_EQ(render_cmaf_playlist(p),
            "#EXTM3U\n"
            "#EXT-X-VERSION:7\n"
            "#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:3\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXT-X-MAP:URI=\"a-init.mp4\"\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.123Z\n"
            "#EXTINF:2.000,\n"
            "a-3.m4s\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:22.123Z\n"
            "#EXTINF:2.002,\n"
            "a-4.m4s\n");
}

TEST(CmafPlaylist, NewInitAfterDiscontinuityAndEndlist) {
  CmafPlaylist p;
  p.target_duration = 2;
  p.discontinuity_sequence = 1;
  p.segments = {segment(7, 1500), segment(8, 2000, "a-init-1.mp4")};
  p.segments[1].discontinuity = true;
  p.ended = true;
  EXPECT_EQ(render_cmaf_playlist(p),
            "#EXTM3U\n"
            "#EXT-X-VERSION:7\n"
            "#EXT-X-TARGETDURATION:2\n"
            "#EXT-X-MEDIA-SEQUENCE:7\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:1\n"
            "#EXT-X-MAP:URI=\"a-init.mp4\"\n"
            "#EXTINF:1.500,\n"
            "a-7.m4s\n"
            "#EXT-X-DISCONTINUITY\n"
            "#EXT-X-MAP:URI=\"a-init-1.mp4\"\n"
            "#EXTINF:2.000,\n"
            "a-8.m4s\n"
            "#EXT-X-ENDLIST\n");
}

CmafPlaylist low_latency_playlist() {
  CmafPlaylist p;
  p.target_duration = 1;
  p.low_latency = true;
  p.part_target_ms = 200;
  for (uint64_t seq = 10; seq < 18; ++seq)
    p.segments.push_back(segment(seq, 1000));
  // The last complete segment lists its parts; the open one has two so far.
  p.segments.back().parts = {part(17, 0, 200, true), part(17, 1, 200, false),
                             part(17, 2, 200, false), part(17, 3, 200, false),
                             part(17, 4, 200, false)};
  p.has_open = true;
  p.open.sequence = 18;
  p.open.map_uri = "a-init.mp4";
  p.open.parts = {part(18, 0, 200, true), part(18, 1, 167, false)};
  p.preload_hint_uri = "a-18.2.m4s";
  return p;
}

TEST(CmafPlaylist, LowLatencyFullPlaylist) {
  CmafPlaylist p = low_latency_playlist();
  std::string expected =
      "#EXTM3U\n"
      "#EXT-X-VERSION:9\n"
      "#EXT-X-TARGETDURATION:1\n"
      "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6.000,PART-HOLD-BACK=0.600\n"
      "#EXT-X-PART-INF:PART-TARGET=0.200\n"
      "#EXT-X-MEDIA-SEQUENCE:10\n"
      "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
      "#EXT-X-MAP:URI=\"a-init.mp4\"\n";
  for (int seq = 10; seq < 17; ++seq)
    expected += "#EXTINF:1.000,\na-" + std::to_string(seq) + ".m4s\n";
  expected +=
      "#EXT-X-PART:DURATION=0.200,URI=\"a-17.0.m4s\",INDEPENDENT=YES\n"
      "#EXT-X-PART:DURATION=0.200,URI=\"a-17.1.m4s\"\n"
      "#EXT-X-PART:DURATION=0.200,URI=\"a-17.2.m4s\"\n"
      "#EXT-X-PART:DURATION=0.200,URI=\"a-17.3.m4s\"\n"
      "#EXT-X-PART:DURATION=0.200,URI=\"a-17.4.m4s\"\n"
      "#EXTINF:1.000,\n"
      "a-17.m4s\n"
      "#EXT-X-PART:DURATION=0.200,URI=\"a-18.0.m4s\",INDEPENDENT=YES\n"
      "#EXT-X-PART:DURATION=0.167,URI=\"a-18.1.m4s\"\n"
      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"a-18.2.m4s\"\n";
  EXPECT_EQ(render_cmaf_playlist(p), expected);
}

TEST(CmafPlaylist, DeltaUpdateSkipsSegmentsBeforeTheSkipBoundary) {
  CmafPlaylist p = low_latency_playlist();
  // 8 complete segments of 1 s, boundary 6 s: the first two have >= 6 s after them.
  ASSERT_EQ(skippable_segments(p), 2u);
  std::string expected =
      "#EXTM3U\n"
      "#EXT-X-VERSION:9\n"
      "#EXT-X-TARGETDURATION:1\n"
      "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6.000,PART-HOLD-BACK=0.600\n"
      "#EXT-X-PART-INF:PART-TARGET=0.200\n"
      "#EXT-X-MEDIA-SEQUENCE:10\n"
      "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
      "#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n"
      "#EXT-X-MAP:URI=\"a-init.mp4\"\n";
  for (int seq = 12; seq < 17; ++seq)
    expected += "#EXTINF:1.000,\na-" + std::to_string(seq) + ".m4s\n";
  const std::string full = render_cmaf_playlist(p);
  expected += full.substr(full.find("#EXT-X-PART:DURATION=0.200,URI=\"a-17.0.m4s\""));
  EXPECT_EQ(render_cmaf_playlist(p, CmafRender::Delta), expected);
}

TEST(CmafPlaylist, NothingToSkipInAShortWindow) {
  CmafPlaylist p = low_latency_playlist();
  p.segments.erase(p.segments.begin(), p.segments.begin() + 2);  // 6 s left: none skippable
  EXPECT_EQ(skippable_segments(p), 0u);
  EXPECT_EQ(render_cmaf_playlist(p, CmafRender::Delta), render_cmaf_playlist(p));
}

TEST(CmafPlaylist, PlainRenderingDropsTheLowLatencyTags) {
  CmafPlaylist p = low_latency_playlist();
  std::string expected =
      "#EXTM3U\n"
      "#EXT-X-VERSION:7\n"
      "#EXT-X-TARGETDURATION:1\n"
      "#EXT-X-MEDIA-SEQUENCE:10\n"
      "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
      "#EXT-X-MAP:URI=\"a-init.mp4\"\n";
  for (int seq = 10; seq < 18; ++seq)
    expected += "#EXTINF:1.000,\na-" + std::to_string(seq) + ".m4s\n";
  EXPECT_EQ(render_cmaf_playlist(p, CmafRender::PlainFmp4), expected);
}

TEST(CmafPlaylist, EndedLowLatencyHasNoHint) {
  CmafPlaylist p = low_latency_playlist();
  p.has_open = false;
  p.ended = true;
  const std::string text = render_cmaf_playlist(p);
  EXPECT_EQ(text.find("PRELOAD-HINT"), std::string::npos);
  EXPECT_EQ(text.find("a-18."), std::string::npos);
  const std::string tail = "#EXTINF:1.000,\na-17.m4s\n#EXT-X-ENDLIST\n";
  EXPECT_EQ(text.substr(text.size() - tail.size()), tail);
}

TEST(CmafPlaylist, OpenSegmentAfterDiscontinuityCarriesItsTags) {
  CmafPlaylist p = low_latency_playlist();
  p.open.discontinuity = true;
  p.open.map_uri = "a-init-1.mp4";
  p.open.program_date_time_ms = 86400000 + 5;
  const std::string text = render_cmaf_playlist(p);
  EXPECT_NE(text.find("a-17.m4s\n"
                      "#EXT-X-DISCONTINUITY\n"
                      "#EXT-X-MAP:URI=\"a-init-1.mp4\"\n"
                      "#EXT-X-PROGRAM-DATE-TIME:1970-01-02T00:00:00.005Z\n"
                      "#EXT-X-PART:DURATION=0.200,URI=\"a-18.0.m4s\",INDEPENDENT=YES\n"),
            std::string::npos)
      << text;
}

TEST(CmafPlaylist, RenditionReportsEndTheLowLatencyPlaylist) {
  CmafPlaylist p = low_latency_playlist();
  const std::string plain = render_cmaf_playlist(p);
  const std::string plain_delta = render_cmaf_playlist(p, CmafRender::Delta);
  const std::string plain_file = render_cmaf_playlist(p, CmafRender::PlainFmp4);
  p.rendition_reports = {{"audio.m3u8", 18, 1}, {"../hi/video.m3u8", 17, std::nullopt}};
  // RFC 8216bis 4.4.5.4: URI and LAST-MSN; LAST-PART when the rendition has parts.
  const std::string reports =
      "#EXT-X-RENDITION-REPORT:URI=\"audio.m3u8\",LAST-MSN=18,LAST-PART=1\n"
      "#EXT-X-RENDITION-REPORT:URI=\"../hi/video.m3u8\",LAST-MSN=17\n";
  const std::string text = render_cmaf_playlist(p);
  EXPECT_EQ(text, plain + reports);
  EXPECT_EQ(text.substr(text.size() - reports.size() - 47),
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"a-18.2.m4s\"\n" + reports);
  EXPECT_EQ(render_cmaf_playlist(p, CmafRender::Delta), plain_delta + reports);
  // Not in the plain fMP4 rendering: an LL-HLS tag.
  EXPECT_EQ(render_cmaf_playlist(p, CmafRender::PlainFmp4), plain_file);
  // An ended playlist keeps them before EXT-X-ENDLIST.
  p.has_open = false;
  p.ended = true;
  const std::string ended = render_cmaf_playlist(p);
  const std::string tail = "a-17.m4s\n" + reports + "#EXT-X-ENDLIST\n";
  EXPECT_EQ(ended.substr(ended.size() - tail.size()), tail);
}

TEST(CmafPlaylist, Iso8601) {
  EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_ms(951782400999), "2000-02-29T00:00:00.999Z");
}

}  // namespace
}  // namespace firstmile::hls
