#include "protocol/rtmp/flv_ingest.hpp"

#include <gtest/gtest.h>

#include "ffmpeg_vectors.hpp"
#include "hex.hpp"

#include <string>

namespace firstmile::rtmp {
namespace {

using media::Codec;
using media::MediaKind;

using test::from_hex;

Buffer buf(const Bytes& b) {
  return Buffer::copy(b);
}

// ---- FLV tag bodies from ffmpeg 5.1 (ffmpeg_vectors.hpp) ----
//   ffmpeg -f lavfi -i color=c=blue:size=160x120:rate=10 -f lavfi -i sine=sample_rate=44100
//          -t 1 -c:v libx264 -profile:v high -g 5 -bf 2 -c:a aac -ac 1 -b:a 32k -f flv x.flv
// kAvcSequenceHeader is tag 2 (video, 0 ms): avcC of High profile level 1.0, 160x120;
// kAacSequenceHeader tag 3 (AudioSpecificConfig LC 44.1 kHz mono); kAvcKeyframe tag 23 (an IDR
// picture at 500 ms, composition time 200 ms); kAvcInter tag 5 (100 ms, composition time
// 400 ms); kAacFrame tag 58 (1198 ms).
using test::cat;
using test::kAacFrame;
using test::kAacSequenceHeader;
using test::kAvcInter;
using test::kAvcKeyframe;
using test::kAvcSequenceHeader;
using test::kHevcIdr;
using test::kHvcc;

// The same avcC with level_idc 3.1 (0x1f) in the record and in the SPS: a new sequence header.
Bytes avc_sequence_header_level_31() {
  Bytes b = kAvcSequenceHeader;
  b[5 + 3] = 0x1f;      // AVCDecoderConfigurationRecord.AVCLevelIndication
  b[5 + 8 + 3] = 0x1f;  // SPS level_idc (after 6 bytes of record, 2 of length, 3 of NAL)
  return b;
}

// ---- H.265 from x265 (kHvcc and kHevcIdr in ffmpeg_vectors.hpp) ----
//   ffmpeg -f lavfi -i color=c=red:size=320x240:rate=10 -t 0.3 -c:v libx265
//          -x265-params bframes=0:keyint=10 -tag:v hvc1 x.mp4
// The second sample (TRAIL_R, 4-byte length prefix).
const Bytes kHevcTrail = from_hex("0000001a0201d0097e10c62246a380f933cbf1e019c580cff27c80871690");

// Enhanced RTMP v1, ExVideoTagHeader: IsExHeader UB[1] = 1 | FrameType UB[3] | PacketType UB[4],
// then the FourCC. FrameType 1 = key, 2 = inter. PacketType 0 SequenceStart, 1 CodedFrames
// (SI24 CompositionTime follows for 'hvc1'), 3 CodedFramesX (no composition time).
const Bytes kHvc1 = {'h', 'v', 'c', '1'};
Bytes ex_video(uint8_t frame_type, uint8_t packet_type, const Bytes& rest) {
  return cat({{static_cast<uint8_t>(0x80 | frame_type << 4 | packet_type)}, kHvc1, rest});
}

TEST(FlvIngestTest, SequenceHeadersDescribeTheTracks) {
  FlvIngest in;
  Buffer vbody = buf(kAvcSequenceHeader);
  auto v = in.video(0, vbody);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_FALSE(v->tracks.has_value());  // not announced before the first coded frame
  EXPECT_FALSE(v->frame.has_value());
  ASSERT_TRUE(in.tracks().video.has_value());
  const auto& t = *in.tracks().video;
  EXPECT_EQ(t.kind, MediaKind::Video);
  EXPECT_EQ(t.codec, Codec::H264);
  EXPECT_EQ(t.width, 160u);
  EXPECT_EQ(t.height, 120u);
  EXPECT_EQ(t.profile, "High");
  EXPECT_EQ(t.codec_string, "avc1.64000a");  // RFC 6381: profile_idc, constraints, level_idc
  // The config is the avcC record: the body after the 5-byte AVC tag header, not copied.
  EXPECT_EQ(t.config.size(), kAvcSequenceHeader.size() - 5);
  EXPECT_EQ(t.config.data(), vbody.data() + 5);

  Buffer abody = buf(kAacSequenceHeader);
  auto a = in.audio(0, abody);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_FALSE(a->tracks.has_value());
  ASSERT_TRUE(in.tracks().audio.has_value());
  const auto& at = *in.tracks().audio;
  EXPECT_EQ(at.kind, MediaKind::Audio);
  EXPECT_EQ(at.codec, Codec::AAC);
  EXPECT_EQ(at.sample_rate, 44100u);
  EXPECT_EQ(at.channels, 1u);
  EXPECT_EQ(at.codec_string, "mp4a.40.2");
  EXPECT_EQ(at.config.data(), abody.data() + 2);
  EXPECT_EQ(at.config.size(), 5u);
  EXPECT_FALSE(in.announced());
}

TEST(FlvIngestTest, TracksAreAnnouncedOnceAtTheFirstCodedFrame) {
  FlvIngest in;
  ASSERT_TRUE(in.video(0, buf(kAvcSequenceHeader)).ok());
  ASSERT_TRUE(in.audio(0, buf(kAacSequenceHeader)).ok());
  auto first = in.video(500, buf(kAvcKeyframe));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->tracks.has_value());
  ASSERT_TRUE(first->tracks->video.has_value());
  ASSERT_TRUE(first->tracks->audio.has_value());
  EXPECT_EQ(first->tracks->video->width, 160u);
  ASSERT_TRUE(first->frame.has_value());
  EXPECT_TRUE(in.announced());
  auto a = in.audio(510, buf(kAacFrame));
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->tracks.has_value());
  ASSERT_TRUE(a->frame.has_value());
  auto second = in.video(600, buf(kAvcInter));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->tracks.has_value());
  // The same sequence header again (encoders repeat it) changes nothing.
  ASSERT_TRUE(in.video(700, buf(kAvcSequenceHeader)).ok());
  auto third = in.video(700, buf(kAvcInter));
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->tracks.has_value());
  EXPECT_EQ(in.stats().frames, 4u);
}

