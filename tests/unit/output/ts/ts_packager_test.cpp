#include "output/ts/ts_packager.hpp"

#include <gtest/gtest.h>

#include "format/mpegts/ts_muxer_vectors.hpp"

#include <vector>

#include "format/mpegts/ts_demuxer.hpp"

namespace firstmile::output {
namespace {

using namespace format::ts_vectors;
using media::MediaKind;

media::Tracks h264_aac(bool with_video = true) {
  media::Tracks t;
  if (with_video) {
    media::TrackInfo v;
    v.kind = MediaKind::Video;
    v.codec = media::Codec::H264;
    v.config = Buffer::copy(kAvcC);
    t.video = v;
  }
  media::TrackInfo a;
  a.kind = MediaKind::Audio;
  a.codec = media::Codec::AAC;
  a.config = Buffer::copy(kAsc);
  a.sample_rate = 48000;
  a.channels = 2;
  t.audio = a;
  return t;
}

media::Frame video(ByteSpan payload, int64_t dts, int64_t pts, bool key) {
  media::Frame f;
  f.kind = MediaKind::Video;
  f.codec = media::Codec::H264;
  f.dts = dts;
  f.pts = pts;
  f.keyframe = key;
  f.payload = Buffer::copy(payload);
  return f;
}

media::Frame audio(int64_t dts) {
  media::Frame f;
  f.kind = MediaKind::Audio;
  f.codec = media::Codec::AAC;
  f.dts = f.pts = dts;
  f.keyframe = true;
  f.payload = Buffer::copy(kAacFrame);
  return f;
}

// The real GOP of the vectors (dts/pts in ms), repeated with a second keyframe after it, and
// AAC frames (1024 samples at 48 kHz = 1920 ticks) interleaved by dts.
std::vector<media::Frame> two_gops() {
  const ByteSpan frames[] = {kFrame0, kFrame1, kFrame2, kFrame3};
  const int dts_ms[] = {0, 34, 67, 100};
  const int pts_ms[] = {67, 167, 100, 134};
  std::vector<media::Frame> out;
  int64_t next_audio = 0;
  for (int gop = 0; gop < 2; ++gop) {
    for (int i = 0; i < 4; ++i) {
      int64_t base = gop * 134 * 90;
      int64_t dts = base + dts_ms[i] * 90;
      while (next_audio <= dts) {
        out.push_back(audio(next_audio));
        next_audio += 1920;
      }
      out.push_back(video(frames[i], dts, base + pts_ms[i] * 90, i == 0));
    }
  }
  return out;
}

uint16_t pid_of(const uint8_t* packet) {
  return static_cast<uint16_t>((packet[1] & 0x1F) << 8 | packet[2]);
}

std::vector<uint16_t> pids(const Buffer& b) {
  std::vector<uint16_t> out;
  for (size_t i = 0; i + format::kTsPacketSize <= b.size(); i += format::kTsPacketSize)
    out.push_back(pid_of(b.data() + i));
  return out;
}

struct Demuxed {
  std::vector<media::Tracks> tracks;
  std::vector<media::Frame> frames;
  format::TsDemuxerStats stats;
};

Demuxed demux(const std::vector<Packet>& packets) {
  Demuxed out;
  format::TsDemuxer d;
  d.on_tracks = [&](const media::Tracks& t) { out.tracks.push_back(t); };
  d.on_frame = [&](media::Frame f) { out.frames.push_back(std::move(f)); };
  for (const auto& p : packets)
    d.feed(p.data.span());
  d.flush();
  out.stats = d.stats();
  return out;
}

TEST(TsPackager, HeadersAreOnePatAndOnePmtMarkedConfig) {
  TsPackager pk;
  auto h = pk.headers(h264_aac());
  ASSERT_EQ(h.size(), 1u);
  EXPECT_TRUE(h[0].config);
  EXPECT_FALSE(h[0].keyframe);
  ASSERT_EQ(h[0].data.size(), 2 * format::kTsPacketSize);
  EXPECT_EQ(h[0].data.data()[0], format::kTsSyncByte);
  EXPECT_EQ(h[0].data.data()[188], format::kTsSyncByte);
  EXPECT_EQ(pids(h[0].data), (std::vector<uint16_t>{format::kPatPid, format::kPmtPid}));
}

TEST(TsPackager, NothingBeforeHeaders) {
  TsPackager pk;
  EXPECT_FALSE(pk.package(audio(0)).has_value());
}

TEST(TsPackager, EveryPacketIsWholeTsPacketsWithSyncBytes) {
  TsPackager pk;
  std::vector<Packet> all = pk.headers(h264_aac());
  for (const auto& f : two_gops()) {
    auto p = pk.package(f);
    ASSERT_TRUE(p.has_value());
    all.push_back(*p);
  }
  for (const auto& p : all) {
    ASSERT_GT(p.data.size(), 0u);
    ASSERT_EQ(p.data.size() % format::kTsPacketSize, 0u);
    for (size_t i = 0; i < p.data.size(); i += format::kTsPacketSize)
      EXPECT_EQ(p.data.data()[i], format::kTsSyncByte) << "offset " << i;
  }
}

TEST(TsPackager, RoundTripThroughTheDemuxerKeepsFramesAndTimestamps) {
  TsPackager pk;
  auto input = two_gops();
  std::vector<Packet> all = pk.headers(h264_aac());
  for (const auto& f : input) {
    auto p = pk.package(f);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->dts, f.dts);
    EXPECT_EQ(p->keyframe, f.kind == MediaKind::Video && f.keyframe);
    EXPECT_FALSE(p->config);
    all.push_back(*p);
  }
  auto out = demux(all);
  ASSERT_FALSE(out.tracks.empty());
  const auto& t = out.tracks.back();
  ASSERT_TRUE(t.video.has_value());
  ASSERT_TRUE(t.audio.has_value());
  EXPECT_EQ(t.video->codec, media::Codec::H264);
  EXPECT_EQ(t.audio->codec, media::Codec::AAC);
  EXPECT_EQ(t.audio->sample_rate, 48000u);
  EXPECT_EQ(t.audio->channels, 2u);
  EXPECT_EQ(out.stats.cc_errors, 0u);
  EXPECT_EQ(out.stats.psi_errors, 0u);
  EXPECT_EQ(out.stats.pes_errors, 0u);
  // The demuxer gives frames back with the muxer's offset removed or not: compare differences
  // from the first of each kind, which is what a player sees.
  std::vector<media::Frame> in_v, in_a, out_v, out_a;
  for (const auto& f : input)
    (f.kind == MediaKind::Video ? in_v : in_a).push_back(f);
  for (const auto& f : out.frames)
    (f.kind == MediaKind::Video ? out_v : out_a).push_back(f);
  ASSERT_EQ(out_v.size(), in_v.size());
  ASSERT_EQ(out_a.size(), in_a.size());
  for (size_t i = 0; i < in_v.size(); ++i) {
    EXPECT_EQ(out_v[i].dts - out_v[0].dts, in_v[i].dts - in_v[0].dts) << i;
    EXPECT_EQ(out_v[i].pts - out_v[i].dts, in_v[i].pts - in_v[i].dts) << i;
    EXPECT_EQ(out_v[i].keyframe, in_v[i].keyframe) << i;
  }
  for (size_t i = 0; i < in_a.size(); ++i) {
    EXPECT_EQ(out_a[i].dts - out_a[0].dts, in_a[i].dts - in_a[0].dts) << i;
    EXPECT_EQ(Bytes(out_a[i].payload.span().begin(), out_a[i].payload.span().end()),
              Bytes(std::begin(kAacFrame), std::end(kAacFrame)));
  }
  // Video and audio keep their relative timing.
  EXPECT_EQ(out_v[0].dts - out_a[0].dts, in_v[0].dts - in_a[0].dts);
}

TEST(TsPackager, TablesLeadEveryVideoKeyframeAndOnlyKeyframes) {
  TsPackager pk;
  pk.headers(h264_aac());
  int keyframes = 0;
  for (const auto& f : two_gops()) {
    auto p = pk.package(f);
    ASSERT_TRUE(p.has_value());
    auto ids = pids(p->data);
    ASSERT_GE(ids.size(), 1u);
    bool has_pat = std::count(ids.begin(), ids.end(), format::kPatPid) > 0;
    if (f.kind == MediaKind::Video && f.keyframe) {
      ++keyframes;
      ASSERT_GE(ids.size(), 3u);
      EXPECT_EQ(ids[0], format::kPatPid);
      EXPECT_EQ(ids[1], format::kPmtPid);
      EXPECT_EQ(ids[2], format::kVideoPid);
    } else {
      EXPECT_FALSE(has_pat);
    }
  }
  EXPECT_EQ(keyframes, 2);
}

TEST(TsPackager, AViewerJoiningAtTheSecondKeyframeDecodesWithoutTheHeaders) {
  TsPackager pk;
  pk.headers(h264_aac());
  std::vector<Packet> late;
  int keyframes = 0;
  size_t video_after = 0;
  for (const auto& f : two_gops()) {
    auto p = pk.package(f);
    ASSERT_TRUE(p.has_value());
    if (p->keyframe) ++keyframes;
    if (keyframes < 2) continue;  // what a viewer skipped
    late.push_back(*p);
    if (f.kind == MediaKind::Video) ++video_after;
  }
  auto out = demux(late);
  ASSERT_FALSE(out.tracks.empty());
  EXPECT_TRUE(out.tracks.back().video.has_value());
  size_t video = 0;
  for (const auto& f : out.frames)
    video += f.kind == MediaKind::Video;
  EXPECT_EQ(video, video_after);
  EXPECT_EQ(video_after, 4u);
}

TEST(TsPackager, AudioOnlyRepeatsTablesAboutEvery500Ms) {
  TsPackager pk;
  pk.headers(h264_aac(false));
  std::vector<int64_t> table_dts;
  for (int i = 0; i < 100; ++i) {  // 100 frames of 1920 ticks: 2.13 s
    auto p = pk.package(audio(i * 1920));
    ASSERT_TRUE(p.has_value());
    EXPECT_TRUE(p->keyframe);  // a viewer may start at any audio frame
    auto ids = pids(p->data);
    if (ids[0] == format::kPatPid) {
      EXPECT_EQ(ids[1], format::kPmtPid);
      table_dts.push_back(i * 1920);
    }
  }
  // First frame, then the first frame at least 45000 ticks after the previous tables.
  ASSERT_EQ(table_dts.size(), 5u);
  EXPECT_EQ(table_dts[0], 0);
  for (size_t i = 1; i < table_dts.size(); ++i) {
    EXPECT_GE(table_dts[i] - table_dts[i - 1], TsPackager::kAudioTableInterval);
    EXPECT_LT(table_dts[i] - table_dts[i - 1], TsPackager::kAudioTableInterval + 1920);
  }
}

TEST(TsPackager, FramesOutsideTheProgramAreRefused) {
  TsPackager pk;
  pk.headers(h264_aac(false));
  EXPECT_FALSE(pk.package(video(kFrame0, 0, 0, true)).has_value());
  media::Frame empty = audio(0);
  empty.payload = Buffer();
  EXPECT_FALSE(pk.package(empty).has_value());
  // A refused frame leaves the tables' continuity counters alone: the next frame's PAT
  // follows the headers' without a gap.
  auto h = pk.headers(h264_aac(false));
  auto p = pk.package(audio(0));
  ASSERT_TRUE(p.has_value());
  std::vector<Packet> all = h;
  all.push_back(*p);
  EXPECT_EQ(demux(all).stats.cc_errors, 0u);
  uint8_t cc_headers = h[0].data.data()[3] & 0x0F;
  uint8_t cc_frame = p->data.data()[3] & 0x0F;
  EXPECT_EQ(cc_frame, (cc_headers + 1) & 0x0F);
}

TEST(TsPackager, NewTracksKeepCountersRunningAndFlagADiscontinuity) {
  TsPackager pk;
  std::vector<Packet> all = pk.headers(h264_aac());
  for (const auto& f : two_gops())
    all.push_back(*pk.package(f));
  // A republish starts again at dts 0.
  auto again = pk.headers(h264_aac());
  all.insert(all.end(), again.begin(), again.end());
  auto second = two_gops();
  for (const auto& f : second)
    all.push_back(*pk.package(f));
  auto out = demux(all);
  EXPECT_EQ(out.stats.cc_errors, 0u);
  size_t video = 0;
  for (const auto& f : out.frames)
    video += f.kind == MediaKind::Video;
  EXPECT_EQ(video, 16u);
}

}  // namespace
}  // namespace firstmile::output
