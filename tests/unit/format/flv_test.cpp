// FLV files and streams: header, tag framing, the incremental reader, onMetaData.
#include "format/flv_test_util.hpp"

namespace firstmile::format {
namespace {

using media::Codec;
using test::from_hex;

TEST(FlvHeader, ParsesFfmpegHeader) {
  auto h = parse_flv_header(kFfmpegFlv);
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->version, 1);
  EXPECT_TRUE(h->has_audio);
  EXPECT_TRUE(h->has_video);
  EXPECT_EQ(h->data_offset, 9u);
  EXPECT_FALSE(parse_flv_header(ByteSpan(kFfmpegFlv).first(8)).ok());
  EXPECT_FALSE(parse_flv_header(from_hex("464c5701 05 00000009")).ok());
  EXPECT_FALSE(parse_flv_header(from_hex("464c5601 05 00000008")).ok());
}

TEST(FlvHeader, WritesHeaderAndPreviousTagSize0) {
  Bytes out;
  write_flv_header(out, true, true);
  EXPECT_EQ(out, Bytes(kFfmpegFlv.begin(), kFfmpegFlv.begin() + 13));
  out.clear();
  write_flv_header(out, true, false);
  EXPECT_EQ(out, from_hex("464c5601 04 00000009 00000000"));
  out.clear();
  write_flv_header(out, false, true);
  EXPECT_EQ(out, from_hex("464c5601 01 00000009 00000000"));
}

TEST(FlvTag, BuildsTagWithExtendedTimestampAndTrailer) {
  const Bytes body = from_hex("aabb");
  const Bytes tag = build_flv_tag(kFlvTagVideo, 0x12345678, body);
  // Type, UI24 size, UI24 low timestamp, UI8 extended (upper) byte, UI24 stream id 0,
  // body, UI32 PreviousTagSize = 11 + 2.
  EXPECT_EQ(tag, from_hex("09 000002 345678 12 000000 aabb 0000000d"));
  auto h = parse_flv_tag_header(tag);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->type, kFlvTagVideo);
  EXPECT_EQ(h->data_size, 2u);
  EXPECT_EQ(h->timestamp_ms, 0x12345678u);
  EXPECT_EQ(h->stream_id, 0u);
  EXPECT_FALSE(h->filter);
}

TEST(FlvTag, ScatterGatherPiecesEqualWholeTag) {
  const ByteSpan body = ffmpeg_body(kAacSeqBodyAt, 7);
  Bytes pieces;
  ASSERT_TRUE(write_flv_tag_header(pieces, kFlvTagAudio, 0, 7));
  EXPECT_EQ(pieces.size(), kFlvTagHeaderSize);
  pieces.insert(pieces.end(), body.begin(), body.end());
  write_flv_tag_trailer(pieces, 7);
  EXPECT_EQ(pieces, build_flv_tag(kFlvTagAudio, 0, body));
  // The ffmpeg file's last 22 bytes are exactly this tag.
  EXPECT_EQ(pieces, Bytes(kFfmpegFlv.end() - 22, kFfmpegFlv.end()));
}

TEST(FlvTag, RejectsOversizeBodiesAndBadTypes) {
  Bytes out;
  EXPECT_FALSE(write_flv_tag_header(out, kFlvTagVideo, 0, kFlvMaxBodySize + 1));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(write_flv_tag_header(out, kFlvTagVideo, 0, kFlvMaxBodySize));
  EXPECT_EQ(out, from_hex("09 ffffff 000000 00 000000"));
  EXPECT_FALSE(parse_flv_tag_header(from_hex("0a 000001 000000 00 000000")).ok());
  EXPECT_FALSE(parse_flv_tag_header(from_hex("09 000001 000000 00 0000")).ok());
  auto filtered = parse_flv_tag_header(from_hex("28 000001 000000 00 000000"));
  ASSERT_TRUE(filtered.ok());
  EXPECT_TRUE(filtered->filter);
  EXPECT_EQ(filtered->type, kFlvTagAudio);
}

struct ExpectedTag {
  uint8_t type;
  uint32_t size;
  size_t body_at;
};
const ExpectedTag kExpected[] = {
    {kFlvTagScript, 293, kScriptBodyAt},
    {kFlvTagVideo, 52, kAvcSeqBodyAt},
    {kFlvTagAudio, 7, kAacSeqBodyAt},
};

std::vector<FlvTag> read_in_chunks(ByteSpan data, size_t chunk, FlvReader& reader) {
  std::vector<FlvTag> tags;
  for (size_t at = 0; at < data.size(); at += chunk) {
    reader.feed(data.subspan(at, std::min(chunk, data.size() - at)));
    for (;;) {
      auto t = reader.next();
      EXPECT_TRUE(t.ok()) << t.error().message;
      if (!t.ok() || !t->has_value()) break;
      tags.push_back(std::move(**t));
    }
  }
  return tags;
}

