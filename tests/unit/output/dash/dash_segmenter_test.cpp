// DashSegmenter: segment cutting at keyframes, audio aligned to video's cuts, CMAF chunks, the
// open segment's chunks as a prefix of the complete segment, Periods on reconnect, eviction.
#include "output/dash/dash_segmenter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../format/fmp4/box_reader.hpp"
#include "output/test_frames.hpp"

namespace firstmile::dash {
namespace {

using test::bmff::walk_all;

using test::frames::audio;
using test::frames::kAacTicks;
using test::frames::kAvcC;
using test::frames::kFrameTicks;
using test::frames::tracks;
using test::frames::video;

DashConfig config(double segment = 1.0, double chunk = 0.25) {
  DashConfig c;
  c.segment_duration = segment;
  c.chunk_duration = chunk;
  c.window = 4;
  c.keep_extra = 1;
  c.name_prefix = "x-";
  return c;
}

// Feeds [from, to) of a 30 fps stream with a keyframe every `gop` frames, and AAC frames in dts
// order between them (audio of the same time first, as an interleaving muxer sends).
struct Feeder {
  DashSegmenter& seg;
  bool with_video = true, with_audio = true;
  int gop = 30;
  int64_t next_audio = 0;
  int64_t base = 0;

  void run(int from, int to) {
    for (int i = from; i < to; ++i) {
      const int64_t dts = base + i * kFrameTicks;
      while (with_audio && next_audio <= dts) {
        seg.on_frame(audio(next_audio));
        next_audio += kAacTicks;
      }
      if (with_video) seg.on_frame(video(dts, i % gop == 0));
    }
  }
};

size_t count_moofs(const Buffer& data) {
  auto w = walk_all(Bytes(data.data(), data.data() + data.size()));
  size_t n = 0;
  for (size_t i = 0; i < w.size(); ++i)
    if (w[i].type == "moof") ++n;
  return n;
}

TEST(DashSegmenter, CutsVideoAtKeyframesAndAudioAtTheSameTimes) {
  DashSegmenter seg(config());
  seg.set_clock([] { return int64_t{1'700'000'000'000}; });
  seg.on_tracks(tracks(true, true));
  Feeder f{seg};
  f.run(0, 95);  // keyframes at 0, 1 s, 2 s, 3 s: three complete segments
  auto snap = seg.snapshot();
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->periods.size(), 1u);
  const auto& p = snap->periods[0];
  EXPECT_EQ(p.index, 0u);
  EXPECT_EQ(p.start_ms, 0);
  EXPECT_EQ(snap->availability_start_ms, 1'700'000'000'000);
  ASSERT_TRUE(p.video && p.audio);
  ASSERT_EQ(p.video->segments.size(), 3u);
  EXPECT_EQ(p.video->timescale, 90000u);
  EXPECT_EQ(p.video->presentation_time_offset, 0);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(p.video->segments[i].number, i + 1);
    EXPECT_EQ(p.video->segments[i].start, static_cast<int64_t>(i) * 90000);
    EXPECT_EQ(p.video->segments[i].duration, 90000);
  }
  EXPECT_EQ(p.video->init_name, "x-p0-v-init.mp4");
  EXPECT_EQ(p.audio->init_name, "x-p0-a-init.mp4");
  // Audio: 48 kHz timescale; a segment starts at the first AAC frame at or after the cut
  // (1920-tick frames: 90000 is not a multiple, the first at or past it is 47 * 1920 = 90240).
  EXPECT_EQ(p.audio->timescale, 48000u);
  ASSERT_EQ(p.audio->segments.size(), 3u);
  // The AAC frame at 0 came before the keyframe that opens the Period: dropped.
  EXPECT_EQ(p.audio->segments[0].number, 1u);
  EXPECT_EQ(p.audio->segments[0].start, 1024);
  EXPECT_EQ(p.audio->segments[0].duration, 46 * 1024);
  EXPECT_EQ(p.audio->segments[1].number, 2u);
  EXPECT_EQ(p.audio->segments[1].start, 47 * 1024);
  // 2 s: 180000 / 1920 = 93.75 -> frame 94.
  EXPECT_EQ(p.audio->segments[1].duration, (94 - 47) * 1024);
  EXPECT_EQ(p.audio->segments[2].start, 94 * 1024);
  // The segment in progress: video number 4 with its chunks so far.
  ASSERT_TRUE(p.video->open);
  EXPECT_EQ(p.video->open->number, 4u);
  EXPECT_EQ(p.video->open->start, 270000);
  EXPECT_GT(p.video->bandwidth, 0u);
  EXPECT_EQ(seg.stats().segments, 6u);
}

