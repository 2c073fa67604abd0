#include "protocol/rtmp/rtmp_packager.hpp"

#include <gtest/gtest.h>

#include "ffmpeg_vectors.hpp"
#include "hex.hpp"

#include <string>

#include "format/amf0.hpp"
#include "media/codec/track_info.hpp"
#include "protocol/rtmp/wire/chunk_reader.hpp"
#include "protocol/rtmp/wire/chunk_writer.hpp"

namespace firstmile::rtmp {
namespace {

using media::Codec;
using media::MediaKind;

using test::from_hex;

using test::bytes_of;
using test::cat;
using test::kAacFrame;
using test::kAacSequenceHeader;
using test::kAvcInter;
using test::kAvcKeyframe;
using test::kAvcSequenceHeader;
using test::kHvcc;
using test::tail;

using test::kHevcIdr;

using test::avc_aac_tracks;
using test::described;
using test::frame_from_tag;

// Decodes packaged bytes with the project's ChunkReader, after a SetChunkSize announcing the
// packager's chunk size (as the session sends before any media).
std::vector<Message> decode(const std::vector<output::Packet>& packets, uint32_t chunk_size) {
  ChunkReader reader;
  std::vector<Message> out;
  Bytes set_chunk_size;
  ChunkWriter().write(set_chunk_size, make_control_message(msg_type::kSetChunkSize,
                                                           encode_set_chunk_size(chunk_size)));
  auto r = reader.feed(set_chunk_size, out);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(reader.chunk_size(), chunk_size);
  out.clear();
  for (const auto& p : packets) {
    auto n = reader.feed(p.data.span(), out);
    EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  }
  EXPECT_EQ(reader.partial_messages(), 0u) << "a packet ended mid-message";
  return out;
}

class RtmpPackagerTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(RtmpPackagerTest, HeadersAreMetadataAndSequenceHeaders) {
  const uint32_t chunk_size = GetParam();
  RtmpPackager packager(chunk_size);
  auto packets = packager.headers(avc_aac_tracks());
  ASSERT_EQ(packets.size(), 3u);
  for (const auto& p : packets) {
    EXPECT_TRUE(p.config);
    EXPECT_FALSE(p.keyframe);
  }
  auto msgs = decode(packets, chunk_size);
  ASSERT_EQ(msgs.size(), 3u);

  EXPECT_EQ(msgs[0].type, msg_type::kDataAmf0);
  EXPECT_EQ(msgs[0].csid, kDataCsid);
  EXPECT_EQ(msgs[0].stream_id, 1u);
  EXPECT_EQ(msgs[0].timestamp, 0u);
  auto values = format::amf0::decode_all(msgs[0].payload.span());
  ASSERT_TRUE(values.ok());
  ASSERT_EQ(values->size(), 2u);
  EXPECT_EQ((*values)[0].as_string(), "onMetaData");
  const auto& meta = (*values)[1];
  EXPECT_EQ(meta.get_number("width"), 160);
  EXPECT_EQ(meta.get_number("height"), 120);
  EXPECT_EQ(meta.get_number("videocodecid"), 7);
  EXPECT_EQ(meta.get_number("audiocodecid"), 10);
  EXPECT_EQ(meta.get_number("audiosamplerate"), 44100);
  ASSERT_NE(meta.get("stereo"), nullptr);
  EXPECT_FALSE(meta.get("stereo")->as_bool(true));

  EXPECT_EQ(msgs[1].type, msg_type::kVideo);
  EXPECT_EQ(msgs[1].csid, kVideoCsid);
  EXPECT_EQ(msgs[1].stream_id, kPlayStreamId);
  EXPECT_EQ(msgs[1].timestamp, 0u);
  EXPECT_EQ(bytes_of(msgs[1].payload), kAvcSequenceHeader);

