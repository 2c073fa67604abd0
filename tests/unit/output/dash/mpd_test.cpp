// The MPD text: byte-exact for a fixed snapshot (clock readings are part of it), the window, the
// ended form (IOP: mediaPresentationDuration, no minimumUpdatePeriod), Periods.
#include "output/dash/mpd.hpp"

#include <gtest/gtest.h>

#include <string>

namespace firstmile::dash {
namespace {

DashRepresentation rep(const std::string& id, uint32_t timescale,
                       std::vector<std::pair<int64_t, int64_t>> segs, uint64_t first_number = 1) {
  DashRepresentation r;
  r.id = id;
  r.timescale = timescale;
  r.init_name = "x-p0-" + id + "-init.mp4";
  if (id == "v") {
    r.info.codec_string = "avc1.64001f";
    r.info.width = 1280;
    r.info.height = 720;
    r.info.frame_rate = 30;
    r.bandwidth = 1000000;
  } else {
    r.info.kind = media::MediaKind::Audio;
    r.info.codec_string = "mp4a.40.2";
    r.info.sample_rate = 48000;
    r.info.channels = 2;
    r.bandwidth = 128000;
  }
  uint64_t n = first_number;
  for (auto [t, d] : segs)
    r.segments.push_back(DashSegment{n++, t, d, {}});
  return r;
}

DashSnapshot live_snapshot() {
  DashSnapshot s;
  s.name_prefix = "x-";
  s.availability_start_ms = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
  s.publish_ms = 1'700'000'010'500;
  s.segment_duration = 2.0;
  s.chunk_duration = 0.5;
  s.low_latency = true;
  s.window = 3;
  DashPeriod p;
  p.video = rep("v", 90000, {{0, 180000}, {180000, 180000}, {360000, 180000}, {540000, 171000}});
  p.audio = rep("a", 48000, {{0, 96256}, {96256, 95232}, {191488, 96256}, {287744, 95232}});
  s.periods.push_back(p);
  return s;
}

TEST(Mpd, LiveLowLatencyByteExact) {
  auto text =
      render_mpd(live_snapshot(), MpdUrls{"expires=1&token=a", "http://127.0.0.1:8080/time"});
  const std::string expected =
      R"(<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019" type="dynamic" availabilityStartTime="2023-11-14T22:13:20.000Z" publishTime="2023-11-14T22:13:30.500Z" minimumUpdatePeriod="PT0.5S" timeShiftBufferDepth="PT6S" suggestedPresentationDelay="PT1.75S" maxSegmentDuration="PT2.006S" minBufferTime="PT2S">
  <ServiceDescription id="0">
    <Latency target="1750" max="5750" min="750"/>
  </ServiceDescription>
  <Period id="p0" start="PT0S">
    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">
      <SegmentTemplate timescale="90000" presentationTimeOffset="0" initialization="dash/x-p0-v-init.mp4?expires=1&amp;token=a" media="dash/x-$RepresentationID$-$Number$.m4s?expires=1&amp;token=a" startNumber="2" availabilityTimeOffset="1.5" availabilityTimeComplete="false">
        <SegmentTimeline>
          <S t="180000" d="180000" r="1"/>
          <S d="171000"/>
        </SegmentTimeline>
      </SegmentTemplate>
      <Representation id="v" codecs="avc1.64001f" bandwidth="1000000" width="1280" height="720" sar="1:1" frameRate="30"/>
    </AdaptationSet>
    <AdaptationSet id="1" contentType="audio" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1">
      <SegmentTemplate timescale="48000" presentationTimeOffset="0" initialization="dash/x-p0-a-init.mp4?expires=1&amp;token=a" media="dash/x-$RepresentationID$-$Number$.m4s?expires=1&amp;token=a" startNumber="2" availabilityTimeOffset="1.5" availabilityTimeComplete="false">
        <SegmentTimeline>
          <S t="96256" d="95232"/>
          <S d="96256"/>
          <S d="95232"/>
        </SegmentTimeline>
      </SegmentTemplate>
      <Representation id="a" codecs="mp4a.40.2" bandwidth="128000" audioSamplingRate="48000">
        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="2"/>
      </Representation>
    </AdaptationSet>
  </Period>
  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014" value="http://127.0.0.1:8080/time"/>
</MPD>
)";
  EXPECT_EQ(text, expected);
}

TEST(Mpd, EndedPresentationStopsUpdatingAndListsPeriods) {
  auto s = live_snapshot();
  s.low_latency = false;
  s.ended = true;
  s.window = 6;
  s.periods[0].closed = true;
  s.periods[0].duration_ms = 7900;
  DashPeriod p1;
  p1.index = 1;
  p1.start_ms = 12000;
  p1.closed = true;
  p1.duration_ms = 2500;
  p1.video = rep("v", 90000, {{900000, 225000}}, 5);
  p1.video->init_name = "x-p1-v-init.mp4";
  p1.video->presentation_time_offset = 900000;
  p1.audio = rep("a", 48000, {{480000, 120000}}, 5);
  p1.audio->presentation_time_offset = 480000;
  s.periods.push_back(p1);
  auto text = render_mpd(s, MpdUrls{});
  EXPECT_EQ(text.find("minimumUpdatePeriod"), std::string::npos);
  EXPECT_NE(text.find(" mediaPresentationDuration=\"PT14.5S\""), std::string::npos);
  EXPECT_NE(text.find("type=\"dynamic\""), std::string::npos);
  EXPECT_EQ(text.find("availabilityTimeOffset"), std::string::npos);
  EXPECT_EQ(text.find("ServiceDescription"), std::string::npos);
  EXPECT_EQ(text.find("UTCTiming"), std::string::npos);
  // Without a clock URL, the server's time goes in the MPD itself.
  auto direct = render_mpd(s, MpdUrls{"", "", "2026-12-07T01:02:03.456Z"});
  EXPECT_NE(direct.find("<UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" "
                        "value=\"2026-12-07T01:02:03.456Z\"/>"),
            std::string::npos);
  EXPECT_NE(text.find("suggestedPresentationDelay=\"PT6S\""), std::string::npos);
  EXPECT_NE(text.find("maxSegmentDuration=\"PT2.5S\""), std::string::npos);
  EXPECT_NE(text.find("<Period id=\"p0\" start=\"PT0S\">"), std::string::npos);
  EXPECT_NE(text.find("<Period id=\"p1\" start=\"PT12S\">"), std::string::npos);
  EXPECT_NE(text.find("presentationTimeOffset=\"900000\" initialization=\"dash/x-p1-v-init.mp4\" "
                      "media=\"dash/x-$RepresentationID$-$Number$.m4s\" startNumber=\"5\">"),
            std::string::npos);
  EXPECT_NE(text.find("<S t=\"0\" d=\"180000\" r=\"2\"/>"), std::string::npos);
}

TEST(Mpd, NotPlayableUntilEveryRepresentationHasASegment) {
  auto s = live_snapshot();
  s.periods[0].audio->segments.clear();
  EXPECT_EQ(render_mpd(s, MpdUrls{}), "");
  // A new Period whose audio segment is not complete yet stays out of the MPD.
  auto t = live_snapshot();
  DashPeriod p1;
  p1.index = 1;
  p1.start_ms = 9000;
  p1.video = rep("v", 90000, {{711000, 180000}}, 5);
  p1.audio = rep("a", 48000, {});
  t.periods.push_back(p1);
  auto text = render_mpd(t, MpdUrls{});
  EXPECT_NE(text.find("<Period id=\"p0\""), std::string::npos);
  EXPECT_EQ(text.find("<Period id=\"p1\""), std::string::npos);
}

TEST(Mpd, LowLatencyListsTheSegmentInProgress) {
  auto s = live_snapshot();
  // Segment 5 is being made: listed last with its expected duration (DASH-IF low-latency modes),
  // continuing the timeline (the complete ones end at 711000 and 383488).
  s.periods[0].video->open = DashOpenSegment{5, 711000, {}, 180000};
  s.periods[0].audio->open = DashOpenSegment{5, 382976, {}, 96256};
  auto text = render_mpd(s, MpdUrls{});
  EXPECT_NE(text.find("          <S t=\"180000\" d=\"180000\" r=\"1\"/>\n"
                      "          <S d=\"171000\"/>\n"
                      "          <S d=\"180000\"/>\n"
                      "        </SegmentTimeline>"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("          <S d=\"95232\"/>\n"
                      "          <S d=\"96256\"/>\n"
                      "        </SegmentTimeline>"),
            std::string::npos)
      << text;
  // The segment in progress counts toward maxSegmentDuration (players size their buffer by it).
  EXPECT_NE(text.find("maxSegmentDuration=\"PT2.006S\""), std::string::npos);

  // Not listed: without low latency (no chunked delivery), with an unknown duration, when it
  // would not continue the listed timeline, or in a closed Period.
  auto off = s;
  off.low_latency = false;
  EXPECT_EQ(render_mpd(off, MpdUrls{}).find("<S d=\"180000\"/>"), std::string::npos);
  auto unknown = s;
  unknown.periods[0].video->open->expected_duration = 0;
  EXPECT_EQ(render_mpd(unknown, MpdUrls{}).find("<S d=\"180000\"/>"), std::string::npos);
  auto gap = s;
  gap.periods[0].video->open->start = 720000;
  EXPECT_EQ(render_mpd(gap, MpdUrls{}).find("<S d=\"180000\"/>"), std::string::npos);
  auto closed = s;
  closed.periods[0].closed = true;
  EXPECT_EQ(render_mpd(closed, MpdUrls{}).find("<S d=\"180000\"/>"), std::string::npos);

  // An open segment alone does not make a Period playable.
  auto first = live_snapshot();
  first.periods[0].audio->segments.clear();
  first.periods[0].audio->open = DashOpenSegment{1, 0, {}, 96256};
  EXPECT_EQ(render_mpd(first, MpdUrls{}), "");
}

TEST(Mpd, TimeFormats) {
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso_time(1'700'000'010'057), "2023-11-14T22:13:30.057Z");
  EXPECT_EQ(iso_duration(2000), "PT2S");
  EXPECT_EQ(iso_duration(2040), "PT2.04S");
  EXPECT_EQ(iso_duration(5), "PT0.005S");
  EXPECT_EQ(iso_duration(0), "PT0S");
}

TEST(Mpd, NtscFrameRateIsAFraction) {
  auto s = live_snapshot();
  s.periods[0].video->info.frame_rate = 29.97;
  auto text = render_mpd(s, MpdUrls{});
  EXPECT_NE(text.find("frameRate=\"30000/1001\""), std::string::npos);
}

}  // namespace
}  // namespace firstmile::dash