TEST(FlvIngestTest, NewSequenceHeaderWhileLiveReannounces) {
  FlvIngest in;
  ASSERT_TRUE(in.video(0, buf(kAvcSequenceHeader)).ok());
  ASSERT_TRUE(in.video(0, buf(kAvcKeyframe)).ok());
  ASSERT_TRUE(in.video(40, buf(avc_sequence_header_level_31())).ok());
  EXPECT_EQ(in.tracks().video->codec_string, "avc1.64001f");
  auto r = in.video(40, buf(kAvcKeyframe));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->tracks.has_value());
  EXPECT_EQ(r->tracks->video->codec_string, "avc1.64001f");
  auto next = in.video(80, buf(kAvcInter));
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->tracks.has_value());
  // An audio track appearing while live re-announces too.
  ASSERT_TRUE(in.audio(90, buf(kAacSequenceHeader)).ok());
  auto a = in.audio(90, buf(kAacFrame));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a->tracks.has_value());
  EXPECT_TRUE(a->tracks->audio.has_value());
}

TEST(FlvIngestTest, FramesBeforeTheirConfigAreDroppedAndCounted) {
  FlvIngest in;
  auto v = in.video(0, buf(kAvcKeyframe));
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->frame.has_value());
  auto a = in.audio(0, buf(kAacFrame));
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->frame.has_value());
  EXPECT_EQ(in.stats().dropped_no_config, 2u);
  EXPECT_EQ(in.stats().frames, 0u);
  // Audio config does not let video through, and vice versa.
  ASSERT_TRUE(in.audio(0, buf(kAacSequenceHeader)).ok());
  auto v2 = in.video(40, buf(kAvcInter));
  ASSERT_TRUE(v2.ok());
  EXPECT_FALSE(v2->frame.has_value());
  EXPECT_EQ(in.stats().dropped_no_config, 3u);
  auto a2 = in.audio(40, buf(kAacFrame));
  ASSERT_TRUE(a2.ok());
  ASSERT_TRUE(a2->frame.has_value());
  ASSERT_TRUE(a2->tracks.has_value());  // an audio-only announcement
  EXPECT_FALSE(a2->tracks->video.has_value());
}

