#include "protocol/rtsp/wire/transport.hpp"

#include <gtest/gtest.h>

namespace firstmile::rtsp {
namespace {

TEST(RtspTransport, WhatFfmpegOffers) {
  // ffmpeg's SETUP for a TCP publish and a UDP play.
  auto tcp = parse_transports("RTP/AVP/TCP;unicast;interleaved=0-1;mode=record");
  ASSERT_TRUE(tcp) << tcp.error().message;
  ASSERT_EQ(tcp->size(), 1u);
  EXPECT_TRUE((*tcp)[0].tcp);
  EXPECT_EQ((*tcp)[0].interleaved, (PortPair{0, 1}));
  EXPECT_EQ((*tcp)[0].mode, "record");
  auto udp = parse_transports("RTP/AVP/UDP;unicast;client_port=5000-5001");
  ASSERT_TRUE(udp);
  EXPECT_FALSE((*udp)[0].tcp);
  EXPECT_EQ((*udp)[0].client_port, (PortPair{5000, 5001}));
  EXPECT_EQ((*udp)[0].profile, "RTP/AVP");
}

TEST(RtspTransport, AlternativesQuotesAndUnknownParameters) {
  auto t = parse_transports(
      "RTP/AVP;multicast;ttl=127;mode=\"PLAY,RECORD\", rtp/avp/tcp;interleaved=4;ssrc=0000ABCD;"
      "x-dynamic-rate=1");
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->size(), 2u);
  EXPECT_TRUE((*t)[0].multicast);
  EXPECT_EQ((*t)[0].mode, "play,record");
  EXPECT_TRUE((*t)[1].tcp);
  EXPECT_EQ((*t)[1].interleaved, (PortPair{4, 5}));
  EXPECT_EQ((*t)[1].ssrc, 0xabcdu);
}

TEST(RtspTransport, Refusals) {
  const std::pair<std::string_view, std::string_view> bad[] = {
      {"", "empty transport"},
      {"RAW/RAW/UDP", "unsupported transport protocol"},
      {"RTP/AVP/SCTP", "unsupported lower transport"},
      {"RTP/AVP/TCP;interleaved=256-257", "interleaved"},
      {"RTP/AVP/TCP;interleaved=255", "interleaved"},  // its RTCP channel would be 256
      {"RTP/AVP;client_port=70000", "client_port"},
      {"RTP/AVP;client_port=5000-x", "client_port"},
      {"RTP/AVP;ssrc=123456789", "ssrc"},
      {"RTP/AVP;ssrc=xyz", "ssrc"},
      {"RTP\t/AVP", "unsupported transport protocol"},
      {"RTP/AVP;mode=\"a;interleaved=5\"", "malformed mode"},
      {"RTP/AVP;destination=\"1.2.3.4,5\"", "malformed destination"},
  };
  for (auto [value, why] : bad) {
    auto t = parse_transports(value);
    ASSERT_FALSE(t) << value;
    EXPECT_NE(t.error().message.find(why), std::string::npos) << value << ": " << t.error().message;
  }
  std::string many;
  for (int i = 0; i < 17; ++i)
    many += "RTP/AVP,";
  EXPECT_FALSE(parse_transports(many));
}

TEST(RtspTransport, WriteReadsBack) {
  Transport t;
  t.tcp = true;
  t.interleaved = PortPair{2, 3};
  t.ssrc = 0x1a2b3c4d;
  t.mode = "record";
  EXPECT_EQ(write(t), "RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=1A2B3C4D;mode=record");
  auto back = parse_transports(write(t));
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[0], t);
  Transport u;
  u.client_port = PortPair{5000, 5001};
  u.server_port = PortPair{8000, 8001};
  EXPECT_EQ(write(u), "RTP/AVP;unicast;client_port=5000-5001;server_port=8000-8001");
  u.mode = "play,record";
  EXPECT_EQ((*parse_transports(write(u)))[0], u);
}

TEST(RtspTransport, SessionId) {
  EXPECT_EQ(session_id("A3F1;timeout=60"), "A3F1");
  EXPECT_EQ(session_id(" 12345 "), "12345");
}

}  // namespace
}  // namespace firstmile::rtsp