TEST(DashSegmenter, SegmentsAreChunksAndOpenChunksArePrefixes) {
  DashSegmenter seg(config(1.0, 0.25));
  seg.on_tracks(tracks(true, false));
  Feeder f{seg};
  f.with_audio = false;
  f.run(0, 20);
  // A chunk closes when a frame 0.25 s (22500 ticks) or more after the chunk's first arrives:
  // frames 0-7, then 8-15; frames 16-19 are pending.
  auto open_snap = seg.snapshot();
  ASSERT_TRUE(open_snap->periods[0].video->open);
  const auto open_chunks = open_snap->periods[0].video->open->chunks;
  ASSERT_EQ(open_chunks.size(), 2u);
  EXPECT_FALSE(open_snap->playable());
  f.run(20, 31);  // frame 30 is a keyframe at 1 s: segment 1 closes
  auto snap = seg.snapshot();
  EXPECT_TRUE(snap->playable());
  const auto& s = snap->periods[0].video->segments.at(0);
  // 30 frames: chunks of 8, 8, 8 and 6 frames.
  EXPECT_EQ(count_moofs(s.data), 4u);
  // What chunked delivery already sent is exactly the start of the complete segment.
  size_t off = 0;
  for (const auto& c : open_chunks) {
    ASSERT_LE(off + c.size(), s.data.size());
    EXPECT_TRUE(std::equal(c.data(), c.data() + c.size(), s.data.data() + off));
    off += c.size();
  }
  auto w = walk_all(Bytes(s.data.data(), s.data.data() + s.data.size()));
  ASSERT_EQ(w[0].type, "moof");
  // tfdt of the first chunk: baseMediaDecodeTime 0; of the last chunk: frame 24 = 72000.
  const auto& first_tfdt = w[0].path("traf/tfdt");
  EXPECT_EQ(test::bmff::be_at(first_tfdt.body, first_tfdt.body[0] == 1 ? 4 : 4,
                              first_tfdt.body[0] == 1 ? 8 : 4),
            0u);
  const auto& last_tfdt = w[6].path("traf/tfdt");
  EXPECT_EQ(test::bmff::be_at(last_tfdt.body, 4, last_tfdt.body[0] == 1 ? 8 : 4), 72000u);
}

// The open segment's expected duration (the S@d the low-latency MPD lists for it) is the
// duration it ends up with when keyframes are regular, for video and for audio (which follows
// video's cut to its next frame).
TEST(DashSegmenter, ExpectedDurationOfTheOpenSegmentIsWhatItEndsWith) {
  DashSegmenter seg(config(1.0, 0.25));
  seg.on_tracks(tracks(true, true));
  Feeder f{seg};
  f.run(0, 95);  // segment 4 open in both (video from 3 s, audio from frame 141)
  auto open = seg.snapshot();
  const auto& v4 = *open->periods[0].video->open;
  const auto& a4 = *open->periods[0].audio->open;
  ASSERT_EQ(v4.number, 4u);
  ASSERT_EQ(a4.number, 4u);
  EXPECT_EQ(a4.start, 141 * 1024);
  // Video opened segment 5 at 4 s, audio has not reached 4 s yet: audio's end is known exactly.
  f.run(95, 121);
  auto between = seg.snapshot();
  const auto& a4_late = *between->periods[0].audio->open;
  ASSERT_EQ(a4_late.number, 4u);
  f.run(121, 130);
  auto done = seg.snapshot();
  const auto* v = done->periods[0].video->find(4);
  const auto* a = done->periods[0].audio->find(4);
  ASSERT_TRUE(v && a);
  EXPECT_EQ(v->duration, 90000);
  EXPECT_EQ(a->duration, (188 - 141) * 1024);  // 4 s = 360000 / 1920 = 187.5 -> frame 188
  EXPECT_EQ(v4.expected_duration, v->duration);
  EXPECT_EQ(a4.expected_duration, a->duration);
  EXPECT_EQ(a4_late.expected_duration, a->duration);
}

