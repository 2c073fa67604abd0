// hls.audio_rendition: the video-only and audio-only renditions next to the muxed output, as
// published through HlsSegmenter: aligned segments and parts, their own init segments and names,
// and EXT-X-RENDITION-REPORT tags that match the other playlist.
#include "output/hls/demuxed_renditions.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "../../format/fmp4/box_reader.hpp"
#include "output/hls/segmenter.hpp"
#include "output/test_frames.hpp"

namespace firstmile::hls {
namespace {

using test::bmff::walk_all;
using test::frames::audio;
using test::frames::kAacTicks;
using test::frames::tracks;
using test::frames::video;

HlsConfig config(HlsVariant variant = HlsVariant::LowLatency) {
  HlsConfig c;
  c.variant = variant;
  c.segment_duration = 1.0;
  c.part_duration = 0.2;
  c.window = 6;
  c.keep_extra = 1;
  c.name_prefix = "p-";
  c.audio_rendition = true;
  return c;
}

// 30 fps video with a keyframe every `gop` frames and 48 kHz AAC, in dts order, timestamps in
// whole milliseconds as RTMP has them; audio frames [0, n) start `audio_offset` ticks late.
void feed_gops(HlsSegmenter& s, int gop, int first, int last, int64_t audio_offset = 0) {
  int64_t next_audio = audio_offset;
  while (next_audio < first * 3000)
    next_audio += kAacTicks;
  for (int i = first; i < last; ++i) {
    const int64_t dts = std::llround(i * 100.0 / 3.0) * 90;
    while (next_audio <= dts) {
      s.push(audio(next_audio / 90 * 90));
      next_audio += kAacTicks;
    }
    s.push(video(dts, i % gop == 0));
  }
}

Bytes bytes_of(const Buffer& b) {
  return Bytes(b.data(), b.data() + b.size());
}

// (track handler types in the init segment's moov)
std::vector<std::string> handlers(const HlsSnapshot& snap) {
  std::vector<std::string> out;
  auto w = walk_all(bytes_of(snap.inits.at(0).data));
  for (const auto* trak : w[1].all("trak")) {
    ByteSpan hdlr = trak->path("mdia/hdlr").body;  // version/flags, pre_defined, handler_type
    out.emplace_back(reinterpret_cast<const char*>(hdlr.data()) + 8, 4);
  }
  return out;
}

// Seconds of the first sample of a moof+mdat, from tfdt and the track's timescale.
double start_seconds(const Buffer& fragment, uint32_t timescale) {
  auto w = walk_all(bytes_of(fragment));
  ByteSpan tfdt = w[0].path("traf/tfdt").body;
  ByteReader r(tfdt);
  const uint8_t version = r.u8();
  r.skip(3);
  const uint64_t t = version == 1 ? r.u64() : r.u32();
  EXPECT_TRUE(r.ok());
  return static_cast<double>(t) / timescale;
}

// The EXT-X-RENDITION-REPORT a playlist should carry for `other`: its last listed part.
std::string report_for(const std::string& uri, const HlsSnapshot& other) {
  const HlsPart& last = other.parts.back();
  return "#EXT-X-RENDITION-REPORT:URI=\"" + uri + "\",LAST-MSN=" + std::to_string(last.sequence) +
         ",LAST-PART=" + std::to_string(last.index) + "\n";
}

TEST(DemuxedRenditions, OffByDefaultAndForTs) {
  HlsConfig c = config();
  c.audio_rendition = false;
  HlsSegmenter off(c);
  EXPECT_EQ(off.snapshot(HlsRendition::Video), nullptr);
  EXPECT_EQ(off.rendition_of("p-v-0.m4s"), HlsRendition::Muxed);
  HlsSegmenter ts(config(HlsVariant::Ts));
  EXPECT_EQ(ts.snapshot(HlsRendition::Audio), nullptr);
}

TEST(DemuxedRenditions, NamesOfEachRendition) {
  HlsSegmenter s(config());
  EXPECT_EQ(s.rendition_of("p-v-3.1.m4s"), HlsRendition::Video);
  EXPECT_EQ(s.rendition_of("p-v-init.mp4"), HlsRendition::Video);
  EXPECT_EQ(s.rendition_of("p-a-3.m4s"), HlsRendition::Audio);
  EXPECT_EQ(s.rendition_of("p-3.m4s"), HlsRendition::Muxed);
  EXPECT_EQ(s.rendition_of("p-init.mp4"), HlsRendition::Muxed);
}

TEST(DemuxedRenditions, SegmentsAndPartsAlignWithinOneAudioFrame) {
  HlsSegmenter s(config());
  s.set_clock([] { return int64_t{1700000000000}; });
  s.start(tracks(true, true));
  feed_gops(s, 30, 0, 30 * 5 + 10);  // 5 s: segments 0-4 complete, 5 open
  auto muxed = s.snapshot();
  auto v = s.snapshot(HlsRendition::Video);
  auto a = s.snapshot(HlsRendition::Audio);
  ASSERT_TRUE(v && a);
  ASSERT_EQ(v->segments.size(), 5u);
  ASSERT_EQ(a->segments.size(), v->segments.size());
  EXPECT_EQ(handlers(*v), std::vector<std::string>{"vide"});
  EXPECT_EQ(handlers(*a), std::vector<std::string>{"soun"});
  EXPECT_EQ(v->inits[0].name, "p-v-init.mp4");
  EXPECT_EQ(a->inits[0].name, "p-a-init.mp4");

  const double audio_frame = 1024.0 / 48000;
  for (size_t i = 0; i < v->segments.size(); ++i) {
    const HlsSegment& vs = v->segments[i];
    const HlsSegment& as = a->segments[i];
    EXPECT_EQ(vs.sequence, i);
    EXPECT_EQ(as.sequence, vs.sequence);
    EXPECT_EQ(vs.name, "p-v-" + std::to_string(i) + ".m4s");
    EXPECT_EQ(as.name, "p-a-" + std::to_string(i) + ".m4s");
    // The video rendition is cut exactly as the muxed output.
    EXPECT_EQ(muxed->segments[i].sequence, vs.sequence);
    EXPECT_DOUBLE_EQ(muxed->segments[i].duration, vs.duration);
    EXPECT_NEAR(as.duration, vs.duration, audio_frame) << i;
    EXPECT_NEAR(start_seconds(as.data, 48000), start_seconds(vs.data, 90000), audio_frame) << i;
  }
  // Parts: the same (segment, index) in both, of nearly the same length; the audio ones within
  // the audio playlist's PART-TARGET (the video's plus one audio frame, in whole ms).
  ASSERT_EQ(a->parts.size(), v->parts.size());
  for (size_t i = 0; i < v->parts.size(); ++i) {
    const HlsPart& vp = v->parts[i];
    const HlsPart& ap = a->parts[i];
    EXPECT_EQ(std::make_pair(ap.sequence, ap.index), std::make_pair(vp.sequence, vp.index));
    EXPECT_LE(std::abs(ap.duration_ms - vp.duration_ms), 22) << vp.name;
    EXPECT_LE(vp.duration_ms, 200) << vp.name;
    EXPECT_LE(ap.duration_ms, 222) << ap.name;
    EXPECT_TRUE(ap.independent) << ap.name;
  }
  EXPECT_NE(v->playlist.find("#EXT-X-PART-INF:PART-TARGET=0.200\n"), std::string::npos);
  EXPECT_NE(a->playlist.find("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6.000,"
                             "PART-HOLD-BACK=0.666\n#EXT-X-PART-INF:PART-TARGET=0.222\n"),
            std::string::npos)
      << a->playlist;
  // The muxed output has no reports: it is in no multivariant playlist with the others.
  EXPECT_EQ(muxed->playlist.find("RENDITION-REPORT"), std::string::npos);
}

TEST(DemuxedRenditions, EachPlaylistReportsTheOtherAsItIs) {
  HlsSegmenter s(config());
  s.start(tracks(true, true));
  int fed = 0;
  // 61: the keyframe at 60 has just closed segment 1, held as open.
  for (int last : {37, 44, 61, 95}) {
    feed_gops(s, 30, fed, last);
    fed = last;
    auto v = s.snapshot(HlsRendition::Video);
    auto a = s.snapshot(HlsRendition::Audio);
    ASSERT_FALSE(v->parts.empty() || a->parts.empty()) << last;
    // The report comes after the preload hint and ends the playlist.
    const std::string v_tail = report_for("audio.m3u8", *a);
    const std::string a_tail = report_for("video.m3u8", *v);
    ASSERT_GE(v->playlist.size(), v_tail.size());
    EXPECT_EQ(v->playlist.substr(v->playlist.size() - v_tail.size()), v_tail) << v->playlist;
    EXPECT_EQ(a->playlist.substr(a->playlist.size() - a_tail.size()), a_tail) << a->playlist;
    // Delta updates carry them too.
    if (!v->delta_playlist.empty()) {
      EXPECT_EQ(v->delta_playlist.substr(v->delta_playlist.size() - v_tail.size()), v_tail);
    }
    // Both renditions are cut alike, so each reports where it is itself.
    EXPECT_EQ(v_tail.substr(v_tail.find(",LAST")), a_tail.substr(a_tail.find(",LAST")));
    EXPECT_EQ(v->file_playlist.find("RENDITION-REPORT"), std::string::npos);
  }
}

TEST(DemuxedRenditions, ExactPlaylistsWithReports) {
  HlsSegmenter s(config());
  s.set_clock([] { return int64_t{1700000000000}; });
  s.start(tracks(true, true));
  // Segment 0 is frames 0-29; then parts 1.0 (frames 30-35) and 1.1 (36-41), closed by 42.
  feed_gops(s, 30, 0, 43);
  auto v = s.snapshot(HlsRendition::Video);
  EXPECT_EQ(v->playlist,
            "#EXTM3U\n"
            "#EXT-X-VERSION:9\n"
            "#EXT-X-TARGETDURATION:1\n"
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6.000,PART-HOLD-BACK=0.600\n"
            "#EXT-X-PART-INF:PART-TARGET=0.200\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXT-X-MAP:URI=\"p-v-init.mp4\"\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n"
            "#EXT-X-PART:DURATION=0.200,URI=\"p-v-0.0.m4s\",INDEPENDENT=YES\n"
            "#EXT-X-PART:DURATION=0.200,URI=\"p-v-0.1.m4s\"\n"
            "#EXT-X-PART:DURATION=0.200,URI=\"p-v-0.2.m4s\"\n"
            "#EXT-X-PART:DURATION=0.200,URI=\"p-v-0.3.m4s\"\n"
            "#EXT-X-PART:DURATION=0.200,URI=\"p-v-0.4.m4s\"\n"
            "#EXTINF:1.000,\n"
            "p-v-0.m4s\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:21.000Z\n"
            "#EXT-X-PART:DURATION=0.200,URI=\"p-v-1.0.m4s\",INDEPENDENT=YES\n"
            "#EXT-X-PART:DURATION=0.200,URI=\"p-v-1.1.m4s\"\n"
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p-v-1.2.m4s\"\n"
            "#EXT-X-RENDITION-REPORT:URI=\"audio.m3u8\",LAST-MSN=1,LAST-PART=1\n");
  // The audio: AAC frame k at k * 21.33 ms (in whole ms), sent before the video frame at the
  // same or a later time; the one at 0 came before the first keyframe and is dropped. A part
  // holds the frames sent during its video part and lasts from its first to its last frame's
  // end: 0.0 = frames 1-9 (21 ms .. 192 + 21.33 ms), 0.1 = 10-18, 0.2 = 19-28 (ten frames, 213
  // ms: longer than the video part, within PART-TARGET 0.200 + 0.0213 rounded up), ...; segment
  // 1 starts with frame 47 (1002 ms), its PROGRAM-DATE-TIME.
  auto a = s.snapshot(HlsRendition::Audio);
  EXPECT_EQ(a->playlist,
            "#EXTM3U\n"
            "#EXT-X-VERSION:9\n"
            "#EXT-X-TARGETDURATION:1\n"
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6.000,PART-HOLD-BACK=0.666\n"
            "#EXT-X-PART-INF:PART-TARGET=0.222\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
            "#EXT-X-MAP:URI=\"p-a-init.mp4\"\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.021Z\n"
            "#EXT-X-PART:DURATION=0.192,URI=\"p-a-0.0.m4s\",INDEPENDENT=YES\n"
            "#EXT-X-PART:DURATION=0.192,URI=\"p-a-0.1.m4s\",INDEPENDENT=YES\n"
            "#EXT-X-PART:DURATION=0.213,URI=\"p-a-0.2.m4s\",INDEPENDENT=YES\n"
            "#EXT-X-PART:DURATION=0.192,URI=\"p-a-0.3.m4s\",INDEPENDENT=YES\n"
            "#EXT-X-PART:DURATION=0.192,URI=\"p-a-0.4.m4s\",INDEPENDENT=YES\n"
            "#EXTINF:0.983,\n"
            "p-a-0.m4s\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:21.002Z\n"
            "#EXT-X-PART:DURATION=0.213,URI=\"p-a-1.0.m4s\",INDEPENDENT=YES\n"
            "#EXT-X-PART:DURATION=0.191,URI=\"p-a-1.1.m4s\",INDEPENDENT=YES\n"
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p-a-1.2.m4s\"\n"
            "#EXT-X-RENDITION-REPORT:URI=\"video.m3u8\",LAST-MSN=1,LAST-PART=1\n");
}

// A keyframe closes a segment: the segment stays shown as open (its parts, no EXTINF) until
// the next segment's first part is made, and a blocking request for it waits until then.
TEST(DemuxedRenditions, ASegmentShowsCompleteOnePartAfterItsLastPart) {
  HlsSegmenter s(config());
  s.start(tracks(true, true));
  feed_gops(s, 30, 0, 31);  // segment 0 closed by the keyframe at 30, held: no playlist yet
  for (auto r : {HlsRendition::Muxed, HlsRendition::Video, HlsRendition::Audio}) {
    auto snap = s.snapshot(r);
    EXPECT_EQ(snap->playlist, "");
    EXPECT_EQ(snap->segments.size(), 1u);  // its file is there all the same
    EXPECT_FALSE(snap->has_segment(0));
  }
  feed_gops(s, 30, 31, 61);  // segment 1 made and closed by the keyframe at 60: held
  for (auto r : {HlsRendition::Muxed, HlsRendition::Video, HlsRendition::Audio}) {
    auto snap = s.snapshot(r);
    const std::string& p = snap->playlist;
    const std::string prefix = r == HlsRendition::Muxed   ? "p-"
                               : r == HlsRendition::Video ? "p-v-"
                                                          : "p-a-";
    EXPECT_NE(p.find(",\n" + prefix + "0.m4s\n"), std::string::npos) << p;
    EXPECT_EQ(p.find(prefix + "1.m4s"), std::string::npos) << p;
    // Its last part is listed, then the hint for the next segment's first part, no EXTINF.
    const size_t last_part = p.find(prefix + "1.4.m4s");
    ASSERT_NE(last_part, std::string::npos) << p;
    const std::string tail = p.substr(last_part);
    EXPECT_EQ(tail.find("#EXTINF"), std::string::npos) << p;
    EXPECT_NE(tail.find("\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"" + prefix + "2.0.m4s\"\n"),
              std::string::npos)
        << p;
    EXPECT_EQ(snap->segments.size(), 2u);
    EXPECT_TRUE(snap->has_segment(0));
    EXPECT_FALSE(snap->has_segment(1));
    EXPECT_TRUE(snap->has_part(1, 4));
    EXPECT_FALSE(snap->has_part(1, 5));  // = part 0 of segment 2
    EXPECT_FALSE(snap->has_part(2, 0));
    EXPECT_EQ(snap->listed_sequence, 0u);
    EXPECT_EQ(snap->last_sequence, 1u);
    // The disk copy's playlist (no parts) lists it at once.
    if (r == HlsRendition::Muxed)
      EXPECT_NE(snap->file_playlist.find("\np-1.m4s\n"), std::string::npos);
  }
  // The reports say the same: segment 1, part 4.
  EXPECT_NE(s.snapshot(HlsRendition::Video)->playlist.find("LAST-MSN=1,LAST-PART=4\n"),
            std::string::npos);
  feed_gops(s, 30, 61, 67);  // part 2.0 made: segment 1 shows complete
  for (auto r : {HlsRendition::Muxed, HlsRendition::Video}) {
    auto snap = s.snapshot(r);
    const std::string prefix = r == HlsRendition::Muxed ? "p-" : "p-v-";
    EXPECT_NE(snap->playlist.find("#EXTINF:1.000,\n" + prefix + "1.m4s\n"), std::string::npos)
        << snap->playlist;
    EXPECT_NE(snap->playlist.find(prefix + "2.0.m4s"), std::string::npos);
    EXPECT_TRUE(snap->has_segment(1));
    EXPECT_TRUE(snap->has_part(1, 5));
    EXPECT_EQ(snap->listed_sequence, 1u);
  }
}

TEST(DemuxedRenditions, AudioStartingLateKeepsTheVideoNumbers) {
  HlsSegmenter s(config());
  s.start(tracks(true, true));
  feed_gops(s, 30, 0, 30 * 4 + 1, /*audio_offset=*/90000 * 3 / 2);  // audio from 1.5 s
  auto v = s.snapshot(HlsRendition::Video);
  auto a = s.snapshot(HlsRendition::Audio);
  ASSERT_EQ(v->segments.size(), 4u);
  // Segment 0 had no audio: the audio rendition starts at segment 1, numbered as the video's.
  ASSERT_EQ(a->segments.size(), 3u);
  for (size_t i = 0; i < a->segments.size(); ++i)
    EXPECT_EQ(a->segments[i].sequence, v->segments[i + 1].sequence);
  EXPECT_NE(a->playlist.find("#EXT-X-MEDIA-SEQUENCE:1\n"), std::string::npos) << a->playlist;
}

TEST(DemuxedRenditions, OnlyWhileTheStreamHasBothTracks) {
  HlsSegmenter s(config());
  s.start(tracks(true, false));
  feed_gops(s, 30, 0, 61);
  EXPECT_TRUE(s.snapshot(HlsRendition::Video)->playlist.empty());
  EXPECT_FALSE(s.snapshot()->playlist.empty());

  // A publish with both: the renditions start; one without audio again ends them.
  s.end();
  s.start(tracks(true, true));
  feed_gops(s, 30, 100, 161);
  auto v = s.snapshot(HlsRendition::Video);
  ASSERT_FALSE(v->playlist.empty());
  EXPECT_FALSE(v->ended);
  s.end();
  s.start(tracks(true, false));
  v = s.snapshot(HlsRendition::Video);
  EXPECT_TRUE(v->ended);
  EXPECT_TRUE(s.snapshot(HlsRendition::Audio)->ended);
  EXPECT_FALSE(s.snapshot()->ended);
}

TEST(DemuxedRenditions, Fmp4VariantHasRenditionsWithoutParts) {
  HlsSegmenter s(config(HlsVariant::Fmp4));
  s.start(tracks(true, true));
  feed_gops(s, 30, 0, 30 * 3 + 1);
  auto v = s.snapshot(HlsRendition::Video);
  auto a = s.snapshot(HlsRendition::Audio);
  ASSERT_EQ(v->segments.size(), 3u);
  ASSERT_EQ(a->segments.size(), 3u);
  EXPECT_NE(a->playlist.find("#EXT-X-VERSION:7\n"), std::string::npos);
  EXPECT_EQ(a->playlist.find("EXT-X-PART"), std::string::npos);
  EXPECT_EQ(v->playlist.find("RENDITION-REPORT"), std::string::npos);  // an LL-HLS tag
}

TEST(DemuxedRenditions, BlockingConditionsFollowEachRendition) {
  HlsSegmenter s(config());
  s.start(tracks(true, true));
  feed_gops(s, 30, 0, 43);
  auto a = s.snapshot(HlsRendition::Audio);
  EXPECT_TRUE(a->has_part(1, 1));
  EXPECT_FALSE(a->has_part(1, 2));
  EXPECT_TRUE(a->part_pending({1, 2}));
  feed_gops(s, 30, 43, 49);
  a = s.snapshot(HlsRendition::Audio);
  EXPECT_TRUE(a->has_part(1, 2));
  EXPECT_NE(a->resolve_part({1, 2}), nullptr);
}

}  // namespace
}  // namespace firstmile::hls
