#include "protocol/rtmp/wire/message.hpp"

#include <gtest/gtest.h>

#include "chunk_reader_test_util.hpp"

namespace firstmile::rtmp {
namespace {

TEST(RtmpMessage, TypeIdsMatchSpec) {
  // Spec 5.4 and 7.1.
  EXPECT_EQ(msg_type::kSetChunkSize, 1);
  EXPECT_EQ(msg_type::kAbort, 2);
  EXPECT_EQ(msg_type::kAcknowledgement, 3);
  EXPECT_EQ(msg_type::kUserControl, 4);
  EXPECT_EQ(msg_type::kWindowAckSize, 5);
  EXPECT_EQ(msg_type::kSetPeerBandwidth, 6);
  EXPECT_EQ(msg_type::kAudio, 8);
  EXPECT_EQ(msg_type::kVideo, 9);
  EXPECT_EQ(msg_type::kDataAmf3, 15);
  EXPECT_EQ(msg_type::kCommandAmf3, 17);
  EXPECT_EQ(msg_type::kDataAmf0, 18);
  EXPECT_EQ(msg_type::kCommandAmf0, 20);
  EXPECT_EQ(msg_type::kAggregate, 22);
}

TEST(RtmpMessage, EncodeControlPayloads) {
  EXPECT_EQ(encode_set_chunk_size(4096), B({0x00, 0x00, 0x10, 0x00}));
  // Spec 5.4.1: bit 31 is zero on the wire.
  EXPECT_EQ(encode_set_chunk_size(0xFFFFFFFF), B({0x7F, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(encode_abort(3), B({0, 0, 0, 3}));
  EXPECT_EQ(encode_acknowledgement(0x01020304), B({1, 2, 3, 4}));
  EXPECT_EQ(encode_window_ack_size(2500000), B({0x00, 0x26, 0x25, 0xA0}));
  EXPECT_EQ(encode_set_peer_bandwidth(2500000, PeerBandwidthLimit::kDynamic),
            B({0x00, 0x26, 0x25, 0xA0, 0x02}));
}

TEST(RtmpMessage, EncodeUserControl) {
  // Spec 7.1.7: event type (2 bytes) then event data.
  EXPECT_EQ(encode_user_control(UserControlEvent::kStreamBegin, 1), B({0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(encode_user_control(UserControlEvent::kPingRequest, 0xAABBCCDD),
            B({0, 6, 0xAA, 0xBB, 0xCC, 0xDD}));
  EXPECT_EQ(encode_user_control(UserControlEvent::kPingResponse, 5), B({0, 7, 0, 0, 0, 5}));
  EXPECT_EQ(encode_set_buffer_length(1, 3000), B({0, 3, 0, 0, 0, 1, 0, 0, 0x0B, 0xB8}));
}

TEST(RtmpMessage, MakeControlMessageUsesChunkStream2Stream0) {
  Message m = make_control_message(msg_type::kWindowAckSize, encode_window_ack_size(5000000));
  EXPECT_EQ(m.csid, 2u);
  EXPECT_EQ(m.stream_id, 0u);
  EXPECT_EQ(m.timestamp, 0u);
  EXPECT_EQ(m.type, 5);
  EXPECT_EQ(Bytes(m.payload.span().begin(), m.payload.span().end()), B({0x00, 0x4C, 0x4B, 0x40}));
}

TEST(RtmpMessage, ParseSetChunkSize) {
  auto ok = parse_set_chunk_size(B({0x00, 0x00, 0x10, 0x00}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 4096u);
  EXPECT_EQ(*parse_set_chunk_size(B({0x7F, 0xFF, 0xFF, 0xFF})), 0x7FFFFFFFu);
  EXPECT_FALSE(parse_set_chunk_size(B({0x80, 0x00, 0x00, 0x00})));  // top bit set
  EXPECT_FALSE(parse_set_chunk_size(B({0, 0, 0, 0})));              // zero
  EXPECT_FALSE(parse_set_chunk_size(B({0, 0, 0x10})));              // short
}

TEST(RtmpMessage, ParseU32Payloads) {
  EXPECT_EQ(*parse_abort(B({0, 0, 0, 4})), 4u);
  EXPECT_EQ(*parse_acknowledgement(B({0, 1, 0, 0, 0xEE})), 65536u);  // trailing byte ignored
  EXPECT_EQ(*parse_window_ack_size(B({0x00, 0x26, 0x25, 0xA0})), 2500000u);
  auto bad = parse_window_ack_size(B({1, 2}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("2 bytes"), std::string::npos);
}

TEST(RtmpMessage, ParseSetPeerBandwidth) {
  auto pb = parse_set_peer_bandwidth(B({0x00, 0x26, 0x25, 0xA0, 0x01}));
  ASSERT_TRUE(pb);
  EXPECT_EQ(pb->window, 2500000u);
  EXPECT_EQ(pb->limit, PeerBandwidthLimit::kSoft);
  EXPECT_FALSE(parse_set_peer_bandwidth(B({0, 0, 0, 1})));
  EXPECT_FALSE(parse_set_peer_bandwidth(B({0, 0, 0, 1, 3})));
}

TEST(RtmpMessage, ParseUserControl) {
  auto begin = parse_user_control(B({0, 0, 0, 0, 0, 1}));
  ASSERT_TRUE(begin);
  EXPECT_EQ(begin->event, UserControlEvent::kStreamBegin);
  EXPECT_EQ(begin->value, 1u);

  auto ping = parse_user_control(B({0, 6, 0x12, 0x34, 0x56, 0x78}));
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->event, UserControlEvent::kPingRequest);
  EXPECT_EQ(ping->value, 0x12345678u);

  auto sbl = parse_user_control(B({0, 3, 0, 0, 0, 1, 0, 0, 0x0B, 0xB8}));
  ASSERT_TRUE(sbl);
  EXPECT_EQ(sbl->event, UserControlEvent::kSetBufferLength);
  EXPECT_EQ(sbl->value, 1u);
  EXPECT_EQ(sbl->buffer_length_ms, 3000u);

  EXPECT_FALSE(parse_user_control(B({0})));
  EXPECT_FALSE(parse_user_control(B({0, 7, 0, 0})));           // ping response too short
  EXPECT_FALSE(parse_user_control(B({0, 3, 0, 0, 0, 1, 0})));  // SetBufferLength too short

  // Flash's undocumented BufferEmpty (31): passed up, not refused.
  auto unknown = parse_user_control(B({0, 31, 0, 0, 0, 1}));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(static_cast<uint16_t>(unknown->event), 31);
  EXPECT_EQ(unknown->value, 1u);
}

TEST(RtmpMessage, EncodeParseRoundTrip) {
  for (uint32_t v : {0u, 1u, 0xFFFFFFu, 0x1000000u, 0xFFFFFFFFu}) {
    auto uc = parse_user_control(encode_user_control(UserControlEvent::kStreamEof, v));
    ASSERT_TRUE(uc);
    EXPECT_EQ(uc->event, UserControlEvent::kStreamEof);
    EXPECT_EQ(uc->value, v);
    EXPECT_EQ(*parse_acknowledgement(encode_acknowledgement(v)), v);
  }
}

}  // namespace
}  // namespace firstmile::rtmp