  EXPECT_EQ(msgs[2].type, msg_type::kAudio);
  EXPECT_EQ(msgs[2].csid, kAudioCsid);
  EXPECT_EQ(msgs[2].stream_id, 1u);
  EXPECT_EQ(bytes_of(msgs[2].payload), kAacSequenceHeader);
}

TEST_P(RtmpPackagerTest, FramesBecomeTheTagBodiesFfmpegWrote) {
  const uint32_t chunk_size = GetParam();
  RtmpPackager packager(chunk_size);
  packager.headers(avc_aac_tracks());
  std::vector<output::Packet> packets;
  auto key = packager.package(frame_from_tag(kAvcKeyframe, 5, 500, 200, true, Codec::H264));
  auto inter = packager.package(frame_from_tag(kAvcInter, 5, 600, 400, false, Codec::H264));
  auto aac = packager.package(frame_from_tag(kAacFrame, 2, 1198, 0, true, Codec::AAC));
  ASSERT_TRUE(key && inter && aac);
  EXPECT_TRUE(key->keyframe);
  EXPECT_FALSE(key->config);
  EXPECT_EQ(key->dts, 500 * 90);
  EXPECT_FALSE(inter->keyframe);
  EXPECT_FALSE(aac->keyframe);  // with a video track, only video keyframes are resume points
  EXPECT_FALSE(aac->config);
  EXPECT_EQ(aac->dts, 1198 * 90);
  auto msgs = decode({*key, *inter, *aac}, chunk_size);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].type, msg_type::kVideo);
  EXPECT_EQ(msgs[0].timestamp, 500u);
  EXPECT_EQ(msgs[0].stream_id, 1u);
  EXPECT_EQ(msgs[0].csid, kVideoCsid);
  EXPECT_EQ(bytes_of(msgs[0].payload), kAvcKeyframe);
  EXPECT_EQ(msgs[1].timestamp, 600u);
  EXPECT_EQ(bytes_of(msgs[1].payload), kAvcInter);
  EXPECT_EQ(msgs[2].type, msg_type::kAudio);
  EXPECT_EQ(msgs[2].csid, kAudioCsid);
  EXPECT_EQ(msgs[2].timestamp, 1198u);
  EXPECT_EQ(bytes_of(msgs[2].payload), kAacFrame);
}

TEST_P(RtmpPackagerTest, ExtendedTimestampsAboveFFFFFF) {
  const uint32_t chunk_size = GetParam();
  RtmpPackager packager(chunk_size);
  packager.headers(avc_aac_tracks());
  std::vector<output::Packet> packets;
  // 0xFFFFFF itself already needs the extended field (spec 5.3.1.3); the body spans several
  // chunks at small chunk sizes, each continuation repeating the extended timestamp.
  for (uint32_t ms : {0xFFFFFEu, 0xFFFFFFu, 0x1000000u, 0x12345678u, 0xFFFFFFFFu}) {
    auto p = packager.package(frame_from_tag(kAvcKeyframe, 5, ms, 200, true, Codec::H264));
    ASSERT_TRUE(p);
    packets.push_back(*p);
  }
  auto msgs = decode(packets, chunk_size);
  ASSERT_EQ(msgs.size(), 5u);
  EXPECT_EQ(msgs[0].timestamp, 0xFFFFFEu);
  EXPECT_EQ(msgs[1].timestamp, 0xFFFFFFu);
  EXPECT_EQ(msgs[2].timestamp, 0x1000000u);
  EXPECT_EQ(msgs[3].timestamp, 0x12345678u);
  EXPECT_EQ(msgs[4].timestamp, 0xFFFFFFFFu);
  for (const auto& m : msgs)
    EXPECT_EQ(bytes_of(m.payload), kAvcKeyframe);
}

INSTANTIATE_TEST_SUITE_P(ChunkSizes, RtmpPackagerTest,
                         ::testing::Values(128u, 4096u, 60u, 100000u));

TEST(RtmpPackagerBytes, TypeZeroHeaderLayout) {
  // One frame, chunk size 128: a type-0 header on chunk stream 6 (one-byte basic header),
  // absolute timestamp, length, type 9, message stream id 1 little-endian (spec 5.3.1.2.1).
  RtmpPackager packager(128);
  packager.headers(avc_aac_tracks());
  auto p = packager.package(frame_from_tag(kAvcInter, 5, 100, 400, false, Codec::H264));
  ASSERT_TRUE(p);
  Bytes expected = cat({from_hex("06 000064 000015 09 01000000"), kAvcInter});
  EXPECT_EQ(bytes_of(p->data), expected);
}

