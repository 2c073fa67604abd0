// The fMP4 / LL-HLS path of HlsSegmenter (CmafSegmenter): segment and part cutting, the bytes of
// parts and segments, reconnects and eviction, as published in snapshots.
#include "output/hls/cmaf_segmenter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "../../format/fmp4/box_reader.hpp"
#include "output/hls/segmenter.hpp"
#include "output/test_frames.hpp"

namespace firstmile::hls {
namespace {

using test::bmff::walk_all;

using test::frames::audio;
using test::frames::kAacTicks;
using test::frames::kAsc44;
using test::frames::kAvcC;
using test::frames::tracks;
using test::frames::video;

HlsConfig ll_config(double segment = 1.0, double part = 0.2) {
  HlsConfig c;
  c.variant = HlsVariant::LowLatency;
  c.segment_duration = segment;
  c.part_duration = part;
  c.window = 6;
  c.keep_extra = 1;
  c.name_prefix = "p-";
  return c;
}

// Publishes video at `fps` with a keyframe every `gop` frames and AAC at 48 kHz, interleaved in
// dts order, for frames [first, last).
void feed(HlsSegmenter& s, double fps, int gop, int first, int last, bool with_audio = true,
          int64_t offset = 0) {
  const double interval = 90000.0 / fps;
  int64_t next_audio = offset + static_cast<int64_t>(first * interval);
  next_audio -= next_audio % kAacTicks;
  for (int i = first; i < last; ++i) {
    // RTMP-style timestamps: whole milliseconds.
    const int64_t dts = offset + std::llround(i * interval / 90.0) * 90;
    while (with_audio && next_audio <= dts) {
      s.push(audio(next_audio));
      next_audio += kAacTicks;
    }
    s.push(video(dts, i % gop == 0));
  }
}

std::string concat(const std::vector<const HlsPart*>& parts) {
  std::string out;
  for (const HlsPart* p : parts)
    out.append(reinterpret_cast<const char*>(p->data.data()), p->data.size());
  return out;
}

std::vector<const HlsPart*> parts_of(const HlsSnapshot& s, uint64_t seq) {
  std::vector<const HlsPart*> out;
  for (const HlsPart& p : s.parts)
    if (p.sequence == seq) out.push_back(&p);
  return out;
}

// tfdt of the first traf of a moof+mdat fragment.
uint64_t first_tfdt(const Buffer& fragment) {
  auto w = walk_all(Bytes(fragment.data(), fragment.data() + fragment.size()));
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].type, "moof");
  EXPECT_EQ(w[1].type, "mdat");
  const auto& tfdt = w[0].path("traf/tfdt");
  return test::bmff::be_at(tfdt.body, 0, 1) == 1 ? test::bmff::be_at(tfdt.body, 4, 8)
                                                 : test::bmff::be_at(tfdt.body, 4, 4);
}