TEST(FlvIngestTest, PayloadIsAZeroCopySliceOfTheMessage) {
  FlvIngest in;
  ASSERT_TRUE(in.video(0, buf(kAvcSequenceHeader)).ok());
  ASSERT_TRUE(in.audio(0, buf(kAacSequenceHeader)).ok());
  Buffer vbody = buf(kAvcKeyframe);
  auto v = in.video(500, vbody);
  ASSERT_TRUE(v.ok() && v->frame);
  const auto& f = *v->frame;
  EXPECT_EQ(f.payload.data(), vbody.data() + 5);
  EXPECT_EQ(f.payload.data() + f.payload.size(), vbody.data() + vbody.size());
  EXPECT_EQ(Bytes(f.payload.span().begin(), f.payload.span().end()),
            Bytes(kAvcKeyframe.begin() + 5, kAvcKeyframe.end()));
  Buffer abody = buf(kAacFrame);
  auto a = in.audio(510, abody);
  ASSERT_TRUE(a.ok() && a->frame);
  EXPECT_EQ(a->frame->payload.data(), abody.data() + 2);
  EXPECT_EQ(a->frame->payload.size(), abody.size() - 2);
}

TEST(FlvIngestTest, FrameFieldsAndCompositionTime) {
  FlvIngest in;
  ASSERT_TRUE(in.video(0, buf(kAvcSequenceHeader)).ok());
  ASSERT_TRUE(in.audio(0, buf(kAacSequenceHeader)).ok());
  auto k = in.video(500, buf(kAvcKeyframe));
  ASSERT_TRUE(k.ok() && k->frame);
  EXPECT_EQ(k->frame->kind, MediaKind::Video);
  EXPECT_EQ(k->frame->codec, Codec::H264);
  EXPECT_TRUE(k->frame->keyframe);
  EXPECT_FALSE(k->frame->discontinuity);
  EXPECT_EQ(k->frame->dts, 500 * 90);
  EXPECT_EQ(k->frame->pts, (500 + 200) * 90);  // CompositionTime 0x0000c8
  auto p = in.video(600, buf(kAvcInter));
  ASSERT_TRUE(p.ok() && p->frame);
  EXPECT_FALSE(p->frame->keyframe);
  EXPECT_EQ(p->frame->pts, (600 + 400) * 90);  // CompositionTime 0x000190
  auto a = in.audio(1198, buf(kAacFrame));
  ASSERT_TRUE(a.ok() && a->frame);
  EXPECT_EQ(a->frame->kind, MediaKind::Audio);
  EXPECT_EQ(a->frame->codec, Codec::AAC);
  EXPECT_EQ(a->frame->dts, 1198 * 90);
  EXPECT_EQ(a->frame->pts, 1198 * 90);
  EXPECT_TRUE(a->frame->keyframe);
}

TEST(FlvIngestTest, NegativeCompositionTimeIsClampedToDts) {
  FlvIngest in;
  ASSERT_TRUE(in.video(0, buf(kAvcSequenceHeader)).ok());
  Bytes body = kAvcInter;
  body[2] = 0xff;  // SI24 -10
  body[3] = 0xff;
  body[4] = 0xf6;
  auto r = in.video(1000, buf(body));
  ASSERT_TRUE(r.ok() && r->frame);
  EXPECT_EQ(r->frame->pts, r->frame->dts);
}

TEST(FlvIngestTest, ThirtyTwoBitTimestampWrapContinuesUpward) {
  FlvIngest in;
  ASSERT_TRUE(in.video(0, buf(kAvcSequenceHeader)).ok());
  ASSERT_TRUE(in.audio(0, buf(kAacSequenceHeader)).ok());
  const uint32_t before = 0xFFFFFFC0u;  // 49.7 days in
  auto a = in.video(before, buf(kAvcKeyframe));
  auto b = in.audio(before + 0x20, buf(kAacFrame));
  auto c = in.video(0x00000010u, buf(kAvcInter));  // wrapped
  auto d = in.audio(0x00000030u, buf(kAacFrame));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  ASSERT_TRUE(a->frame && b->frame && c->frame && d->frame);
  const int64_t k32 = int64_t{1} << 32;
  EXPECT_EQ(a->frame->dts, int64_t{before} * 90);
  EXPECT_EQ(b->frame->dts, (int64_t{before} + 0x20) * 90);
  EXPECT_EQ(c->frame->dts, (k32 + 0x10) * 90);
  EXPECT_EQ(d->frame->dts, (k32 + 0x30) * 90);
  EXPECT_GT(c->frame->dts, a->frame->dts);
  EXPECT_FALSE(c->frame->discontinuity);
  EXPECT_FALSE(d->frame->discontinuity);
  EXPECT_EQ(in.stats().discontinuities, 0u);
}

