#include "output/flv/flv_packager.hpp"

#include <gtest/gtest.h>

#include "ffmpeg_vectors.hpp"
#include "hex.hpp"

#include <string>

#include "format/amf0.hpp"
#include "format/flv.hpp"
#include "media/codec/track_info.hpp"

namespace firstmile::output {
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
const Bytes kHevcTrail = from_hex("0000001a0201d0097e10c62246a380f933cbf1e019c580cff27c80871690");

using test::avc_aac_tracks;
using test::described;
using test::frame_from_tag;

// Reads packets back with the project's FlvReader, behind an FLV file header (as the HTTP-FLV
// handler sends one before the first packet).
std::vector<format::FlvTag> read_back(const std::vector<Packet>& packets) {
  format::FlvReader reader;
  Bytes header;
  format::write_flv_header(header, true, true);
  reader.feed(header);
  for (const auto& p : packets)
    reader.feed(p.data.span());
  std::vector<format::FlvTag> tags;
  for (;;) {
    auto t = reader.next();
    EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
    if (!t.ok() || !t->has_value()) break;
    tags.push_back(std::move(**t));
  }
  EXPECT_EQ(reader.buffered(), 0u) << "trailing bytes";
  EXPECT_EQ(reader.previous_size_mismatches(), 0u);
  return tags;
}

TEST(FlvPackagerTest, HeadersAreMetadataAndSequenceHeaders) {
  FlvPackager packager;
  auto packets = packager.headers(avc_aac_tracks());
  ASSERT_EQ(packets.size(), 3u);
  for (const auto& p : packets) {
    EXPECT_TRUE(p.config);
    EXPECT_FALSE(p.keyframe);
  }
  auto tags = read_back(packets);
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[0].header.type, format::kFlvTagScript);
  EXPECT_EQ(tags[0].header.timestamp_ms, 0u);
  auto meta = format::amf0::decode_all(tags[0].body.span());
  ASSERT_TRUE(meta.ok());
  ASSERT_EQ(meta->size(), 2u);
  EXPECT_EQ((*meta)[0].as_string(), "onMetaData");
  EXPECT_EQ((*meta)[1].get_number("width"), 160);
  EXPECT_EQ((*meta)[1].get_number("height"), 120);
  EXPECT_EQ((*meta)[1].get_number("videocodecid"), 7);
  EXPECT_EQ((*meta)[1].get_number("audiocodecid"), 10);
  EXPECT_EQ(tags[1].header.type, format::kFlvTagVideo);
  EXPECT_EQ(tags[1].header.timestamp_ms, 0u);
  EXPECT_EQ(bytes_of(tags[1].body), kAvcSequenceHeader);
  EXPECT_EQ(tags[2].header.type, format::kFlvTagAudio);
  EXPECT_EQ(bytes_of(tags[2].body), kAacSequenceHeader);
  for (const auto& t : tags)
    EXPECT_EQ(t.header.stream_id, 0u);
}

TEST(FlvPackagerTest, FramesBecomeTheTagBodiesFfmpegWrote) {
  FlvPackager packager;
  packager.headers(avc_aac_tracks());
  auto key = packager.package(frame_from_tag(kAvcKeyframe, 5, 500, 200, true, Codec::H264));
  auto inter = packager.package(frame_from_tag(kAvcInter, 5, 600, 400, false, Codec::H264));
  auto aac = packager.package(frame_from_tag(kAacFrame, 2, 1198, 0, true, Codec::AAC));
  ASSERT_TRUE(key && inter && aac);
  EXPECT_TRUE(key->keyframe);
  EXPECT_FALSE(key->config);
  EXPECT_EQ(key->dts, 500 * 90);
  EXPECT_FALSE(inter->keyframe);
  EXPECT_FALSE(aac->keyframe);  // with a video track, only video keyframes are resume points
  auto tags = read_back({*key, *inter, *aac});
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[0].header.type, format::kFlvTagVideo);
  EXPECT_EQ(tags[0].header.timestamp_ms, 500u);
  EXPECT_EQ(bytes_of(tags[0].body), kAvcKeyframe);
  EXPECT_EQ(tags[1].header.timestamp_ms, 600u);
  EXPECT_EQ(bytes_of(tags[1].body), kAvcInter);
  EXPECT_EQ(tags[2].header.type, format::kFlvTagAudio);
  EXPECT_EQ(tags[2].header.timestamp_ms, 1198u);
  EXPECT_EQ(bytes_of(tags[2].body), kAacFrame);
}