TEST(CmafSegmenter, LowLatencyPartsTileEachSegment) {
  HlsSegmenter s(ll_config());
  s.set_clock([] { return int64_t{1700000000000}; });
  std::vector<HlsSegment> seen;
  s.on_segment = [&](const HlsSegment& seg) { seen.push_back(seg); };
  s.start(tracks(true, true));
  feed(s, 30, 30, 0, 95);  // 3 s and 5 frames: segments 0..2 complete, 3 open with 0 parts
  auto snap = s.snapshot();
  ASSERT_EQ(snap->segments.size(), 3u);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(snap->variant, HlsVariant::LowLatency);
  EXPECT_EQ(snap->last_sequence, 2u);
  EXPECT_EQ(snap->open_sequence, 3u);
  EXPECT_EQ(snap->open_parts, 0u);
  for (uint64_t seq = 0; seq < 3; ++seq) {
    const HlsSegment& seg = snap->segments[seq];
    EXPECT_EQ(seg.name, "p-" + std::to_string(seq) + ".m4s");
    EXPECT_NEAR(seg.duration, 1.0, 1e-9);
    auto parts = parts_of(*snap, seq);
    ASSERT_EQ(parts.size(), 5u) << seq;
    int64_t total_ms = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      EXPECT_EQ(parts[i]->name, "p-" + std::to_string(seq) + "." + std::to_string(i) + ".m4s");
      EXPECT_EQ(parts[i]->index, i);
      EXPECT_LE(parts[i]->duration_ms, 200);
      EXPECT_EQ(parts[i]->independent, i == 0) << seq << "." << i;
      // Each part is one moof+mdat starting where the previous part ended (6 frames each).
      EXPECT_EQ(first_tfdt(parts[i]->data), seq * 90000 + i * 18000);
      total_ms += parts[i]->duration_ms;
    }
    EXPECT_EQ(total_ms, 1000);
    const std::string bytes(reinterpret_cast<const char*>(seg.data.data()), seg.data.size());
    EXPECT_EQ(bytes, concat(parts));
    EXPECT_EQ(seen[seq].name, seg.name);
  }
  EXPECT_EQ(s.stats().parts, 15u);
  EXPECT_EQ(s.stats().parts_over_target, 0u);
  const std::string& pl = snap->playlist;
  EXPECT_NE(pl.find("#EXT-X-VERSION:9\n"), std::string::npos);
  EXPECT_NE(pl.find("#EXT-X-MAP:URI=\"p-init.mp4\"\n"), std::string::npos);
  EXPECT_NE(pl.find("#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n#EXT-X-PART:DURATION=0.200,"
                    "URI=\"p-0.0.m4s\",INDEPENDENT=YES\n"),
            std::string::npos)
      << pl;
  // The hint names the first part of the open segment.
  EXPECT_NE(pl.find("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p-3.0.m4s\"\n"), std::string::npos);
  ASSERT_EQ(snap->inits.size(), 1u);
  EXPECT_EQ(snap->inits[0].name, "p-init.mp4");
  EXPECT_EQ(walk_all(Bytes(snap->inits[0].data.data(),
                           snap->inits[0].data.data() + snap->inits[0].data.size()))[0]
                .type,
            "ftyp");
}

TEST(CmafSegmenter, PartsNeverExceedTheTargetAtAwkwardFrameRates) {
  for (double fps : {24.0, 25.0, 29.97, 50.0, 60.0}) {
    HlsSegmenter s(ll_config(2.0, 0.3));
    s.start(tracks(true, true, fps));
    const int gop = static_cast<int>(fps * 2);
    feed(s, fps, gop, 0, gop * 3 + 3);
    auto snap = s.snapshot();
    ASSERT_FALSE(snap->parts.empty());
    int64_t shortest = 1000;
    for (const HlsPart& p : snap->parts) {
      EXPECT_LE(p.duration_ms, 300) << fps << " " << p.name;
      // Not a segment's last part, nor the one before a keyframe (which starts a part).
      const HlsPart* next = snap->find_part(p.sequence, p.index + 1);
      if (next && !next->independent) shortest = std::min(shortest, p.duration_ms);
    }
    // 8.5: parts SHOULD be at least 85% of the target (except a segment's last one).
    EXPECT_GE(shortest, 255 - 1000 / fps) << fps << "\n" << snap->playlist;
    EXPECT_EQ(s.stats().parts_over_target, 0u) << fps;
  }
}

TEST(CmafSegmenter, KeyframeInsideASegmentStartsAnIndependentPart) {
  HlsSegmenter s(ll_config(1.0, 0.2));
  s.start(tracks(true, false));
  feed(s, 30, 15, 0, 31, false);  // keyframes at frames 0, 15, 30
  auto snap = s.snapshot();
  auto parts = parts_of(*snap, 0);
  // Parts start at frames 0, 6, 12, 15 (keyframe), 21, 27.
  ASSERT_EQ(parts.size(), 6u);
  const bool independent[] = {true, false, false, true, false, false};
  const int64_t ms[] = {200, 200, 100, 200, 200, 100};
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(parts[i]->independent, independent[i]) << i;
    EXPECT_EQ(parts[i]->duration_ms, ms[i]) << i;
  }
}

