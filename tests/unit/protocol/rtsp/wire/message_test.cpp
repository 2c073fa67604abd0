#include "protocol/rtsp/wire/message.hpp"

#include <gtest/gtest.h>

namespace firstmile::rtsp {
namespace {

using Item = MessageReader::Item;

std::optional<Item> read(MessageReader& r) {
  auto item = r.next();
  EXPECT_TRUE(item) << item.error().message;
  return item ? std::move(*item) : std::nullopt;
}

TEST(RtspMessage, ARequestAsFfmpegSendsIt) {
  MessageReader r;
  r.feed(
      as_bytes("OPTIONS rtsp://127.0.0.1:8554/live/cam RTSP/1.0\r\n"
               "CSeq: 1\r\n"
               "User-Agent: Lavf60.16.100\r\n"
               "\r\n"));
  auto item = read(r);
  ASSERT_TRUE(item);
  const auto& m = std::get<Message>(*item);
  EXPECT_TRUE(m.is_request());
  EXPECT_EQ(m.method, "OPTIONS");
  EXPECT_EQ(m.uri, "rtsp://127.0.0.1:8554/live/cam");
  EXPECT_EQ(m.version, "RTSP/1.0");
  EXPECT_EQ(m.cseq(), 1u);
  EXPECT_EQ(m.header("user-agent"), "Lavf60.16.100");
  EXPECT_FALSE(m.header("Session"));
  EXPECT_EQ(r.buffered(), 0u);
  EXPECT_FALSE(read(r));
}

TEST(RtspMessage, ABodyArrivingInPiecesAndFramesBetweenMessages) {
  const std::string sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\n";
  const std::string wire =
      "ANNOUNCE rtsp://h/live/x RTSP/1.0\r\nCSeq: 2\r\n"
      "Content-Type: application/sdp\r\nContent-Length: " +
      std::to_string(sdp.size()) + "\r\n\r\n" + sdp + std::string("$\x01\x00\x03", 4) + "abc" +
      "\r\n" + "RTSP/1.0 200 OK\nCSeq: 9\n\n";
  MessageReader r;
  std::vector<Item> items;
  // One byte at a time: the reader returns each item once it is complete.
  for (char c : wire) {
    r.feed(as_bytes(std::string_view(&c, 1)));
    while (auto item = read(r)) {
      if (auto* f = std::get_if<InterleavedFrame>(&*item)) {
        // The frame's bytes are only valid until the next call: check them now.
        EXPECT_EQ(f->channel, 1);
        EXPECT_EQ(std::string(f->data.begin(), f->data.end()), "abc");
      }
      items.push_back(std::move(*item));
    }
  }
  ASSERT_EQ(items.size(), 3u);
  const auto& announce = std::get<Message>(items[0]);
  EXPECT_EQ(announce.method, "ANNOUNCE");
  EXPECT_EQ(announce.body, sdp);
  EXPECT_TRUE(std::holds_alternative<InterleavedFrame>(items[1]));
  const auto& response = std::get<Message>(items[2]);
  EXPECT_FALSE(response.is_request());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.reason, "OK");
  EXPECT_EQ(response.cseq(), 9u);
}

TEST(RtspMessage, Tolerance) {
  MessageReader r;
  // A status line without a reason phrase, a folded header, spaces around values.
  r.feed(
      as_bytes("RTSP/1.0 401\r\nCSeq:  3 \r\nWWW-Authenticate: Digest realm=\"x\",\r\n"
               "  nonce=\"y\"\r\n\r\n"));
  auto item = read(r);
  ASSERT_TRUE(item);
  const auto& m = std::get<Message>(*item);
  EXPECT_EQ(m.status, 401);
  EXPECT_EQ(m.reason, "");
  EXPECT_EQ(m.cseq(), 3u);
  EXPECT_EQ(m.header("WWW-Authenticate"), "Digest realm=\"x\", nonce=\"y\"");
}

TEST(RtspMessage, Refusals) {
  const std::pair<std::string, std::string_view> bad[] = {
      {"\x16\x03\x01 hello", "neither a message nor a frame"},  // a TLS ClientHello
      {"OPTIONS\r\n\r\n", "malformed start line"},
      {"OPTIONS * HTTP/1.1\r\n\r\n", "unknown version"},
      {"OPT(ONS * RTSP/1.0\r\n\r\n", "malformed method"},
      {"RTSP/1.0 20 OK\r\n\r\n", "malformed status code"},
      {"OPTIONS * RTSP/1.0\r\nCSeq 1\r\n\r\n", "without ':'"},
      {"OPTIONS * RTSP/1.0\r\nC Seq: 1\r\n\r\n", "malformed header field name"},
      {"OPTIONS * RTSP/1.0\r\nX: a\x01z\r\n\r\n", "control character"},
      {"OPTIONS * RTSP/1.0\r\n folded\r\n\r\n", "continuation line"},
      {"ANNOUNCE * RTSP/1.0\r\nContent-Length: 65537\r\n\r\n", "Content-Length"},
      {"ANNOUNCE * RTSP/1.0\r\nContent-Length: -1\r\n\r\n", "Content-Length"},
  };
  for (const auto& [wire, why] : bad) {
    MessageReader r;
    r.feed(as_bytes(wire));
    auto item = r.next();
    ASSERT_FALSE(item) << wire;
    EXPECT_NE(item.error().message.find(why), std::string::npos)
        << wire << ": " << item.error().message;
    EXPECT_FALSE(r.next());  // refused for good
  }
}

TEST(RtspMessage, Limits) {
  MessageReader r({.max_head_bytes = 64, .max_headers = 2, .max_body_bytes = 16});
  r.feed(as_bytes("OPTIONS * RTSP/1.0\r\nX-Long: " + std::string(60, 'a')));
  auto item = r.next();
  ASSERT_FALSE(item);
  EXPECT_NE(item.error().message.find("over 64 bytes"), std::string::npos);

  MessageReader h({.max_head_bytes = 1024, .max_headers = 2, .max_body_bytes = 16});
  h.feed(as_bytes("OPTIONS * RTSP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"));
  item = h.next();
  ASSERT_FALSE(item);
  EXPECT_NE(item.error().message.find("more than 2 header fields"), std::string::npos);
}

TEST(RtspMessage, Write) {
  Message m;
  m.status = 200;
  m.reason = "OK";
  m.headers = {{"CSeq", "4"}, {"Content-Type", "application/sdp"}};
  m.body = "v=0\r\n";
  EXPECT_EQ(write(m),
            "RTSP/1.0 200 OK\r\nCSeq: 4\r\nContent-Type: application/sdp\r\n"
            "Content-Length: 5\r\n\r\nv=0\r\n");
  Bytes frame;
  write_interleaved_header(3, 0x1234, frame);
  EXPECT_EQ(frame, (Bytes{'$', 3, 0x12, 0x34}));
  // What is written reads back.
  MessageReader r;
  r.feed(as_bytes(write(m)));
  auto item = read(r);
  ASSERT_TRUE(item);
  EXPECT_EQ(std::get<Message>(*item).body, m.body);
}

}  // namespace
}  // namespace firstmile::rtsp
