#include "format/fmp4/progressive.hpp"

#include <gtest/gtest.h>

#include "box_reader.hpp"
#include "fmp4_vectors.hpp"
#include "format/fmp4/fmp4_muxer.hpp"
#include "format/fmp4/mp4_reader.hpp"

namespace firstmile::format {
namespace {

using media::Codec;
using media::MediaKind;
using test::fmp4_avc_aac_tracks;
using test::fmp4_frame;
using test::bmff::be_at;
using test::bmff::Box;
using test::bmff::walk_all;

// Three video frames at 30 fps (the second a B-frame's successor with a composition offset)
// and two AAC frames at 44.1 kHz.
std::vector<media::FramePtr> some_frames() {
  return {fmp4_frame(MediaKind::Video, Codec::H264, 0, 6000, true, Bytes(100, 1)),
          fmp4_frame(MediaKind::Audio, Codec::AAC, 0, 0, true, Bytes(10, 2)),
          fmp4_frame(MediaKind::Video, Codec::H264, 3000, 3000, false, Bytes(50, 3)),
          fmp4_frame(MediaKind::Audio, Codec::AAC, 2090, 2090, true, Bytes(11, 4)),
          fmp4_frame(MediaKind::Video, Codec::H264, 6000, 9000, false, Bytes(60, 5))};
}

TEST(Mp4Reader, BoxHeaders) {
  EXPECT_FALSE(read_box_header(Bytes{0, 0, 0, 8, 'f', 't', 'y'}));       // short
  EXPECT_FALSE(read_box_header(Bytes{0, 0, 0, 7, 'f', 't', 'y', 'p'}));  // smaller than itself
  auto h = read_box_header(Bytes{0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 1, 0, 0, 0, 0});
  ASSERT_TRUE(h);
  EXPECT_EQ(h->type, box_type("mdat"));
  EXPECT_EQ(h->size, 0x100000000ull);
  EXPECT_EQ(h->header_size, 16u);
  EXPECT_FALSE(read_box_header(Bytes{0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 0, 0, 0, 0, 15}));
  auto to_end = read_box_header(Bytes{0, 0, 0, 0, 'm', 'd', 'a', 't'});
  ASSERT_TRUE(to_end);
  EXPECT_EQ(to_end->size, 0u);
}

TEST(Mp4Reader, ReadsTheMuxersInitAndFragments) {
  Fmp4Muxer muxer(fmp4_avc_aac_tracks());
  const Bytes init = muxer.init_segment();
  const auto walked = walk_all(init);
  auto tracks = parse_movie(walked[1].body);
  ASSERT_TRUE(tracks) << tracks.error().message;
  ASSERT_EQ(tracks->size(), 2u);
  EXPECT_EQ((*tracks)[0].track_id, kFmp4VideoTrackId);
  EXPECT_FALSE((*tracks)[0].audio);
  EXPECT_EQ((*tracks)[0].timescale, 90000u);
  EXPECT_GT((*tracks)[0].width, 0u);
  EXPECT_TRUE((*tracks)[1].audio);
  EXPECT_EQ((*tracks)[1].timescale, muxer.tracks()[1].timescale);
  // The stsd is the muxer's, byte for byte, header included.
  const Box& stsd = walked[1].all("trak")[0]->path("mdia/minf/stbl/stsd");
  EXPECT_EQ((*tracks)[0].stsd,
            Bytes(init.begin() + static_cast<ptrdiff_t>(stsd.offset),
                  init.begin() + static_cast<ptrdiff_t>(stsd.offset + stsd.size)));

  const auto frames = some_frames();
  const Bytes frag = muxer.fragment(frames, 9000, 4180);
  const auto fw = walk_all(frag);
  auto parsed = parse_moof(fw[0].body);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->sequence_number, 1u);
  ASSERT_EQ(parsed->runs.size(), 2u);
  const Mp4TrackRun& v = parsed->runs[0];
  EXPECT_EQ(v.track_id, kFmp4VideoTrackId);
  EXPECT_EQ(v.decode_time, 0u);
  ASSERT_EQ(v.samples.size(), 3u);
  EXPECT_EQ(v.samples[0].duration, 3000u);
  EXPECT_EQ(v.samples[2].duration, 3000u);  // until next_video_dts
  EXPECT_EQ(v.samples[0].size, 100u);
  EXPECT_TRUE(v.samples[0].sync());
  EXPECT_FALSE(v.samples[1].sync());
  EXPECT_EQ(v.samples[0].composition_offset, 6000);
  EXPECT_EQ(v.samples[1].composition_offset, 0);
  // The data offset points at the first video byte (fill 1), right after the mdat header.
  EXPECT_EQ(v.data_offset, fw[0].size + 8);
  EXPECT_EQ(frag[v.data_offset], 1);
  const Mp4TrackRun& a = parsed->runs[1];
  EXPECT_EQ(a.track_id, kFmp4AudioTrackId);
  EXPECT_EQ(a.data_offset, v.data_offset + 210);
  EXPECT_EQ(frag[a.data_offset], 2);
  ASSERT_EQ(a.samples.size(), 2u);
  EXPECT_EQ(a.samples[1].size, 11u);
}

TEST(Mp4Reader, RefusesLyingFragments) {
  Fmp4Muxer muxer(fmp4_avc_aac_tracks());
  (void)muxer.init_segment();
  Bytes frag = muxer.fragment(some_frames());
  const auto fw = walk_all(frag);
  Bytes moof(fw[0].body.begin(), fw[0].body.end());
  // The first trun's sample count, made huge: more entries than the box holds.
  const Box& trun = fw[0].children[1].child("trun");
  const size_t count_at = trun.offset + 8 + 4 - 8;  // in the moof body
  moof[count_at] = 0x7f;
  EXPECT_FALSE(parse_moof(moof));
  // A sample limit below what the fragment holds.
  EXPECT_FALSE(parse_moof(Bytes(fw[0].body.begin(), fw[0].body.end()), 4));
  EXPECT_TRUE(parse_moof(Bytes(fw[0].body.begin(), fw[0].body.end()), 5));
  // Cut short: a box runs past the moof.
  EXPECT_FALSE(parse_moof(Bytes(fw[0].body.begin(), fw[0].body.end() - 3)));
  // A movie without media tracks.
  EXPECT_FALSE(parse_movie(Bytes{}));
}

ProgressiveTrack video_track(std::vector<ProgressiveSample> samples,
                             std::vector<ProgressiveChunk> chunks, uint64_t start = 0) {
  ProgressiveTrack t;
  t.header.track_id = 1;
  t.header.timescale = 90000;
  t.header.width = 640;
  t.header.height = 360;
  t.header.stsd = {0, 0, 0, 16, 's', 't', 's', 'd', 0, 0, 0, 0, 0, 0, 0, 0};
  t.start = start;
  t.samples = std::move(samples);
  t.chunks = std::move(chunks);
  return t;
}

TEST(Progressive, TablesOffsetsAndEditLists) {
  std::vector<ProgressiveTrack> tracks;
  tracks.push_back(video_track({{3000, 100, 6000, true},
                                {3000, 50, 0, false},
                                {3000, 60, 3000, false},
                                {3000, 70, 3000, true}},
                               {{0, 3}, {200, 1}}));
  ProgressiveTrack audio;
  audio.header.track_id = 2;
  audio.header.timescale = 48000;
  audio.header.audio = true;
  audio.header.stsd = {0, 0, 0, 16, 's', 't', 's', 'd', 0, 0, 0, 0, 0, 0, 0, 0};
  audio.start = 4800;  // 100 ms after the video
  audio.samples = {{1024, 10, 0, true}, {1024, 11, 0, true}, {1024, 12, 0, true}};
  audio.chunks = {{210, 2}, {270, 1}};
  tracks.push_back(audio);

  const Bytes header = progressive_header(tracks, 282);
  // ftyp, moov, then the header of an mdat of 282 payload bytes.
  const auto w = walk_all(Bytes(header.begin(), header.end() - 8));
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].type, "ftyp");
  EXPECT_EQ(w[1].type, "moov");
  EXPECT_EQ(be_at(header, header.size() - 8, 4), 282u + 8);
  EXPECT_EQ(be_at(header, header.size() - 4, 4), box_type("mdat"));

  const Box& mvhd = w[1].child("mvhd");
  EXPECT_EQ(be_at(mvhd.body, 12, 4), 1000u);  // timescale
  EXPECT_EQ(be_at(mvhd.body, 16, 4), 164u);   // 100 ms of delay + 64 ms of audio
  const auto traks = w[1].all("trak");
  ASSERT_EQ(traks.size(), 2u);
  const Box& vstbl = traks[0]->path("mdia/minf/stbl");
  EXPECT_EQ(vstbl.child_types(),
            (std::vector<std::string>{"stsd", "stts", "ctts", "stss", "stsc", "stsz", "stco"}));
  const Box& stts = vstbl.child("stts");
  EXPECT_EQ(be_at(stts.body, 4, 4), 1u);  // one run: 4 x 3000
  EXPECT_EQ(be_at(stts.body, 8, 4), 4u);
  EXPECT_EQ(be_at(stts.body, 12, 4), 3000u);
  const Box& ctts = vstbl.child("ctts");
  EXPECT_EQ(be_at(ctts.body, 0, 1), 1u);  // version 1: signed
  EXPECT_EQ(be_at(ctts.body, 4, 4), 3u);  // 6000, 0, 3000 x 2
  const Box& stss = vstbl.child("stss");
  EXPECT_EQ(be_at(stss.body, 4, 4), 2u);
  EXPECT_EQ(be_at(stss.body, 8, 4), 1u);
  EXPECT_EQ(be_at(stss.body, 12, 4), 4u);
  const Box& stsc = vstbl.child("stsc");
  EXPECT_EQ(be_at(stsc.body, 4, 4), 2u);  // chunks of 3, then of 1
  EXPECT_EQ(be_at(stsc.body, 8, 4), 1u);
  EXPECT_EQ(be_at(stsc.body, 12, 4), 3u);
  EXPECT_EQ(be_at(stsc.body, 20, 4), 2u);
  EXPECT_EQ(be_at(stsc.body, 24, 4), 1u);
  const Box& stsz = vstbl.child("stsz");
  EXPECT_EQ(be_at(stsz.body, 8, 4), 4u);
  EXPECT_EQ(be_at(stsz.body, 12 + 12, 4), 70u);
  const Box& stco = vstbl.child("stco");
  EXPECT_EQ(be_at(stco.body, 4, 4), 2u);
  EXPECT_EQ(be_at(stco.body, 8, 4), header.size());  // the payload's first byte
  EXPECT_EQ(be_at(stco.body, 12, 4), header.size() + 200);
  // Video: no delay, presentation from its first composition time.
  const Box& velst = traks[0]->path("edts/elst");
  EXPECT_EQ(be_at(velst.body, 4, 4), 1u);
  EXPECT_EQ(be_at(velst.body, 8, 4), 133u);    // 12000 ticks
  EXPECT_EQ(be_at(velst.body, 12, 4), 6000u);  // media_time
  // Audio: an empty edit of 100 ms first; all sync samples, so no stss; no offsets, no ctts.
  const Box& aelst = traks[1]->path("edts/elst");
  EXPECT_EQ(be_at(aelst.body, 4, 4), 2u);
  EXPECT_EQ(be_at(aelst.body, 8, 4), 100u);
  EXPECT_EQ(be_at(aelst.body, 12, 4), 0xffffffffu);
  const Box& astbl = traks[1]->path("mdia/minf/stbl");
  EXPECT_EQ(astbl.child_types(),
            (std::vector<std::string>{"stsd", "stts", "stsc", "stsz", "stco"}));
  EXPECT_EQ(be_at(astbl.child("stco").body, 12, 4), header.size() + 270);
  EXPECT_EQ(be_at(traks[1]->path("mdia/mdhd").body, 12, 4), 48000u);
  EXPECT_EQ(be_at(traks[1]->path("mdia/mdhd").body, 16, 4), 3072u);
}