TEST(DashSegmenter, ExpectedDurationFollowsTheKeyframeCadence) {
  // Keyframes every 2 s, target 1 s: the first segment is expected at the target (no cadence
  // seen yet) and runs long; from then on the last segment's length is expected.
  DashSegmenter seg(config(1.0, 0.25));
  seg.on_tracks(tracks(true, false));
  Feeder f{seg};
  f.with_audio = false;
  f.gop = 60;
  f.run(0, 10);
  EXPECT_EQ(seg.snapshot()->periods[0].video->open->expected_duration, 90000);
  // Past the target without a keyframe: never shorter than what it holds (published at frame 40,
  // when a chunk closed).
  f.run(10, 41);
  EXPECT_EQ(seg.snapshot()->periods[0].video->open->expected_duration, 41 * 3000);
  f.run(41, 70);
  auto snap = seg.snapshot();
  EXPECT_EQ(snap->periods[0].video->segments.at(0).duration, 180000);
  EXPECT_EQ(snap->periods[0].video->open->expected_duration, 180000);
  f.run(70, 121);
  EXPECT_EQ(seg.snapshot()->periods[0].video->find(2)->duration, 180000);
}

TEST(DashSegmenter, AudioOnlyCutsOnAudio) {
  DashSegmenter seg(config(1.0, 0.25));
  seg.on_tracks(tracks(false, true));
  for (int i = 0; i < 100; ++i)
    seg.on_frame(audio(i * kAacTicks));
  auto snap = seg.snapshot();
  const auto& p = snap->periods.at(0);
  EXPECT_FALSE(p.video);
  ASSERT_TRUE(p.audio);
  // 47 frames reach 1 s (47 * 1920 = 90240 >= 90000): segments of 47 frames.
  ASSERT_EQ(p.audio->segments.size(), 2u);
  EXPECT_EQ(p.audio->segments[0].duration, 47 * 1024);
  EXPECT_EQ(p.audio->segments[1].start, 47 * 1024);
  EXPECT_TRUE(snap->playable());
}

TEST(DashSegmenter, DropsFramesBeforeTheFirstKeyframe) {
  DashSegmenter seg(config());
  seg.on_tracks(tracks(true, true));
  seg.on_frame(audio(0));
  seg.on_frame(video(0, false));
  seg.on_frame(video(3000, true));
  seg.on_frame(audio(1920));  // before the keyframe's time: dropped
  seg.on_frame(audio(3840));
  seg.on_frame(video(6000, false));
  EXPECT_EQ(seg.stats().frames_dropped, 0u);  // not published yet (no chunk)
  seg.on_end();
  auto snap = seg.snapshot();
  EXPECT_EQ(seg.stats().frames_dropped, 3u);
  const auto& p = snap->periods.at(0);
  EXPECT_EQ(p.video->presentation_time_offset, 3000);
  EXPECT_EQ(p.audio->presentation_time_offset, 1600);  // 3000 ticks at 48 kHz
  ASSERT_EQ(p.video->segments.size(), 1u);
  EXPECT_EQ(p.video->segments[0].start, 3000);
  // Ended: the last frame lasts as long as the one before it.
  EXPECT_EQ(p.video->segments[0].duration, 6000);
  EXPECT_EQ(p.audio->segments.at(0).start, 2048);
  EXPECT_TRUE(snap->ended);
  EXPECT_TRUE(p.closed);
}