TEST(FlvIngestTest, JumpOverTenSecondsSetsDiscontinuity) {
  FlvIngest in;
  ASSERT_TRUE(in.video(0, buf(kAvcSequenceHeader)).ok());
  auto a = in.video(1000, buf(kAvcKeyframe));
  auto b = in.video(11000, buf(kAvcInter));  // exactly 10 s: continuous
  auto c = in.video(21001, buf(kAvcInter));  // 10.001 s: a jump
  auto d = in.video(21041, buf(kAvcInter));
  auto e = in.video(5000, buf(kAvcKeyframe));  // backwards by 16 s
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok() && e.ok());
  EXPECT_FALSE(b->frame->discontinuity);
  EXPECT_TRUE(c->frame->discontinuity);
  EXPECT_EQ(c->frame->dts, 21001 * 90);
  EXPECT_FALSE(d->frame->discontinuity);
  EXPECT_TRUE(e->frame->discontinuity);
  EXPECT_EQ(in.stats().discontinuities, 2u);
}

TEST(FlvIngestTest, MalformedAndUnsupportedTags) {
  FlvIngest in;
  EXPECT_FALSE(in.video(0, Buffer()).ok());
  EXPECT_FALSE(in.video(0, buf(from_hex("1700"))).ok());        // truncated composition time
  EXPECT_FALSE(in.video(0, buf(from_hex("1700000000"))).ok());  // empty avcC
  EXPECT_FALSE(in.audio(0, buf(from_hex("af"))).ok());          // truncated AACPacketType
  EXPECT_FALSE(in.audio(0, buf(from_hex("af00"))).ok());        // empty AudioSpecificConfig
  EXPECT_EQ(in.stats().errors, 5u);
  EXPECT_FALSE(in.tracks().video.has_value());
  EXPECT_FALSE(in.tracks().audio.has_value());
  // MP3 audio and a VP6 video frame: well formed, not carried.
  auto mp3 = in.audio(0, buf(from_hex("2fff fb90 00")));
  ASSERT_TRUE(mp3.ok());
  EXPECT_FALSE(mp3->frame.has_value());
  auto vp6 = in.video(0, buf(from_hex("14 00 11 22")));
  ASSERT_TRUE(vp6.ok());
  EXPECT_FALSE(vp6->frame.has_value());
  EXPECT_EQ(in.stats().dropped_unsupported, 2u);
  // An AVC end-of-sequence is neither a frame nor an error.
  ASSERT_TRUE(in.video(0, buf(kAvcSequenceHeader)).ok());
  auto eos = in.video(0, buf(from_hex("1702000000")));
  ASSERT_TRUE(eos.ok());
  EXPECT_FALSE(eos->frame.has_value());
}

// ---- Enhanced RTMP H.265 ----

