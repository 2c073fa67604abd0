#include "format/fmp4/fmp4_muxer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "box_reader.hpp"
#include "fmp4_vectors.hpp"
#include "format/fmp4/box_writer.hpp"  // box_type
#include "hex.hpp"

namespace firstmile::format {
namespace {

using media::Codec;
using media::MediaKind;
using test::from_hex;
using test::bmff::be_at;
using test::bmff::Box;
using test::bmff::to_bytes;
using test::bmff::walk_all;

using test::fmp4_avc_aac_tracks;
using test::fmp4_frame;
using test::fmp4_track;

media::FramePtr video(int64_t dts, int64_t pts, bool key, Bytes payload) {
  return fmp4_frame(MediaKind::Video, Codec::H264, dts, pts, key, std::move(payload));
}
media::FramePtr aac(int64_t dts, Bytes payload) {
  return fmp4_frame(MediaKind::Audio, Codec::AAC, dts, dts, false, std::move(payload));
}

struct Sample {
  uint32_t duration, size, flags;
  int32_t cto;
};
struct Trun {
  uint8_t version;
  uint32_t flags;
  int32_t data_offset;
  std::vector<Sample> samples;
};
Trun parse_trun(const Box& b) {
  Trun t{};
  t.version = static_cast<uint8_t>(be_at(b.body, 0, 1));
  t.flags = static_cast<uint32_t>(be_at(b.body, 1, 3));
  const uint32_t count = static_cast<uint32_t>(be_at(b.body, 4, 4));
  t.data_offset = static_cast<int32_t>(be_at(b.body, 8, 4));
  const bool cto = t.flags & 0x800;
  const size_t stride = cto ? 16 : 12;
  EXPECT_EQ(b.body.size(), 12 + count * stride);
  for (size_t i = 0; i < count; ++i) {
    const size_t o = 12 + i * stride;
    t.samples.push_back({static_cast<uint32_t>(be_at(b.body, o, 4)),
                         static_cast<uint32_t>(be_at(b.body, o + 4, 4)),
                         static_cast<uint32_t>(be_at(b.body, o + 8, 4)),
                         cto ? static_cast<int32_t>(be_at(b.body, o + 12, 4)) : 0});
  }
  return t;
}
uint64_t tfdt(const Box& traf) {
  const Box& b = traf.child("tfdt");
  EXPECT_EQ(be_at(b.body, 0, 4), 0x01000000u);  // version 1, no flags
  return be_at(b.body, 4, 8);
}

constexpr uint32_t kSync = 0x02000000, kNonSync = 0x01010000;

// ---- timestamps ----

TEST(Fmp4Rescale, RoundsToNearestWithoutDrift) {
  EXPECT_EQ(rescale_from_90k(123456789012, 90000), 123456789012);
  EXPECT_EQ(rescale_from_90k(90000, 44100), 44100);
  EXPECT_EQ(rescale_from_90k(1, 44100), 0);       // 0.49
  EXPECT_EQ(rescale_from_90k(2, 44100), 1);       // 0.98
  EXPECT_EQ(rescale_from_90k(-2, 44100), -1);     // -0.98
  EXPECT_EQ(rescale_from_90k(1800, 48000), 960);  // 20 ms of Opus
  // 10 hours of AAC frames whose 90 kHz timestamps were rounded (RTMP-style): every frame
  // still comes out exactly 1024 samples after the previous, so nothing accumulates.
  for (int64_t k = 1; k < 10 * 3600 * 44100 / 1024; k += 997) {
    const int64_t dts = std::llround(k * 1024 * 90000.0 / 44100);
    EXPECT_EQ(rescale_from_90k(dts, 44100), k * 1024) << k;
  }
}

// ---- init segment ----

TEST(Fmp4Init, BoxTreeOfAnAvcAacInitSegment) {
  Fmp4Muxer mux(fmp4_avc_aac_tracks());
  const Bytes init = mux.init_segment();
  const auto boxes = walk_all(init);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0].type, "ftyp");
  const Box& moov = boxes[1];
  EXPECT_EQ(moov.type, "moov");
  EXPECT_EQ(moov.child_types(), (std::vector<std::string>{"mvhd", "trak", "trak", "mvex"}));
  for (const Box* trak : moov.all("trak")) {
    EXPECT_EQ(trak->child_types(), (std::vector<std::string>{"tkhd", "mdia"}));
    EXPECT_EQ(trak->child("mdia").child_types(),
              (std::vector<std::string>{"mdhd", "hdlr", "minf"}));
    const Box& minf = trak->path("mdia/minf");
    EXPECT_EQ(minf.children.size(), 3u);
    EXPECT_EQ(minf.children[1].type, "dinf");
    EXPECT_EQ(minf.children[2].type, "stbl");
    EXPECT_EQ(minf.child("stbl").child_types(),
              (std::vector<std::string>{"stsd", "stts", "stsc", "stsz", "stco"}));
    // Sample tables are empty: the samples are in the fragments.
    for (const char* t : {"stts", "stsc", "stco"})
      EXPECT_EQ(to_bytes(minf.path("stbl").child(t).body), from_hex("00000000 00000000")) << t;
    EXPECT_EQ(to_bytes(minf.path("stbl/stsz").body), from_hex("00000000 00000000 00000000"));
    // dref with one self-contained 'url ' entry (flags 1).
    const Box& dref = minf.path("dinf/dref");
    EXPECT_EQ(to_bytes(dref.body), from_hex("00000000 00000001 0000000c 75726c20 00000001"));
  }
  const auto traks = moov.all("trak");
  EXPECT_EQ(traks[0]->path("mdia/minf").children[0].type, "vmhd");
  EXPECT_EQ(to_bytes(traks[0]->path("mdia/minf/vmhd").body),
            from_hex("00000001 0000 000000000000"));
  EXPECT_EQ(traks[1]->path("mdia/minf").children[0].type, "smhd");
  // trex per track: id, sample description 1, no defaults.
  const auto trex = moov.child("mvex").all("trex");
  ASSERT_EQ(trex.size(), 2u);
  EXPECT_EQ(to_bytes(trex[0]->body), from_hex("00000000 00000001 00000001 00000000 00000000 "
                                              "00000000"));
  EXPECT_EQ(be_at(trex[1]->body, 4, 4), 2u);
}