TEST(FlvPackagerTest, TagLayoutByteByByte) {
  // E.4.1: TagType, DataSize UI24, Timestamp UI24, TimestampExtended UI8, StreamID UI24 = 0,
  // then the body and PreviousTagSize UI32 = 11 + DataSize.
  FlvPackager packager;
  packager.headers(avc_aac_tracks());
  auto p = packager.package(frame_from_tag(kAvcInter, 5, 0x12345678, 400, false, Codec::H264));
  ASSERT_TRUE(p);
  Bytes expected = cat({from_hex("09 000015 345678 12 000000"), kAvcInter, from_hex("00000020")});
  EXPECT_EQ(bytes_of(p->data), expected);
}

TEST(FlvPackagerTest, ExtendedTimestampsAboveFFFFFF) {
  FlvPackager packager;
  packager.headers(avc_aac_tracks());
  std::vector<Packet> packets;
  for (uint32_t ms : {0xFFFFFFu, 0x1000000u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
    auto p = packager.package(frame_from_tag(kAvcKeyframe, 5, ms, 200, true, Codec::H264));
    ASSERT_TRUE(p);
    packets.push_back(*p);
  }
  // 2^32 + 7 ms on the 64-bit timeline: FLV carries the low 32 bits.
  auto wrapped = packager.package(
      frame_from_tag(kAvcInter, 5, (int64_t{1} << 32) + 7, 400, false, Codec::H264));
  ASSERT_TRUE(wrapped);
  packets.push_back(*wrapped);
  auto tags = read_back(packets);
  ASSERT_EQ(tags.size(), 5u);
  EXPECT_EQ(tags[0].header.timestamp_ms, 0xFFFFFFu);
  EXPECT_EQ(tags[1].header.timestamp_ms, 0x1000000u);
  EXPECT_EQ(tags[2].header.timestamp_ms, 0x7FFFFFFFu);
  EXPECT_EQ(tags[3].header.timestamp_ms, 0xFFFFFFFFu);
  EXPECT_EQ(tags[4].header.timestamp_ms, 7u);
  EXPECT_EQ(bytes_of(tags[3].body), kAvcKeyframe);
}

TEST(FlvPackagerTest, EnhancedHevc) {
  FlvPackager packager;
  media::Tracks tracks;
  tracks.video = described(MediaKind::Video, Codec::H265, kHvcc);
  auto headers = packager.headers(tracks);
  ASSERT_EQ(headers.size(), 2u);
  auto inter = packager.package(frame_from_tag(kHevcTrail, 0, 40, 80, false, Codec::H265));
  ASSERT_TRUE(inter);
  auto tags = read_back({headers[0], headers[1], *inter});
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(bytes_of(tags[1].body), cat({from_hex("90 68766331"), kHvcc}));
  // Inter frame (FrameType 2), CodedFrames with SI24 composition time 80 ms.
  EXPECT_EQ(bytes_of(tags[2].body), cat({from_hex("a1 68766331 000050"), kHevcTrail}));
  // The parser of the same module agrees.
  auto parsed = format::parse_video_tag(tags[2].body.span());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->codec, Codec::H265);
  EXPECT_EQ(parsed->composition_time_ms, 80);
  EXPECT_FALSE(parsed->keyframe);
}

TEST(FlvPackagerTest, AudioOnlyAndUncarriableFrames) {
  FlvPackager packager;
  media::Tracks tracks;
  tracks.audio = described(MediaKind::Audio, Codec::AAC, tail(kAacSequenceHeader, 2));
  auto headers = packager.headers(tracks);
  ASSERT_EQ(headers.size(), 2u);
  auto a = packager.package(frame_from_tag(kAacFrame, 2, 10, 0, true, Codec::AAC));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->keyframe);  // audio-only: every frame is a resume point
  media::Frame unknown = frame_from_tag(kAacFrame, 2, 10, 0, true, Codec::AAC);
  unknown.codec = Codec::Unknown;
  EXPECT_FALSE(packager.package(unknown).has_value());
  media::Frame huge = frame_from_tag(kAacFrame, 2, 10, 0, true, Codec::AAC);
  huge.payload = Buffer::adopt(Bytes(format::kFlvMaxBodySize - 1));  // + 2 header bytes
  EXPECT_FALSE(packager.package(huge).has_value());
}

}  // namespace
}  // namespace firstmile::output
