// ChunkReader on damaged or hostile input: truncation, framing errors, and the limits that
// bound what one peer can make the server hold.
#include "protocol/rtmp/wire/chunk_reader.hpp"

#include <gtest/gtest.h>

#include "protocol/rtmp/wire/chunk_reader_test_util.hpp"

namespace firstmile::rtmp {
namespace {

TEST(RtmpChunkReader, TruncatedInputWaits) {
  Bytes wire = type0(3, 1, 4, 20, 0);
  append(wire, {B({1, 2, 3, 4})});
  for (size_t cut = 0; cut < wire.size(); ++cut) {
    ChunkReader reader;
    std::vector<Message> out;
    auto r = reader.feed(ByteSpan(wire).first(cut), out);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 0u);
    EXPECT_TRUE(out.empty());
    r = reader.feed(ByteSpan(wire).subspan(cut), out);
    ASSERT_TRUE(r);
    ASSERT_EQ(out.size(), 1u) << cut;
    EXPECT_EQ(payload_of(out[0]), B({1, 2, 3, 4}));
  }
}

TEST(RtmpChunkReader, Type1OnFreshChunkStreamTolerated) {
  // librtmp opens chunk stream 2 with a type-1 header: stream 0, time 0 + delta.
  Bytes wire = B({0x42, 0, 0, 0, 0, 0, 6, 4, 0, 6, 0, 0, 0, 1});
  auto msgs = read_all(wire);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type, msg_type::kUserControl);
  EXPECT_EQ(msgs[0].stream_id, 0u);
}

TEST(RtmpChunkReader, FramingErrors) {
  EXPECT_NE(read_error(B({0x83, 0, 0, 1})).find("type 2 header with no previous header"),
            std::string::npos);
  EXPECT_NE(read_error(B({0xC7})).find("chunk stream 7: type 3"), std::string::npos);
  Bytes mid = type0(4, 0, 200, 9, 1);
  append(mid, {pattern(128), type0(4, 0, 10, 9, 1)});
  EXPECT_NE(read_error(mid).find("inside a message"), std::string::npos);
}

TEST(RtmpChunkReader, SetChunkSizeLimits) {
  // Spec 5.4.1: the top bit must be zero, and a chunk size is at least 1.
  EXPECT_NE(read_error(control(msg_type::kSetChunkSize, B({0x80, 0, 0, 0}))).find("invalid size"),
            std::string::npos);
  EXPECT_NE(read_error(control(msg_type::kSetChunkSize, B({0, 0, 0, 0}))).find("invalid size"),
            std::string::npos);
  EXPECT_FALSE(read_error(control(msg_type::kSetChunkSize, B({0, 0, 1}))).empty());
  // Over the configured maximum (16 MiB by default).
  EXPECT_NE(read_error(control(msg_type::kSetChunkSize, B({0x01, 0, 0, 1}))).find("16777217"),
            std::string::npos);
  EXPECT_TRUE(read_all(control(msg_type::kSetChunkSize, B({0x01, 0, 0, 0}))).size() == 1);
  EXPECT_FALSE(read_error(control(msg_type::kAbort, B({0, 4}))).empty());
}

TEST(RtmpChunkReader, MessageSizeLimit) {
  // 9 MiB declared: over the 8 MiB default, refused at the header with the size named.
  std::string e = read_error(type0(6, 0, 9 * 1024 * 1024, 9, 1));
  EXPECT_NE(e.find("9437184"), std::string::npos) << e;
  EXPECT_NE(e.find("8388608"), std::string::npos) << e;
  // Exactly at the limit is fine.
  ChunkReader reader(ChunkReaderLimits{.max_message_size = 1000});
  std::vector<Message> out;
  EXPECT_TRUE(reader.feed(type0(6, 0, 1000, 9, 1), out));
}

TEST(RtmpChunkReader, RaisedLimitsApplyToTheMessagesThatFollow) {
  ChunkReader reader(ChunkReaderLimits{.max_message_size = 100});
  std::vector<Message> out;
  ASSERT_TRUE(reader.feed(type0(3, 0, 100, 20, 0), out));  // declared at the limit: accepted
  ASSERT_TRUE(reader.feed(pattern(100), out));
  ASSERT_EQ(out.size(), 1u);
  reader.set_limits(ChunkReaderLimits{.max_message_size = 1000});
  EXPECT_EQ(reader.limits().max_message_size, 1000u);
  // A 500-byte message now passes where it would have failed before.
  ASSERT_TRUE(reader.feed(type0(4, 0, 500, 9, 1), out));
  Bytes rest;
  for (size_t at = 0; at < 500; at += 128) {
    if (at) append(rest, {B({0xC4})});  // type-3 continuation on csid 4
    append(rest, {pattern(std::min<size_t>(128, 500 - at))});
  }
  ASSERT_TRUE(reader.feed(rest, out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].payload.size(), 500u);
  ChunkReader strict(ChunkReaderLimits{.max_message_size = 100});
  EXPECT_FALSE(strict.feed(type0(4, 0, 500, 9, 1), out));
}

TEST(RtmpChunkReader, PartialMessageLimit) {
  Bytes wire;
  // 64 chunk streams each with the first 128-byte chunk of a 500-byte message.
  for (uint32_t csid = 3; csid < 3 + 64; ++csid) {
    append(wire, {type0(csid, 0, 500, 9, 1), pattern(128)});
  }
  ChunkReader reader;
  std::vector<Message> out;
  ASSERT_TRUE(reader.feed(wire, out));
  EXPECT_EQ(reader.partial_messages(), 64u);
  auto r = reader.feed(type0(3 + 64, 0, 500, 9, 1), out);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("more than 64 chunk streams with incomplete"),
            std::string::npos);
}

TEST(RtmpChunkReader, ChunkStreamAndPendingLimits) {
  Bytes three;
  for (uint32_t csid = 3; csid < 6; ++csid)
    append(three, {type0(csid, 0, 0, 9, 1)});
  EXPECT_NE(read_error(three, ChunkReaderLimits{.max_chunk_streams = 2}).find("more than 2"),
            std::string::npos);
  EXPECT_NE(read_error(B({0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 9, 1, 0, 0, 0}),
                       ChunkReaderLimits{.max_csid = 319})
                .find("chunk stream id 320 over limit 319"),
            std::string::npos);
  Bytes two;
  append(two, {type0(3, 0, 600, 9, 1), pattern(128), type0(4, 0, 600, 9, 1)});
  EXPECT_NE(read_error(two, ChunkReaderLimits{.max_pending_bytes = 1000}).find("over limit 1000"),
            std::string::npos);
}

TEST(RtmpChunkReader, BytesReceivedCountsEverything) {
  ChunkReader reader;
  std::vector<Message> out;
  ASSERT_TRUE(reader.feed(B({0x03, 0, 0}), out));
  EXPECT_EQ(reader.bytes_received(), 3u);
  ASSERT_TRUE(reader.feed(B({}), out));
  EXPECT_EQ(reader.bytes_received(), 3u);
}

}  // namespace
}  // namespace firstmile::rtmp