TEST(CmafSegmenter, AudioOnlyCutsPartsOnAudioFrames) {
  HlsSegmenter s(ll_config(1.0, 0.2));
  s.start(tracks(false, true, 0, kAsc44));
  // 44.1 kHz AAC: 1024 samples = 2089.8 ticks; whole-ms timestamps as RTMP gives them.
  for (int i = 0; i < 100; ++i)
    s.push(audio(std::llround(i * 1024 * 1000.0 / 44100) * 90));
  auto snap = s.snapshot();
  ASSERT_GE(snap->segments.size(), 2u);
  for (const HlsPart& p : snap->parts) {
    EXPECT_TRUE(p.independent) << p.name;
    EXPECT_LE(p.duration_ms, 200) << p.name;
    // Eight frames (186 ms) a part, but for the last part of a segment.
    if (p.index + 1 < parts_of(*snap, p.sequence).size()) {
      EXPECT_GE(p.duration_ms, 185) << p.name;  // whole-ms timestamps: 185 or 186 ms
      EXPECT_LE(p.duration_ms, 186) << p.name;
    }
  }
  EXPECT_EQ(s.stats().frames_dropped_waiting_keyframe, 0u);
}

TEST(CmafSegmenter, ReconnectAnnouncesANewInitAfterADiscontinuity) {
  HlsSegmenter s(ll_config());
  s.start(tracks(true, true));
  feed(s, 30, 30, 0, 61);
  s.end();
  auto ended = s.snapshot();
  EXPECT_TRUE(ended->ended);
  EXPECT_EQ(ended->playlist.substr(ended->playlist.size() - 15), "#EXT-X-ENDLIST\n");
  EXPECT_EQ(ended->playlist.find("PRELOAD-HINT"), std::string::npos);
  ASSERT_EQ(ended->segments.size(), 3u);  // the open one (1 frame) closed too

  // The publisher comes back with a different audio config: new init, new name.
  s.start(tracks(true, true, 30, kAsc44));
  EXPECT_FALSE(s.snapshot()->ended);
  feed(s, 30, 30, 0, 31, true, 5 * 90000);
  auto snap = s.snapshot();
  ASSERT_EQ(snap->inits.size(), 2u);
  EXPECT_EQ(snap->inits[1].name, "p-init-1.mp4");
  EXPECT_NE(snap->inits[0].data.size() == snap->inits[1].data.size() &&
                std::equal(snap->inits[0].data.data(),
                           snap->inits[0].data.data() + snap->inits[0].data.size(),
                           snap->inits[1].data.data()),
            true);
  const std::string& pl = snap->playlist;
  EXPECT_NE(pl.find("p-2.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"p-init-1.mp4\"\n"),
            std::string::npos)
      << pl;
  EXPECT_TRUE(snap->segments.back().discontinuity);
  EXPECT_EQ(snap->segments.back().sequence, 3u);
}

TEST(CmafSegmenter, OldPartsAndSegmentsAreEvicted) {
  HlsConfig c = ll_config();
  HlsSegmenter s(c);
  s.start(tracks(true, true));
  feed(s, 30, 30, 0, 30 * 20 + 13);  // 20 segments complete, 2 parts of the 21st
  auto snap = s.snapshot();
  const HlsConfig eff = CmafSegmenter::effective(c);
  EXPECT_EQ(eff.window, 10u);  // 6 target durations to skip over + 4
  ASSERT_EQ(snap->segments.size(), eff.window + eff.keep_extra);
  EXPECT_EQ(snap->media_sequence, 10u);
  EXPECT_EQ(snap->segments.front().sequence, 9u);
  // Parts are listed for the segments within 3 target durations of the end (17, 18, 19 and
  // the open 20th's two) and kept two segments longer.
  EXPECT_EQ(snap->playlist.find("p-16.0.m4s"), std::string::npos);
  EXPECT_NE(snap->playlist.find("p-17.0.m4s"), std::string::npos);
  EXPECT_NE(snap->playlist.find("URI=\"p-20.1.m4s\""), std::string::npos);
  EXPECT_NE(snap->playlist.find("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p-20.2.m4s\""),
            std::string::npos);
  EXPECT_TRUE(snap->find_part(15, 0));
  EXPECT_FALSE(snap->find_part(14, 0));
  EXPECT_FALSE(snap->find("p-8.m4s"));
  EXPECT_TRUE(snap->find("p-9.m4s"));
  // A delta update skips what lies more than 6 s before the end.
  ASSERT_FALSE(snap->delta_playlist.empty()) << snap->playlist;
  EXPECT_NE(snap->delta_playlist.find("#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n"), std::string::npos)
      << snap->delta_playlist;
  // The disk copy has no parts.
  EXPECT_EQ(snap->file_playlist.find("EXT-X-PART"), std::string::npos);
  EXPECT_NE(snap->file_playlist.find("p-19.m4s"), std::string::npos);
}

