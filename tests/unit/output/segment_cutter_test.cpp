#include "output/segment_cutter.hpp"

#include <gtest/gtest.h>

#include "output/test_frames.hpp"

namespace firstmile::output {
namespace {

using Action = SegmentCutter::Action;
using test::frames::kAacTicks;
using test::frames::kFrameTicks;
using test::frames::tracks;

constexpr int64_t kTarget = 2 * 90000;
constexpr int64_t kMax = 5 * 90000;

SegmentCutterConfig config(bool any_track_forces = false, bool step_back_breaks = true) {
  return {.target_ticks = kTarget,
          .max_ticks = kMax,
          .any_track_forces = any_track_forces,
          .step_back_breaks = step_back_breaks};
}

media::Frame video(int64_t dts, bool key) {
  return test::frames::video_frame(dts, key);
}

using test::frames::audio_frame;

// Decides and, unless dropped, places the frame, as a segmenter does.
SegmentCutter::Decision feed(SegmentCutter& c, const media::Frame& f) {
  const SegmentCutter::Decision d = c.on_frame(f);
  if (d.action != Action::Drop) c.add(f);
  return d;
}

TEST(SegmentCutter, FirstSegmentOpensOnlyAtAKeyframe) {
  SegmentCutter c(config());
  c.set_tracks(tracks(true, true), true);
  EXPECT_EQ(feed(c, audio_frame(0)).action, Action::Drop);
  EXPECT_EQ(feed(c, video(0, false)).action, Action::Drop);
  EXPECT_EQ(feed(c, video(kFrameTicks, false)).action, Action::Drop);
  EXPECT_FALSE(c.is_open());
  EXPECT_EQ(c.dropped(), 3u);
  EXPECT_EQ(feed(c, video(2 * kFrameTicks, true)).action, Action::Open);
  EXPECT_TRUE(c.is_open());
  EXPECT_EQ(c.first_dts(), 2 * kFrameTicks);
  EXPECT_EQ(feed(c, audio_frame(2 * kFrameTicks)).action, Action::Continue);
  EXPECT_EQ(c.dropped(), 3u);
}

TEST(SegmentCutter, VideoCutsAtTheFirstKeyframeAtOrPastTheTarget) {
  SegmentCutter c(config());
  c.set_tracks(tracks(true, true), true);
  ASSERT_EQ(feed(c, video(0, true)).action, Action::Open);
  // A keyframe before the target does not cut, nor does a plain frame past it, nor audio.
  EXPECT_EQ(feed(c, video(90000, true)).action, Action::Continue);
  EXPECT_EQ(feed(c, video(kTarget + kFrameTicks, false)).action, Action::Continue);
  EXPECT_EQ(feed(c, audio_frame(kTarget + 2 * kFrameTicks)).action, Action::Continue);
  const auto d = feed(c, video(kTarget + 3 * kFrameTicks, true));
  EXPECT_EQ(d.action, Action::Cut);
  EXPECT_EQ(d.duration, kTarget + 3 * kFrameTicks);
  EXPECT_EQ(c.first_dts(), kTarget + 3 * kFrameTicks);
  // Exactly at the target cuts too.
  const int64_t second = c.first_dts();
  const auto d2 = feed(c, video(second + kTarget, true));
  EXPECT_EQ(d2.action, Action::Cut);
  EXPECT_EQ(d2.duration, kTarget);
  EXPECT_EQ(c.forced_cuts(), 0u);
}

TEST(SegmentCutter, AudioOnlyStreamsCutOnAnyAudioFrame) {
  SegmentCutter c(config());
  c.set_tracks(tracks(false, true), false);
  EXPECT_FALSE(c.cuts_on_video());
  EXPECT_EQ(feed(c, audio_frame(0)).action, Action::Open);
  int64_t dts = 0;
  while (dts + kAacTicks < kTarget) {
    dts += kAacTicks;
    EXPECT_EQ(feed(c, audio_frame(dts)).action, Action::Continue) << dts;
  }
  dts += kAacTicks;
  const auto d = feed(c, audio_frame(dts));
  EXPECT_EQ(d.action, Action::Cut);
  EXPECT_EQ(d.duration, dts);
  EXPECT_GE(d.duration, kTarget);
  EXPECT_LT(d.duration, kTarget + kAacTicks);
}

TEST(SegmentCutter, ForcedCutPastTheMaximumWithoutAKeyframeIsCounted) {
  SegmentCutter c(config());
  c.set_tracks(tracks(true, false), true);
  ASSERT_EQ(feed(c, video(0, true)).action, Action::Open);
  int64_t dts = 0;
  while (dts + kFrameTicks < kMax) {
    dts += kFrameTicks;
    ASSERT_EQ(feed(c, video(dts, false)).action, Action::Continue) << dts;
  }
  dts += kFrameTicks;
  const auto d = feed(c, video(dts, false));
  EXPECT_EQ(d.action, Action::ForcedCut);
  EXPECT_TRUE(d.cuts());
  EXPECT_EQ(d.duration, kMax);
  EXPECT_EQ(c.forced_cuts(), 1u);
  EXPECT_EQ(c.first_dts(), kMax);  // the next segment starts with that frame
  // A keyframe past the target is an ordinary cut again.
  EXPECT_EQ(feed(c, video(kMax + kTarget, true)).action, Action::Cut);
  EXPECT_EQ(c.forced_cuts(), 1u);
}

TEST(SegmentCutter, ASegmentIsCutBeforeItPassesTheMaximumSize) {
  auto cfg = config();
  cfg.max_bytes = 40;  // five of the test's 8-byte frames
  SegmentCutter c(cfg);
  c.set_tracks(tracks(true, true), true);
  ASSERT_EQ(feed(c, video(0, true)).action, Action::Open);
  for (int i = 1; i < 5; ++i)
    ASSERT_EQ(feed(c, video(i * kFrameTicks, false)).action, Action::Continue) << i;
  // The sixth frame would pass 40 bytes: it opens the next segment, without a keyframe.
  const auto d = feed(c, video(5 * kFrameTicks, false));
  EXPECT_EQ(d.action, Action::ForcedCut);
  EXPECT_EQ(d.duration, 5 * kFrameTicks);
  EXPECT_EQ(c.forced_cuts(), 1u);
  EXPECT_EQ(c.size_cuts(), 1u);
  // Audio counts towards the size, but only the cutting track cuts (CMAF).
  ASSERT_EQ(feed(c, audio_frame(5 * kFrameTicks + 10)).action, Action::Continue);
  for (int i = 6; i < 9; ++i)
    ASSERT_EQ(feed(c, video(i * kFrameTicks, false)).action, Action::Continue) << i;
  EXPECT_EQ(feed(c, video(9 * kFrameTicks, false)).action, Action::ForcedCut);
  EXPECT_EQ(c.size_cuts(), 2u);
  // A keyframe past the target cuts as usual, and is not a size cut.
  EXPECT_EQ(feed(c, video(9 * kFrameTicks + kTarget, true)).action, Action::Cut);
  EXPECT_EQ(c.size_cuts(), 2u);
}

TEST(SegmentCutter, OnlyTheCuttingTrackForcesACutUnlessAnyTrackMay) {
  for (bool any : {false, true}) {
    SegmentCutter c(config(any));
    c.set_tracks(tracks(true, true), true);
    ASSERT_EQ(feed(c, video(0, true)).action, Action::Open);
    const auto d = feed(c, audio_frame(kMax));
    EXPECT_EQ(d.action, any ? Action::ForcedCut : Action::Continue) << any;
    EXPECT_EQ(c.forced_cuts(), any ? 1u : 0u);
    // Audio never makes an ordinary cut in a video stream.
    EXPECT_NE(feed(c, audio_frame(c.first_dts() + kTarget)).action, Action::Cut);
  }
}

TEST(SegmentCutter, EstimatedDurationAddsOneAverageFrameInterval) {
  SegmentCutter c(config());
  c.set_tracks(tracks(true, true, 25), true);
  ASSERT_EQ(feed(c, video(1000, true)).action, Action::Open);
  // Before a second frame: the nominal interval from the frame rate.
  EXPECT_EQ(c.frame_interval(), 3600);
  EXPECT_EQ(c.estimated_duration(), 3600);
  // Irregular frames: the average interval over the segment, audio ignored.
  feed(c, audio_frame(1500));
  feed(c, video(1000 + 3000, false));
  feed(c, video(1000 + 9000, false));
  feed(c, audio_frame(1000 + 20000));
  EXPECT_EQ(c.frames(), 3u);
  EXPECT_EQ(c.frame_interval(), 4500);
  EXPECT_EQ(c.estimated_duration(), 9000 + 4500);
  // A cut starts the next segment's average afresh.
  ASSERT_EQ(feed(c, video(1000 + kTarget, true)).action, Action::Cut);
  EXPECT_EQ(c.frames(), 1u);
  EXPECT_EQ(c.frame_interval(), 3600);
}

TEST(SegmentCutter, NominalAudioIntervalIsOneAudioFrame) {
  SegmentCutter c(config());
  c.set_tracks(tracks(false, true), false);
  ASSERT_EQ(feed(c, audio_frame(0)).action, Action::Open);
  EXPECT_EQ(c.frame_interval(), kAacTicks);  // 1024 samples at 48 kHz
  EXPECT_EQ(c.estimated_duration(), kAacTicks);
  media::Tracks opus = tracks(false, true);
  opus.audio->codec = media::Codec::Opus;
  EXPECT_EQ(SegmentCutter::audio_frame_ticks(opus), 1800);  // 960 samples at 48 kHz
  EXPECT_EQ(SegmentCutter::audio_frame_ticks(tracks(true, false)), 0);
}

TEST(SegmentCutter, FlaggedDiscontinuityBreaksTheTimeline) {
  SegmentCutter c(config());
  c.set_tracks(tracks(true, true), true);
  ASSERT_EQ(feed(c, video(0, true)).action, Action::Open);
  feed(c, video(kFrameTicks, false));
  media::Frame jump = video(50 * 90000, false);
  jump.discontinuity = true;
  ASSERT_TRUE(c.breaks_timeline(jump));
  // The caller closes the open segment with its estimate, then the timeline starts again at
  // a keyframe: a plain frame after the jump is dropped.
  EXPECT_EQ(c.estimated_duration(), 2 * kFrameTicks);
  c.close();
  EXPECT_FALSE(c.is_open());
  EXPECT_EQ(feed(c, jump).action, Action::Drop);
  EXPECT_EQ(feed(c, video(50 * 90000 + kFrameTicks, true)).action, Action::Open);
  EXPECT_FALSE(c.breaks_timeline(video(50 * 90000 + 2 * kFrameTicks, false)));
}

TEST(SegmentCutter, AStepBackPastTheMaximumBreaksTheTimelineWhenAsked) {
  for (bool step_back_breaks : {true, false}) {
    SegmentCutter c(config(false, step_back_breaks));
    c.set_tracks(tracks(true, true), true);
    EXPECT_FALSE(c.breaks_timeline(video(0, true)));  // nothing open
    ASSERT_EQ(feed(c, video(10 * 90000, true)).action, Action::Open);
    EXPECT_FALSE(c.breaks_timeline(video(10 * 90000 - kMax, false)));
    EXPECT_EQ(c.breaks_timeline(video(10 * 90000 - kMax - 1, false)), step_back_breaks);
  }
}

TEST(SegmentCutter, CloseThenReopensAtAKeyframeAndKeepsCounters) {
  SegmentCutter c(config());
  c.set_tracks(tracks(true, false), true);
  feed(c, video(0, false));
  ASSERT_EQ(feed(c, video(kFrameTicks, true)).action, Action::Open);
  c.close();
  EXPECT_EQ(feed(c, video(2 * kFrameTicks, false)).action, Action::Drop);
  EXPECT_EQ(c.dropped(), 2u);
  // Tracks change between publishes: audio only now.
  c.set_tracks(tracks(false, true), false);
  EXPECT_EQ(feed(c, audio_frame(3 * kFrameTicks)).action, Action::Open);
}

}  // namespace
}  // namespace firstmile::output