TEST(Fmp4Init, FtypBrandsExactBytes) {
  // Audio + video: iso6 and mp41, no cmfc (a CMAF header describes a single track).
  const Bytes av = Fmp4Muxer(fmp4_avc_aac_tracks()).init_segment();
  EXPECT_EQ(Bytes(av.begin(), av.begin() + 24),
            from_hex("00000018 66747970 69736f36 00000000 69736f36 6d703431"));
  media::Tracks v;
  v.video = fmp4_avc_aac_tracks().video;
  const Bytes one = Fmp4Muxer(v).init_segment();
  EXPECT_EQ(Bytes(one.begin(), one.begin() + 28),
            from_hex("0000001c 66747970 69736f36 00000000 69736f36 636d6663 6d703431"));
}

TEST(Fmp4Init, MovieAndTrackHeaders) {
  Fmp4Muxer mux(fmp4_avc_aac_tracks());
  ASSERT_EQ(mux.tracks().size(), 2u);
  EXPECT_EQ(mux.tracks()[0].track_id, 1u);
  EXPECT_EQ(mux.tracks()[0].timescale, 90000u);
  EXPECT_EQ(mux.tracks()[1].track_id, 2u);
  EXPECT_EQ(mux.tracks()[1].timescale, 44100u);  // from the AudioSpecificConfig
  const auto boxes = walk_all(mux.init_segment());
  const Box& moov = boxes[1];
  const Box& mvhd = moov.child("mvhd");
  EXPECT_EQ(mvhd.size, 108u);
  EXPECT_EQ(be_at(mvhd.body, 0, 4), 0u);      // version 0
  EXPECT_EQ(be_at(mvhd.body, 12, 4), 1000u);  // timescale
  EXPECT_EQ(be_at(mvhd.body, 16, 4), 0u);     // duration unknown
  EXPECT_EQ(be_at(mvhd.body, 20, 4), 0x00010000u);
  EXPECT_EQ(be_at(mvhd.body, 24, 2), 0x0100u);
  EXPECT_EQ(be_at(mvhd.body, 36, 4), 0x00010000u);  // matrix a
  EXPECT_EQ(be_at(mvhd.body, 68, 4), 0x40000000u);  // matrix w
  EXPECT_EQ(be_at(mvhd.body, 96, 4), 3u);           // next_track_ID

  const auto traks = moov.all("trak");
  const Box& vt = traks[0]->child("tkhd");
  EXPECT_EQ(vt.size, 92u);
  EXPECT_EQ(be_at(vt.body, 0, 4), 0x00000003u);  // enabled | in movie
  EXPECT_EQ(be_at(vt.body, 12, 4), 1u);          // track_ID
  EXPECT_EQ(be_at(vt.body, 36, 2), 0u);          // volume
  EXPECT_EQ(be_at(vt.body, 76, 4), 160u << 16);  // width, from the SPS
  EXPECT_EQ(be_at(vt.body, 80, 4), 120u << 16);
  const Box& at = traks[1]->child("tkhd");
  EXPECT_EQ(be_at(at.body, 12, 4), 2u);
  EXPECT_EQ(be_at(at.body, 36, 2), 0x0100u);
  EXPECT_EQ(be_at(at.body, 76, 8), 0u);

  const Box& vmdhd = traks[0]->path("mdia/mdhd");
  EXPECT_EQ(be_at(vmdhd.body, 12, 4), 90000u);
  EXPECT_EQ(be_at(vmdhd.body, 20, 2), 0x55c4u);  // "und"
  EXPECT_EQ(be_at(traks[1]->path("mdia/mdhd").body, 12, 4), 44100u);
  EXPECT_EQ(to_bytes(traks[0]->path("mdia/hdlr").body),
            Bytes(from_hex("00000000 00000000 76696465 000000000000000000000000"
                           "566964656f48616e646c657200")));  // "VideoHandler\0"
  EXPECT_EQ(be_at(traks[1]->path("mdia/hdlr").body, 8, 4), box_type("soun"));
}