TEST(RtmpPackagerBytes, TimelineBeyond32BitsWrapsLikeRtmp) {
  RtmpPackager packager(4096);
  packager.headers(avc_aac_tracks());
  // 2^32 + 5 ms after the start: RTMP carries the low 32 bits.
  int64_t ms = (int64_t{1} << 32) + 5;
  auto p = packager.package(frame_from_tag(kAvcInter, 5, ms, 400, false, Codec::H264));
  ASSERT_TRUE(p);
  auto msgs = decode({*p}, 4096);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].timestamp, 5u);
  EXPECT_EQ(p->dts, ms * 90);  // the packet keeps the 64-bit time for lag measurement
}

TEST(RtmpPackagerBytes, EnhancedHevc) {
  RtmpPackager packager(4096);
  media::Tracks tracks;
  tracks.video = described(MediaKind::Video, Codec::H265, kHvcc);
  auto headers = packager.headers(tracks);
  ASSERT_EQ(headers.size(), 2u);  // metadata, video sequence start
  auto key = packager.package(frame_from_tag(kHevcIdr, 0, 40, 40, true, Codec::H265));
  auto key_x = packager.package(frame_from_tag(kHevcIdr, 0, 80, 0, true, Codec::H265));
  auto inter_x = packager.package(frame_from_tag(kHevcIdr, 0, 120, 0, false, Codec::H265));
  ASSERT_TRUE(key && key_x && inter_x);
  auto msgs = decode({headers[0], headers[1], *key, *key_x, *inter_x}, 4096);
  ASSERT_EQ(msgs.size(), 5u);
  auto meta = format::amf0::decode_all(msgs[0].payload.span());
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ((*meta)[1].get_number("videocodecid"), 0x68766331);  // 'hvc1' as a number
  EXPECT_EQ((*meta)[1].get_number("width"), 320);
  // Enhanced RTMP v1: 0x80 | FrameType << 4 | PacketType, FourCC 'hvc1'.
  EXPECT_EQ(bytes_of(msgs[1].payload), cat({from_hex("90 68766331"), kHvcc}));
  EXPECT_EQ(bytes_of(msgs[2].payload), cat({from_hex("91 68766331 000028"), kHevcIdr}));  // SI24 40
  EXPECT_EQ(bytes_of(msgs[3].payload), cat({from_hex("93 68766331"), kHevcIdr}));  // CodedFramesX
  EXPECT_EQ(bytes_of(msgs[4].payload), cat({from_hex("a3 68766331"), kHevcIdr}));
  EXPECT_EQ(msgs[2].timestamp, 40u);
  EXPECT_TRUE(key->keyframe);
  EXPECT_FALSE(inter_x->keyframe);
}

TEST(RtmpPackagerBytes, AudioOnlyFramesAreResumePoints) {
  RtmpPackager packager(4096);
  media::Tracks tracks;
  tracks.audio = described(MediaKind::Audio, Codec::AAC, tail(kAacSequenceHeader, 2));
  auto headers = packager.headers(tracks);
  ASSERT_EQ(headers.size(), 2u);  // metadata, audio sequence header
  auto p = packager.package(frame_from_tag(kAacFrame, 2, 10, 0, true, Codec::AAC));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->keyframe);
}

TEST(RtmpPackagerBytes, FramesItCannotCarry) {
  RtmpPackager packager(4096);
  packager.headers(avc_aac_tracks());
  media::Frame unknown = frame_from_tag(kAvcInter, 5, 0, 0, false, Codec::H264);
  unknown.codec = Codec::Unknown;
  EXPECT_FALSE(packager.package(unknown).has_value());
  // RTMP message length is 24-bit: a body over 0xFFFFFF bytes cannot be sent.
  media::Frame huge = frame_from_tag(kAvcInter, 5, 0, 0, false, Codec::H264);
  huge.payload = Buffer::adopt(Bytes(0xFFFFFF - 4));  // + 5 header bytes = 0x1000000
  EXPECT_FALSE(packager.package(huge).has_value());
  huge.payload = Buffer::adopt(Bytes(0xFFFFFF - 5));  // exactly 0xFFFFFF: fits
  EXPECT_TRUE(packager.package(huge).has_value());
}

}  // namespace
}  // namespace firstmile::rtmp