TEST(FlvReader, SplitsFfmpegFileAtAnyChunkSize) {
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{11}, size_t{64},
                       size_t{300}, kFfmpegFlv.size()}) {
    SCOPED_TRACE(chunk);
    FlvReader reader;
    auto tags = read_in_chunks(kFfmpegFlv, chunk, reader);
    ASSERT_EQ(tags.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(tags[i].header.type, kExpected[i].type);
      EXPECT_EQ(tags[i].header.data_size, kExpected[i].size);
      EXPECT_EQ(tags[i].header.timestamp_ms, 0u);
      EXPECT_EQ(tags[i].body, Buffer::copy(ffmpeg_body(kExpected[i].body_at, kExpected[i].size)));
    }
    ASSERT_TRUE(reader.header().has_value());
    EXPECT_TRUE(reader.header()->has_video);
    EXPECT_EQ(reader.previous_size_mismatches(), 0u);
    EXPECT_EQ(reader.buffered(), 0u);  // last PreviousTagSize consumed
  }
}

TEST(FlvReader, TruncatedStreamNeverErrors) {
  const size_t tag_ends[] = {13 + 11 + 293, 321 + 11 + 52, 388 + 11 + 7};
  for (size_t n = 0; n <= kFfmpegFlv.size(); ++n) {
    FlvReader reader;
    reader.feed(ByteSpan(kFfmpegFlv).first(n));
    size_t count = 0;
    for (;;) {
      auto t = reader.next();
      ASSERT_TRUE(t.ok()) << "prefix " << n << ": " << t.error().message;
      if (!t->has_value()) break;
      ++count;
    }
    size_t expected = 0;
    for (size_t end : tag_ends)
      expected += n >= end ? 1 : 0;
    EXPECT_EQ(count, expected) << "prefix " << n;
  }
}

TEST(FlvReader, ErrorsAreSticky) {
  Bytes bad = kFfmpegFlv;
  bad[13] = 0x0a;  // first tag type: not audio/video/script
  FlvReader reader;
  reader.feed(bad);
  EXPECT_FALSE(reader.next().ok());
  reader.feed(kFfmpegFlv);
  EXPECT_FALSE(reader.next().ok());

  FlvReader not_flv;
  not_flv.feed(from_hex("474946383961 00000000 0000"));
  EXPECT_FALSE(not_flv.next().ok());
}

TEST(FlvReader, EnforcesBodyLimitBeforeBuffering) {
  FlvReader reader(100);
  reader.feed(ByteSpan(kFfmpegFlv).first(13 + 11));  // only the script tag's header
  auto t = reader.next();
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("293"), std::string::npos) << t.error().message;
}

TEST(FlvReader, CountsPreviousTagSizeMismatches) {
  Bytes b = kFfmpegFlv;
  b[9 + 3] = 1;       // PreviousTagSize0 = 1
  b[321 - 1] = 0x31;  // script tag trailer 0x130 -> 0x131
  FlvReader reader;
  auto tags = read_in_chunks(b, 17, reader);
  EXPECT_EQ(tags.size(), 3u);
  EXPECT_EQ(reader.previous_size_mismatches(), 2u);
}

TEST(FlvReader, ReadsTagsItBuilt) {
  Bytes stream;
  write_flv_header(stream, false, true);
  const Bytes body =
      build_video_tag(Codec::H264, PacketKind::CodedFrames, true, 0, from_hex("0000000165"));
  for (uint32_t ts : {0u, 40u, 0x01000000u, 0xfffffffeu}) {
    Bytes tag = build_flv_tag(kFlvTagVideo, ts, body);
    stream.insert(stream.end(), tag.begin(), tag.end());
  }
  FlvReader reader;
  auto tags = read_in_chunks(stream, 5, reader);
  ASSERT_EQ(tags.size(), 4u);
  EXPECT_EQ(tags[2].header.timestamp_ms, 0x01000000u);
  EXPECT_EQ(tags[3].header.timestamp_ms, 0xfffffffeu);
  auto v = parse_video_tag(tags[3].body.span());
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->keyframe);
  EXPECT_EQ(span_bytes(v->payload), from_hex("0000000165"));
  EXPECT_EQ(reader.previous_size_mismatches(), 0u);
}

// ---- video tag bodies ----

TEST(OnMetaData, BuildsScriptBody) {
  const amf0::Property pairs[] = {{"duration", 1.2}, {"width", 160}};
  const Bytes expected =
      cat({from_hex("02 000a"), as_bytes("onMetaData"), from_hex("08 00000002 0008"),
           as_bytes("duration"), from_hex("00 3ff3333333333333 0005"), as_bytes("width"),
           from_hex("00 4064000000000000 000009")});
  EXPECT_EQ(build_on_metadata(pairs), expected);
}

TEST(OnMetaData, RebuildsFfmpegMetadataExactly) {
  const ByteSpan script = ffmpeg_body(kScriptBodyAt, 293);
  auto values = amf0::decode_all(script);
  ASSERT_TRUE(values.ok());
  ASSERT_EQ(values->size(), 2u);
  EXPECT_EQ(build_on_metadata((*values)[1].properties()), span_bytes(script));
}

}  // namespace
}  // namespace firstmile::format