TEST(Fmp4Init, TrackSelection) {
  media::Tracks t;
  t.audio = fmp4_track(MediaKind::Audio, Codec::AAC, test::kAacAsc);
  Fmp4Muxer audio_only(t);
  ASSERT_EQ(audio_only.tracks().size(), 1u);
  EXPECT_EQ(audio_only.tracks()[0].track_id, 2u);  // ids do not depend on which tracks exist
  EXPECT_EQ(be_at(walk_all(audio_only.init_segment())[1].child("mvhd").body, 96, 4), 3u);

  media::Tracks odd;
  odd.video =
      fmp4_track(MediaKind::Video, Codec::AV1, from_hex("81000c00"));  // no sample entry yet
  odd.audio = fmp4_track(MediaKind::Audio, Codec::AAC, {});            // no ASC
  Fmp4Muxer none(odd);
  EXPECT_TRUE(none.tracks().empty());
  EXPECT_TRUE(none.fragment(std::vector<media::FramePtr>{aac(0, {1})}).empty());

  media::Tracks no_avcc;
  no_avcc.video = fmp4_track(MediaKind::Video, Codec::H264, {});
  EXPECT_TRUE(Fmp4Muxer(no_avcc).tracks().empty());
}

// ---- fragments ----

TEST(Fmp4Fragment, BFramePatternTrun) {
  Fmp4Muxer mux(fmp4_avc_aac_tracks());
  // Decode order I P B B (presentation I B B P), 25 fps, pts = dts + reorder delay.
  const std::vector<media::FramePtr> frames = {
      video(0, 7200, true, {0, 0, 0, 1, 0x65}),
      video(3600, 18000, false, {0, 0, 0, 2, 0x41, 0xaa}),
      video(7200, 10800, false, {0, 0, 0, 1, 0x01}),
      video(10800, 14400, false, {0, 0, 0, 1, 0x01}),
  };
  const Bytes frag = mux.fragment(frames, int64_t{14400});
  const auto boxes = walk_all(frag);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0].type, "moof");
  EXPECT_EQ(boxes[1].type, "mdat");
  const Box& moof = boxes[0];
  EXPECT_EQ(moof.child_types(), (std::vector<std::string>{"mfhd", "traf"}));
  const Box& traf = moof.child("traf");
  EXPECT_EQ(traf.child_types(), (std::vector<std::string>{"tfhd", "tfdt", "trun"}));
  // tfhd: default-base-is-moof, track 1, nothing else.
  EXPECT_EQ(to_bytes(traf.child("tfhd").body), from_hex("00020000 00000001"));
  EXPECT_EQ(tfdt(traf), 0u);
  const Trun trun = parse_trun(traf.child("trun"));
  EXPECT_EQ(trun.version, 1);
  EXPECT_EQ(trun.flags, 0x000f01u);  // data offset, duration, size, flags, composition offset
  ASSERT_EQ(trun.samples.size(), 4u);
  const uint32_t durations[] = {3600, 3600, 3600, 3600};
  const uint32_t sizes[] = {5, 6, 5, 5};
  const uint32_t flags[] = {kSync, kNonSync, kNonSync, kNonSync};
  const int32_t ctos[] = {7200, 14400, 3600, 3600};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(trun.samples[i].duration, durations[i]) << i;
    EXPECT_EQ(trun.samples[i].size, sizes[i]) << i;
    EXPECT_EQ(trun.samples[i].flags, flags[i]) << i;
    EXPECT_EQ(trun.samples[i].cto, ctos[i]) << i;
  }
  // data_offset counts from the moof and lands on the first payload byte after the mdat header.
  EXPECT_EQ(static_cast<size_t>(trun.data_offset), moof.size + 8);
  EXPECT_EQ(boxes[1].size, 8u + 21u);
  EXPECT_EQ(to_bytes(boxes[1].body), from_hex("0000000165 00000002 41aa 0000000101 0000000101"));
}