TEST(FlvIngestTest, EnhancedHevcSequenceStartDescribesTheTrack) {
  FlvIngest in;
  Buffer body = buf(ex_video(1, 0, kHvcc));
  ASSERT_EQ(body[0], 0x90);
  auto r = in.video(0, body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(in.tracks().video.has_value());
  const auto& t = *in.tracks().video;
  EXPECT_EQ(t.codec, Codec::H265);
  EXPECT_EQ(t.width, 320u);
  EXPECT_EQ(t.height, 240u);
  EXPECT_EQ(t.profile, "Main");
  // ISO/IEC 14496-15 E.3: hvc1.<profile idc>.<reversed compatibility flags hex>.L<level idc>.
  EXPECT_EQ(t.codec_string.rfind("hvc1.1.6.L60", 0), 0u) << t.codec_string;
  EXPECT_EQ(t.config.size(), kHvcc.size());
  EXPECT_EQ(t.config.data(), body.data() + 5);  // after the 1-byte header and the FourCC
}

TEST(FlvIngestTest, EnhancedHevcCodedFramesAndCodedFramesX) {
  FlvIngest in;
  // A frame before SequenceStart is dropped.
  auto early = in.video(0, buf(ex_video(1, 1, cat({from_hex("000000"), kHevcIdr}))));
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->frame.has_value());
  EXPECT_EQ(in.stats().dropped_no_config, 1u);
  ASSERT_TRUE(in.video(0, buf(ex_video(1, 0, kHvcc))).ok());

  // CodedFrames, keyframe, SI24 composition time 40 ms.
  Buffer key = buf(ex_video(1, 1, cat({from_hex("000028"), kHevcIdr})));
  ASSERT_EQ(key[0], 0x91);
  auto k = in.video(100, key);
  ASSERT_TRUE(k.ok()) << k.error().message;
  ASSERT_TRUE(k->tracks.has_value());
  ASSERT_TRUE(k->tracks->video.has_value());
  EXPECT_EQ(k->tracks->video->codec, Codec::H265);
  ASSERT_TRUE(k->frame.has_value());
  EXPECT_EQ(k->frame->codec, Codec::H265);
  EXPECT_EQ(k->frame->kind, MediaKind::Video);
  EXPECT_TRUE(k->frame->keyframe);
  EXPECT_EQ(k->frame->dts, 100 * 90);
  EXPECT_EQ(k->frame->pts, 140 * 90);
  EXPECT_EQ(k->frame->payload.data(), key.data() + 8);  // header, FourCC, SI24
  EXPECT_EQ(k->frame->payload.size(), kHevcIdr.size());

  // CodedFramesX, inter frame (FrameType 2): no composition time, pts = dts.
  Buffer inter = buf(ex_video(2, 3, kHevcTrail));
  ASSERT_EQ(inter[0], 0xA3);
  auto p = in.video(200, inter);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_FALSE(p->tracks.has_value());
  ASSERT_TRUE(p->frame.has_value());
  EXPECT_EQ(p->frame->codec, Codec::H265);
  EXPECT_FALSE(p->frame->keyframe);
  EXPECT_EQ(p->frame->dts, 200 * 90);
  EXPECT_EQ(p->frame->pts, 200 * 90);
  EXPECT_EQ(p->frame->payload.data(), inter.data() + 5);
  EXPECT_EQ(Bytes(p->frame->payload.span().begin(), p->frame->payload.span().end()), kHevcTrail);

  // CodedFrames with a negative SI24 composition time (-10 ms): clamped, never pts < dts.
  auto n = in.video(300, buf(ex_video(2, 1, cat({from_hex("fffff6"), kHevcTrail}))));
  ASSERT_TRUE(n.ok() && n->frame);
  EXPECT_EQ(n->frame->pts, n->frame->dts);

  // A legacy H.264 frame does not match the H.265 track: dropped as having no config.
  auto avc = in.video(400, buf(kAvcInter));
  ASSERT_TRUE(avc.ok());
  EXPECT_FALSE(avc->frame.has_value());
  EXPECT_EQ(in.stats().dropped_no_config, 2u);
  EXPECT_EQ(in.stats().frames, 3u);
}

TEST(FlvIngestTest, EnhancedHevcReplacesAnAvcTrack) {
  FlvIngest in;
  ASSERT_TRUE(in.video(0, buf(kAvcSequenceHeader)).ok());
  ASSERT_TRUE(in.video(0, buf(kAvcKeyframe)).ok());
  ASSERT_TRUE(in.video(40, buf(ex_video(1, 0, kHvcc))).ok());
  auto r = in.video(40, buf(ex_video(1, 3, kHevcIdr)));
  ASSERT_TRUE(r.ok() && r->frame);
  ASSERT_TRUE(r->tracks.has_value());
  EXPECT_EQ(r->tracks->video->codec, Codec::H265);
  EXPECT_EQ(r->tracks->video->width, 320u);
}

}  // namespace
}  // namespace firstmile::rtmp