TEST(DashSegmenter, ReconnectStartsANewPeriodAndNumbersContinue) {
  int64_t now = 1'000'000;
  DashSegmenter seg(config());
  seg.set_clock([&] { return now; });
  seg.on_tracks(tracks(true, true));
  Feeder f{seg};
  f.run(0, 61);
  seg.on_end();
  auto ended = seg.snapshot();
  EXPECT_TRUE(ended->ended);
  ASSERT_EQ(ended->periods.size(), 1u);
  EXPECT_TRUE(ended->periods[0].closed);
  // Three video segments: two cut at keyframes, the last one closed by the end (frame 60 only).
  ASSERT_EQ(ended->periods[0].video->segments.size(), 3u);
  EXPECT_EQ(ended->periods[0].duration_ms, 2033);  // 61 frames of 1/30 s

  now += 5000;
  seg.on_tracks(tracks(true, true));
  Feeder g{seg};
  g.base = 61 * kFrameTicks;  // the stream's timeline continues after a reconnect
  g.next_audio = ((61 * kFrameTicks) / kAacTicks + 1) * kAacTicks;
  seg.on_frame(video(g.base, false));  // not a keyframe: the Period waits
  g.run(1, 40);
  auto snap = seg.snapshot();
  EXPECT_FALSE(snap->ended);
  ASSERT_EQ(snap->periods.size(), 2u);
  const auto& p1 = snap->periods[1];
  EXPECT_EQ(p1.index, 1u);
  EXPECT_EQ(p1.start_ms, 5000);
  EXPECT_EQ(p1.video->init_name, "x-p1-v-init.mp4");
  EXPECT_EQ(p1.video->presentation_time_offset, g.base + 30 * kFrameTicks);
  ASSERT_TRUE(p1.video->open);
  EXPECT_EQ(p1.video->open->number, 4u);
  EXPECT_EQ(snap->find_representation("v", 4), &*p1.video);
  EXPECT_EQ(snap->find_representation("v", 2), &*snap->periods[0].video);
  EXPECT_EQ(snap->find_init("x-p1-a-init.mp4"), &*p1.audio);
}

TEST(DashSegmenter, KeepsTheWindowAndAFewMore) {
  DashSegmenter seg(config());  // window 4, keep_extra 1
  seg.on_tracks(tracks(true, false));
  Feeder f{seg};
  f.with_audio = false;
  f.run(0, 30 * 8 + 1);
  auto snap = seg.snapshot();
  const auto& segs = snap->periods.at(0).video->segments;
  ASSERT_EQ(segs.size(), 5u);
  EXPECT_EQ(segs.front().number, 4u);
  EXPECT_EQ(segs.back().number, 8u);
  EXPECT_EQ(snap->find_representation("v", 3), nullptr);
}

TEST(DashSnapshot, ParsesMediaNames) {
  DashSnapshot s;
  s.name_prefix = "abc-";
  auto v = s.parse_media_name("abc-v-12.m4s");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->first, "v");
  EXPECT_EQ(v->second, 12u);
  EXPECT_TRUE(s.parse_media_name("abc-a-1.m4s"));
  EXPECT_FALSE(s.parse_media_name("abd-v-12.m4s"));
  EXPECT_FALSE(s.parse_media_name("abc-x-12.m4s"));
  EXPECT_FALSE(s.parse_media_name("abc-v-.m4s"));
  EXPECT_FALSE(s.parse_media_name("abc-v-1a.m4s"));
  EXPECT_FALSE(s.parse_media_name("abc-v-12.mp4"));
  EXPECT_FALSE(s.parse_media_name("abc-v-1234567890123456.m4s"));
}

}  // namespace
}  // namespace firstmile::dash