TEST(CmafSegmenter, BlockingConditionsAndHintedParts) {
  HlsSegmenter s(ll_config());
  s.start(tracks(true, true));
  feed(s, 30, 30, 0, 30 + 13);  // segment 0 (5 parts), segment 1 open with 2 parts
  auto snap = s.snapshot();
  EXPECT_TRUE(snap->has_segment(0));
  EXPECT_FALSE(snap->has_segment(1));
  EXPECT_TRUE(snap->has_part(1, 1));
  EXPECT_FALSE(snap->has_part(1, 2));
  EXPECT_TRUE(snap->has_part(0, 6));  // past the end of segment 0: segment 1's part 1
  EXPECT_FALSE(snap->has_part(0, 7));
  EXPECT_EQ(snap->advance_part_limit(), 15u);
  auto id = snap->parse_part_name("p-1.2.m4s");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->sequence, 1u);
  EXPECT_EQ(id->index, 2u);
  EXPECT_FALSE(snap->parse_part_name("p-1.m4s"));
  EXPECT_FALSE(snap->parse_part_name("q-1.2.m4s"));
  EXPECT_FALSE(snap->parse_part_name("p-1.x.m4s"));
  EXPECT_FALSE(snap->resolve_part(*id));
  EXPECT_TRUE(snap->part_pending(*id));
  EXPECT_FALSE(snap->part_pending({1, 20}));  // past the advance limit
  EXPECT_FALSE(snap->part_pending({0, 1}));   // exists
  // The segment closes at the next keyframe: the hint of segment 1's part 5 is answered by
  // segment 2's first part.
  feed(s, 30, 30, 43, 60);
  snap = s.snapshot();
  EXPECT_TRUE(snap->part_pending({1, 5}));
  feed(s, 30, 30, 60, 67);
  snap = s.snapshot();
  ASSERT_TRUE(snap->resolve_part({1, 5}));
  EXPECT_EQ(snap->resolve_part({1, 5}), snap->find_part(2, 0));
  s.end();
  EXPECT_FALSE(s.snapshot()->part_pending({2, 1}));
  EXPECT_TRUE(s.snapshot()->has_part(99, 0));  // ended: everyone is released
}

TEST(CmafSegmenter, Fmp4VariantHasOneFragmentPerSegmentAndNoParts) {
  HlsConfig c = ll_config(1.0);
  c.variant = HlsVariant::Fmp4;
  HlsSegmenter s(c);
  s.start(tracks(true, true));
  feed(s, 30, 30, 0, 91);
  auto snap = s.snapshot();
  ASSERT_EQ(snap->segments.size(), 3u);
  EXPECT_TRUE(snap->parts.empty());
  EXPECT_TRUE(snap->delta_playlist.empty());
  for (const HlsSegment& seg : snap->segments) {
    auto w = walk_all(Bytes(seg.data.data(), seg.data.data() + seg.data.size()));
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(first_tfdt(seg.data), seg.sequence * 90000);
  }
  EXPECT_EQ(snap->playlist.find("EXT-X-PART"), std::string::npos);
  EXPECT_EQ(snap->playlist.substr(0, 26), "#EXTM3U\n#EXT-X-VERSION:7\n#");
  EXPECT_EQ(s.stats().segments, 3u);
}

}  // namespace
}  // namespace firstmile::hls
