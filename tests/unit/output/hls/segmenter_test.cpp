#include "output/hls/segmenter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "output/test_frames.hpp"

namespace firstmile::hls {
namespace {

using test::frames::kAacTicks;
using test::frames::kAvcC;
using test::frames::kFrameTicks;
using test::frames::tracks;

media::Frame video(int64_t dts, bool key) {
  return test::frames::video_frame(dts, key);
}

media::Frame audio(int64_t dts) {
  return test::frames::audio_frame(dts);
}

// Pushes `seconds` of 30 fps video with a keyframe every `gop` frames (0: only the first)
// and, if wanted, AAC audio in dts order, starting at `start` ticks.
void feed(HlsSegmenter& s, int64_t start, double seconds, int gop, bool with_audio) {
  const int64_t end = start + static_cast<int64_t>(seconds * 90000);
  int64_t v = start, a = start;
  int n = 0;
  while (v < end || (with_audio && a < end)) {
    if (v < end && (!with_audio || v <= a)) {
      s.push(video(v, gop > 0 ? n % gop == 0 : n == 0));
      v += kFrameTicks;
      ++n;
    } else {
      s.push(audio(a));
      a += kAacTicks;
    }
  }
}

uint16_t pid_at(const Buffer& data, size_t packet) {
  const uint8_t* p = data.data() + packet * 188;
  return static_cast<uint16_t>(((p[1] & 0x1F) << 8) | p[2]);
}

// The first PES of a segment after PAT and PMT: its PID, whether its first packet has
// random_access_indicator, and its DTS (without the muxer's offset).
struct FirstPes {
  uint16_t pid;
  bool random_access;
  int64_t dts;
};

FirstPes first_pes(const HlsSegment& seg) {
  const uint8_t* p = seg.data.data() + 2 * 188;
  FirstPes r{pid_at(seg.data, 2), false, -1};
  EXPECT_TRUE(p[1] & 0x40);
  size_t pos = 4;
  if (p[3] & 0x20) {
    r.random_access = p[4] > 0 && (p[5] & 0x40);
    pos += 1 + p[4];
  }
  const uint8_t* pes = p + pos;
  const uint8_t* ts = (pes[7] & 0x40) ? pes + 14 : pes + 9;  // DTS if present, else PTS
  r.dts = ((int64_t{(ts[0] >> 1) & 7} << 30) | (int64_t{ts[1]} << 22) |
           (int64_t{ts[2] >> 1} << 15) | (int64_t{ts[3]} << 7) | (ts[4] >> 1)) -
          format::kTimestampOffset;
  return r;
}

TEST(HlsSegmenter, NoPlaylistBeforeTheFirstSegmentIsComplete) {
  HlsSegmenter s;
  EXPECT_TRUE(s.snapshot()->playlist.empty());
  s.start(tracks(true, true));
  feed(s, 0, 1.9, 30, true);
  EXPECT_TRUE(s.snapshot()->playlist.empty());
  EXPECT_TRUE(s.snapshot()->segments.empty());
  EXPECT_EQ(s.snapshot()->find("0.ts"), nullptr);
}

TEST(HlsSegmenter, CutsAtKeyframesOf30FpsStreamWithOneSecondGops) {
  HlsSegmenter s;
  std::vector<std::string> completed;
  s.on_segment = [&](const HlsSegment& seg) {
    // Fired after the snapshot that lists the segment was published.
    EXPECT_NE(s.snapshot()->find(seg.name), nullptr);
    completed.push_back(seg.name);
  };
  s.start(tracks(true, true));
  feed(s, 0, 10.0, 30, true);
  s.end();
  const auto snap = s.snapshot();
  EXPECT_EQ(snap->playlist,
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXTINF:2.000,\n0.ts\n#EXTINF:2.000,\n1.ts\n#EXTINF:2.000,\n2.ts\n"
            "#EXTINF:2.000,\n3.ts\n#EXTINF:2.000,\n4.ts\n#EXT-X-ENDLIST\n");
  EXPECT_TRUE(snap->ended);
  ASSERT_EQ(snap->segments.size(), 5u);
  EXPECT_EQ(completed, (std::vector<std::string>{"0.ts", "1.ts", "2.ts", "3.ts", "4.ts"}));
  for (size_t i = 0; i < snap->segments.size(); ++i) {
    const HlsSegment& seg = snap->segments[i];
    EXPECT_EQ(seg.sequence, i);
    EXPECT_EQ(seg.data.size() % 188, 0u);
    // PAT, PMT, then the keyframe that starts the segment at 2 s steps.
    EXPECT_EQ(pid_at(seg.data, 0), format::kPatPid);
    EXPECT_EQ(pid_at(seg.data, 1), format::kPmtPid);
    const FirstPes pes = first_pes(seg);
    EXPECT_EQ(pes.pid, format::kVideoPid);
    EXPECT_TRUE(pes.random_access);
    EXPECT_EQ(pes.dts, static_cast<int64_t>(i) * 180000);
  }
  EXPECT_EQ(s.stats().segments, 5u);
  EXPECT_EQ(s.stats().forced_cuts, 0u);
}

TEST(HlsSegmenter, LongerGopsThanTheTargetRaiseTargetDuration) {
  HlsConfig c;
  c.segment_duration = 2.5;
  HlsSegmenter s(c);
  s.start(tracks(true, false));
  feed(s, 0, 7.0, 30, false);
  // Keyframes every second: the first one at or past 2.5 s is at 3 s.
  const auto snap = s.snapshot();
  EXPECT_EQ(snap->playlist,
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXTINF:3.000,\n0.ts\n#EXTINF:3.000,\n1.ts\n");
}

TEST(HlsSegmenter, WindowAndExtraSegmentsKeptInMemory) {
  HlsConfig c;
  c.window = 3;
  c.keep_extra = 2;
  HlsSegmenter s(c);
  s.start(tracks(true, false));
  feed(s, 0, 22.0, 60, false);  // 2 s GOPs: segments 0..9 complete, 10 open
  const auto snap = s.snapshot();
  EXPECT_EQ(snap->media_sequence, 7u);
  EXPECT_NE(snap->playlist.find("#EXT-X-MEDIA-SEQUENCE:7\n"), std::string::npos);
  EXPECT_EQ(snap->playlist.find("6.ts"), std::string::npos);
  ASSERT_EQ(snap->segments.size(), 5u);
  EXPECT_EQ(snap->find("4.ts"), nullptr);
  ASSERT_NE(snap->find("5.ts"), nullptr);  // left the playlist, still served
  EXPECT_EQ(snap->find("5.ts")->sequence, 5u);
  EXPECT_NE(snap->find("9.ts"), nullptr);
  EXPECT_EQ(snap->find("10.ts"), nullptr);  // still open
  EXPECT_FALSE(snap->ended);
}

TEST(HlsSegmenter, AudioOnlyCutsOnAnyAudioFrame) {
  HlsSegmenter s;
  s.start(tracks(false, true));
  for (int i = 0; i < 200; ++i)
    s.push(audio(i * kAacTicks));
  // The first frame at or past 2 s is number 94 (180480 ticks): 2.005333 s.
  const auto snap = s.snapshot();
  ASSERT_EQ(snap->segments.size(), 2u);
  EXPECT_NE(snap->playlist.find("#EXTINF:2.005,\n0.ts\n#EXTINF:2.005,\n1.ts\n"), std::string::npos);
  const FirstPes pes = first_pes(snap->segments[1]);
  EXPECT_EQ(pes.pid, format::kAudioPid);
  EXPECT_EQ(pes.dts, 94 * kAacTicks);
  s.end();  // frames 188..199: 11 intervals plus one = 12 * 1920 ticks
  EXPECT_NE(s.snapshot()->playlist.find("#EXTINF:0.256,\n2.ts\n#EXT-X-ENDLIST\n"),
            std::string::npos);
}

TEST(HlsSegmenter, ForcedCutWithoutKeyframes) {
  HlsConfig c;
  c.max_segment_duration = 5.0;
  HlsSegmenter s(c);
  s.start(tracks(true, false));
  feed(s, 0, 12.0, 0, false);  // a single keyframe at the start
  const auto snap = s.snapshot();
  EXPECT_EQ(snap->playlist,
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:5\n#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXTINF:5.000,\n0.ts\n#EXTINF:5.000,\n1.ts\n");
  EXPECT_EQ(s.stats().forced_cuts, 2u);
  EXPECT_FALSE(first_pes(snap->segments[1]).random_access);
}

TEST(HlsSegmenter, WaitsForAKeyframeBeforeTheFirstSegment) {
  HlsSegmenter s;
  s.start(tracks(true, true));
  s.push(audio(0));
  s.push(video(0, false));
  s.push(video(3000, false));
  feed(s, 6000, 2.5, 30, false);
  EXPECT_EQ(s.stats().frames_dropped_waiting_keyframe, 3u);
  ASSERT_EQ(s.snapshot()->segments.size(), 1u);
  EXPECT_EQ(first_pes(s.snapshot()->segments[0]).dts, 6000);
}

TEST(HlsSegmenter, DiscontinuityClosesTheSegmentAndTagsTheNext) {
  HlsSegmenter s;
  s.start(tracks(true, false));
  feed(s, 0, 3.0, 30, false);  // segment 0 (0..2 s) complete, 2..3 s open
  media::Frame jump = video(1000000, false);
  jump.discontinuity = true;
  s.push(jump);                                 // closes 2..3 s; dropped (not a keyframe)
  s.push(video(1000000 + kFrameTicks, false));  // dropped
  feed(s, 1000000 + 2 * kFrameTicks, 2.2, 30, false);
  EXPECT_EQ(s.stats().frames_dropped_waiting_keyframe, 2u);
  const auto snap = s.snapshot();
  EXPECT_EQ(snap->playlist,
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXTINF:2.000,\n0.ts\n#EXTINF:1.000,\n1.ts\n"
            "#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\n2.ts\n");
  EXPECT_EQ(first_pes(snap->segments[2]).dts, 1000000 + 2 * kFrameTicks);
}

TEST(HlsSegmenter, ReconnectTagsDiscontinuityAndContinuesCounters) {
  HlsSegmenter s;
  s.start(tracks(true, true));
  feed(s, 0, 2.5, 30, true);
  s.end();
  auto snap = s.snapshot();
  EXPECT_TRUE(snap->ended);
  ASSERT_EQ(snap->segments.size(), 2u);
  const uint8_t pat_cc = snap->segments[1].data[3] & 0x0F;

  s.push(video(999999, true));  // between publishes: ignored
  s.start(tracks(true, true));
  snap = s.snapshot();
  EXPECT_FALSE(snap->ended);
  EXPECT_EQ(snap->playlist.find("#EXT-X-ENDLIST"), std::string::npos);
  feed(s, 0, 2.5, 30, true);  // the new publisher starts its clock at 0 again
  s.end();
  snap = s.snapshot();
  EXPECT_EQ(snap->playlist,
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXTINF:2.000,\n0.ts\n#EXTINF:0.500,\n1.ts\n"
            "#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\n2.ts\n#EXTINF:0.500,\n3.ts\n"
            "#EXT-X-ENDLIST\n");
  // Continuity counters run on across segments and publishes (PAT: one per segment).
  EXPECT_EQ(snap->segments[2].data[3] & 0x0F, (pat_cc + 1) & 0x0F);
  EXPECT_EQ(s.stats().frames_rejected, 1u);
}

TEST(HlsSegmenter, RepeatedTracksChangeNothingNewParametersCutTheSegment) {
  HlsSegmenter s;
  s.start(tracks(true, true));
  feed(s, 0, 1.0, 30, false);
  s.start(tracks(true, true));  // the publisher repeated its sequence headers
  feed(s, 90000, 1.5, 30, false);
  ASSERT_EQ(s.snapshot()->segments.size(), 1u);
  EXPECT_EQ(s.snapshot()->segments[0].duration, 2.0);
  media::Tracks changed = tracks(true, true);
  changed.video->config = Buffer::copy(ByteSpan(kAvcC).first(sizeof kAvcC - 4));
  s.start(changed);  // new parameters: the open segment (2.0..2.5 s) closes
  feed(s, 225000, 0.5, 30, false);
  s.end();
  EXPECT_NE(s.snapshot()->playlist.find("#EXTINF:0.500,\n1.ts\n#EXT-X-DISCONTINUITY\n"
                                        "#EXTINF:0.500,\n2.ts\n#EXT-X-ENDLIST\n"),
            std::string::npos);
}

TEST(HlsSegmenter, SnapshotIsSafeToReadFromOtherThreads) {
  HlsConfig c;
  c.segment_duration = 0.2;
  c.window = 3;
  c.keep_extra = 0;
  HlsSegmenter s(c);
  std::atomic<bool> done{false};
  std::atomic<uint64_t> bytes{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto snap = s.snapshot();
      for (const HlsSegment& seg : snap->segments)
        bytes += seg.data.size() > 0 ? 1 : 0;
      bytes += snap->playlist.size();
    }
  });
  s.start(tracks(true, true));
  feed(s, 0, 20.0, 3, true);
  s.end();
  done = true;
  reader.join();
  EXPECT_EQ(s.stats().segments, 100u);
  EXPECT_EQ(s.snapshot()->segments.size(), 3u);
}

}  // namespace
}  // namespace firstmile::hls