TEST(Fmp4Fragment, CompositionOffsetsAreSigned) {
  Fmp4Muxer mux(fmp4_avc_aac_tracks());
  // pts before dts cannot come from the hub, but the field is signed (trun version 1).
  const Bytes frag = mux.fragment(std::vector<media::FramePtr>{video(9000, 6000, true, {1})});
  const Trun trun = parse_trun(walk_all(frag)[0].path("traf/trun"));
  EXPECT_EQ(trun.samples[0].cto, -3000);
}

TEST(Fmp4Fragment, SequenceNumberIncreasesPerFragment) {
  Fmp4Muxer mux(fmp4_avc_aac_tracks());
  EXPECT_EQ(mux.next_sequence_number(), 1u);
  for (uint32_t seq = 1; seq <= 3; ++seq) {
    const Bytes frag = mux.fragment(std::vector<media::FramePtr>{aac(seq * 2048, {1, 2})});
    const auto walked = walk_all(frag);
    const Box& mfhd = walked[0].child("mfhd");
    EXPECT_EQ(mfhd.size, 16u);
    EXPECT_EQ(be_at(mfhd.body, 0, 4), 0u);  // version 0, flags 0
    EXPECT_EQ(be_at(mfhd.body, 4, 4), seq);
  }
  // A call with nothing to mux writes nothing and uses no number.
  EXPECT_TRUE(mux.fragment({}).empty());
  EXPECT_EQ(mux.next_sequence_number(), 4u);
}

TEST(Fmp4Fragment, MixedTracksDataOffsetsAndTfdt) {
  Fmp4Muxer mux(fmp4_avc_aac_tracks());
  // One second in: AAC frames every 1024 samples at 44100 Hz with 90 kHz timestamps rounded
  // to the tick, interleaved with video in dts order.
  auto aac_dts = [](int64_t k) { return std::llround((44100 + k * 1024) * 90000.0 / 44100); };
  const std::vector<media::FramePtr> frames = {
      video(90000, 93600, true, {0xa0, 0xa1, 0xa2}),
      aac(aac_dts(0), {0xb0}),
      aac(aac_dts(1), {0xb1, 0xb1}),
      video(93600, 97200, false, {0xa3}),
      aac(aac_dts(2), {0xb2, 0xb2, 0xb2}),
  };
  const Bytes frag = mux.fragment(frames, int64_t{97200}, aac_dts(3));
  const auto boxes = walk_all(frag);
  const Box& moof = boxes[0];
  const auto trafs = moof.all("traf");
  ASSERT_EQ(trafs.size(), 2u);
  EXPECT_EQ(be_at(trafs[0]->child("tfhd").body, 4, 4), 1u);
  EXPECT_EQ(be_at(trafs[1]->child("tfhd").body, 4, 4), 2u);
  EXPECT_EQ(tfdt(*trafs[0]), 90000u);
  EXPECT_EQ(tfdt(*trafs[1]), 44100u);  // in the audio timescale, exact

  const Trun v = parse_trun(trafs[0]->child("trun"));
  const Trun a = parse_trun(trafs[1]->child("trun"));
  EXPECT_EQ(a.version, 0);
  EXPECT_EQ(a.flags, 0x000701u);  // no composition offsets for audio
  ASSERT_EQ(a.samples.size(), 3u);
  for (const Sample& s : a.samples) {
    EXPECT_EQ(s.duration, 1024u);
    EXPECT_EQ(s.flags, kSync);  // audio frames are sync samples whatever `keyframe` says
  }
  // Each run's data_offset points at its first sample in mdat: video's run, then audio's.
  const size_t mdat_payload = boxes[1].offset + 8;
  EXPECT_EQ(static_cast<size_t>(v.data_offset), mdat_payload - moof.offset);
  EXPECT_EQ(frag[static_cast<size_t>(v.data_offset)], 0xa0);
  EXPECT_EQ(static_cast<size_t>(a.data_offset), mdat_payload + 4);
  EXPECT_EQ(frag[static_cast<size_t>(a.data_offset)], 0xb0);
  EXPECT_EQ(to_bytes(boxes[1].body), from_hex("a0a1a2 a3 b0 b1b1 b2b2b2"));
}

