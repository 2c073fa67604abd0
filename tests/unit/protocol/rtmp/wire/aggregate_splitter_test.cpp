#include "protocol/rtmp/wire/aggregate_splitter.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace firstmile::rtmp {
namespace {

// One sub-message as spec 7.1.6 lays it out: an FLV tag header, the body, a back pointer.
void append_sub(Bytes& out, uint8_t type, uint32_t ts, const Bytes& body) {
  ByteWriter w(out);
  w.u8(type);
  w.u24(static_cast<uint32_t>(body.size()));
  w.u24(ts & 0xffffff);
  w.u8(static_cast<uint8_t>(ts >> 24));
  w.u24(0);
  w.bytes(body);
  w.u32(static_cast<uint32_t>(11 + body.size()));
}

Message aggregate(uint32_t timestamp, Bytes payload) {
  Message m;
  m.type = msg_type::kAggregate;
  m.timestamp = timestamp;
  m.stream_id = 1;
  m.csid = 6;
  m.payload = Buffer::adopt(std::move(payload));
  return m;
}

// Every sub-message until the end or an error (nullopt).
std::optional<std::vector<Message>> split_all(const Message& m) {
  AggregateSplitter split(m);
  std::vector<Message> out;
  for (;;) {
    auto sub = split.next();
    if (!sub) return std::nullopt;
    if (!*sub) return out;
    out.push_back(std::move(**sub));
  }
}

Bytes bytes_of(const Message& m) {
  return Bytes(m.payload.span().begin(), m.payload.span().end());
}

TEST(RtmpAggregateSplitter, TimestampsRelativeToTheFirstSubMessage) {
  Bytes p;
  append_sub(p, msg_type::kVideo, 1000, {0x17, 0x01});
  append_sub(p, msg_type::kAudio, 1023, {0xaf, 0x01, 0x21});
  append_sub(p, msg_type::kVideo, 1040, {0x27, 0x01});
  auto m = aggregate(50000, p);
  auto subs = split_all(m);
  ASSERT_TRUE(subs);
  ASSERT_EQ(subs->size(), 3u);
  EXPECT_EQ((*subs)[0].type, msg_type::kVideo);
  EXPECT_EQ((*subs)[0].timestamp, 50000u);
  EXPECT_EQ((*subs)[1].type, msg_type::kAudio);
  EXPECT_EQ((*subs)[1].timestamp, 50023u);
  EXPECT_EQ((*subs)[2].timestamp, 50040u);
  EXPECT_EQ(bytes_of((*subs)[1]), Bytes({0xaf, 0x01, 0x21}));
  for (const auto& s : *subs) {
    EXPECT_EQ(s.stream_id, 1u);
    EXPECT_EQ(s.csid, 6u);
    // Slices of the aggregate's payload, not copies.
    EXPECT_GE(s.payload.data(), m.payload.data());
    EXPECT_LE(s.payload.data() + s.payload.size(), m.payload.data() + m.payload.size());
  }
}

TEST(RtmpAggregateSplitter, OtherTypesSkippedButSetTheBase) {
  Bytes p;
  append_sub(p, msg_type::kDataAmf0, 2000, {0x02, 0x00, 0x00});
  append_sub(p, msg_type::kAudio, 2010, {0xaf, 0x01});
  auto subs = split_all(aggregate(0, p));
  ASSERT_TRUE(subs);
  ASSERT_EQ(subs->size(), 1u);
  EXPECT_EQ((*subs)[0].timestamp, 10u);
}

TEST(RtmpAggregateSplitter, TimeWrapsWithoutOverflow) {
  Bytes p;
  append_sub(p, msg_type::kVideo, 0xfffffff0, {0x17});
  append_sub(p, msg_type::kVideo, 0x00000010, {0x27});  // 32 ms later, across the wrap
  auto subs = split_all(aggregate(0xffffff00, p));
  ASSERT_TRUE(subs);
  ASSERT_EQ(subs->size(), 2u);
  EXPECT_EQ((*subs)[0].timestamp, 0xffffff00u);
  EXPECT_EQ((*subs)[1].timestamp, 0xffffff20u);
}

TEST(RtmpAggregateSplitter, TruncatedSubMessageIsAnErrorAfterTheWholeOnes) {
  Bytes p;
  append_sub(p, msg_type::kAudio, 0, {0xaf, 0x01});
  Bytes cut;
  append_sub(cut, msg_type::kVideo, 0, {0x17, 0x01, 0x02});
  p.insert(p.end(), cut.begin(), cut.end() - 1);  // back pointer one byte short
  auto m = aggregate(0, p);
  AggregateSplitter split(m);
  auto first = split.next();
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->type, msg_type::kAudio);
  auto second = split.next();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message, "aggregate message: truncated sub-message");
}

TEST(RtmpAggregateSplitter, ShortTailAndEmptyPayloadEndQuietly) {
  Bytes p;
  append_sub(p, msg_type::kAudio, 0, {});
  p.insert(p.end(), 10, 0xee);  // under one header: ignored
  auto subs = split_all(aggregate(7, p));
  ASSERT_TRUE(subs);
  ASSERT_EQ(subs->size(), 1u);
  EXPECT_TRUE((*subs)[0].payload.empty());
  subs = split_all(aggregate(7, {}));
  ASSERT_TRUE(subs);
  EXPECT_TRUE(subs->empty());
}

}  // namespace
}  // namespace firstmile::rtmp