TEST(Progressive, LargeFilesTakeWideOffsetsAndSizes) {
  std::vector<ProgressiveTrack> tracks;
  const uint64_t big = 5ull << 30;  // 5 GiB of payload
  tracks.push_back(
      video_track({{3000, 100, 0, true}, {3000, 100, 0, true}}, {{0, 1}, {big - 100, 1}}));
  const Bytes header = progressive_header(tracks, big);
  const auto w = walk_all(Bytes(header.begin(), header.end() - 16));
  const Box& stbl = w[1].all("trak")[0]->path("mdia/minf/stbl");
  const Box& co64 = stbl.child("co64");
  EXPECT_EQ(be_at(co64.body, 4, 4), 2u);
  EXPECT_EQ(be_at(co64.body, 8, 8), header.size());
  EXPECT_EQ(be_at(co64.body, 16, 8), header.size() + big - 100);
  // mdat with a 64-bit largesize.
  EXPECT_EQ(be_at(header, header.size() - 16, 4), 1u);
  EXPECT_EQ(be_at(header, header.size() - 8, 8), big + 16);
}

TEST(Progressive, TracksWithoutSamplesAreLeftOut) {
  std::vector<ProgressiveTrack> tracks;
  tracks.push_back(video_track({}, {}));
  ProgressiveTrack audio;
  audio.header.track_id = 2;
  audio.header.timescale = 48000;
  audio.header.audio = true;
  audio.header.stsd = {0, 0, 0, 16, 's', 't', 's', 'd', 0, 0, 0, 0, 0, 0, 0, 0};
  audio.samples = {{1024, 10, 0, true}};
  audio.chunks = {{0, 1}};
  tracks.push_back(audio);
  const Bytes header = progressive_header(tracks, 10);
  const auto w = walk_all(Bytes(header.begin(), header.end() - 8));
  EXPECT_EQ(w[1].all("trak").size(), 1u);
}

}  // namespace
}  // namespace firstmile::format