TEST(Fmp4Fragment, LastSampleDuration) {
  Fmp4Muxer mux(fmp4_avc_aac_tracks());
  using Frames = std::vector<media::FramePtr>;
  auto last_duration = [](const Bytes& frag) {
    return parse_trun(walk_all(frag)[0].path("traf/trun")).samples.back().duration;
  };
  // The first sample ever, with no successor known: one frame period at the track's 25 fps.
  EXPECT_EQ(last_duration(mux.fragment(Frames{video(0, 0, true, {1})})), 3600u);
  // Given: the caller's next dts.
  EXPECT_EQ(last_duration(mux.fragment(Frames{video(3600, 3600, false, {1})}, int64_t{6600})),
            3000u);
  // Not given: the previous sample's duration (30 fps here, not the 25 of the default),
  // within the fragment...
  EXPECT_EQ(last_duration(
                mux.fragment(Frames{video(6600, 6600, false, {1}), video(9600, 9600, false, {1})})),
            3000u);
  // ... or across fragments.
  EXPECT_EQ(last_duration(mux.fragment(Frames{video(12600, 12600, false, {1})})), 3000u);
  // Audio defaults: 1024 samples of AAC, 960 of Opus.
  EXPECT_EQ(last_duration(Fmp4Muxer(fmp4_avc_aac_tracks()).fragment(Frames{aac(0, {1})})), 1024u);
  media::Tracks opus;
  opus.audio = fmp4_track(MediaKind::Audio, Codec::Opus, test::kOpusHead);
  Fmp4Muxer om(opus);
  const auto opus_frame = [](int64_t dts) {
    return fmp4_frame(MediaKind::Audio, Codec::Opus, dts, dts, true, {0xfc});
  };
  EXPECT_EQ(last_duration(om.fragment(Frames{opus_frame(0)})), 960u);
  // Opus at 48 kHz: 10 ms packets (900 ticks) last 480 samples.
  const Bytes frag = om.fragment(Frames{opus_frame(900), opus_frame(1800)}, {}, int64_t{2700});
  const auto boxes = walk_all(frag);
  EXPECT_EQ(tfdt(boxes[0].child("traf")), 480u);
  const Trun t = parse_trun(boxes[0].path("traf/trun"));
  EXPECT_EQ(t.samples[0].duration, 480u);
  EXPECT_EQ(t.samples[1].duration, 480u);
}

TEST(Fmp4Fragment, NoDurationAcrossADiscontinuity) {
  Fmp4Muxer mux(fmp4_avc_aac_tracks());
  auto after_jump = std::make_shared<media::Frame>(*video(9000000, 9000000, true, {2}));
  after_jump->discontinuity = true;
  const std::vector<media::FramePtr> frames = {video(0, 0, true, {1}),
                                               video(3600, 3600, false, {1}), after_jump};
  const Trun t = parse_trun(walk_all(mux.fragment(frames))[0].path("traf/trun"));
  ASSERT_EQ(t.samples.size(), 3u);
  EXPECT_EQ(t.samples[0].duration, 3600u);
  EXPECT_EQ(t.samples[1].duration, 3600u);  // not the 100 s gap
  EXPECT_EQ(t.samples[2].duration, 3600u);
}

TEST(Fmp4Fragment, SixtyFourBitDecodeTime) {
  Fmp4Muxer mux(fmp4_avc_aac_tracks());
  const int64_t dts = (int64_t{1} << 33) + 12345;  // past 32 bits (26.5 hours at 90 kHz)
  const Bytes frag = mux.fragment(std::vector<media::FramePtr>{video(dts, dts, true, {1})});
  EXPECT_EQ(tfdt(walk_all(frag)[0].child("traf")), static_cast<uint64_t>(dts));
}

TEST(Fmp4Fragment, FramesOfOtherTracksAreIgnored) {
  media::Tracks t;
  t.video = fmp4_avc_aac_tracks().video;
  Fmp4Muxer mux(t);
  const std::vector<media::FramePtr> frames = {
      aac(0, {9, 9}), fmp4_frame(MediaKind::Video, Codec::H265, 0, 0, true, {8}), nullptr,
      video(0, 0, true, {7})};
  const auto boxes = walk_all(mux.fragment(frames));
  EXPECT_EQ(boxes[0].all("traf").size(), 1u);
  EXPECT_EQ(to_bytes(boxes[1].body), from_hex("07"));
}

}  // namespace
}  // namespace firstmile::format
