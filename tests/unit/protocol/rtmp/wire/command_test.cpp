#include "protocol/rtmp/wire/command.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

namespace firstmile::rtmp {
namespace {

using format::amf0::Value;
using test::from_hex;
namespace amf0 = format::amf0;

// The connect command ffmpeg 5.1 (Lavf59.27.100) sends when publishing to
// rtmp://127.0.0.1:19352/live (tests/fuzz/corpus/rtmp_chunk/ffmpeg_publish.bin).
const Bytes kFfmpegConnect = from_hex(
    "020007636f6e6e656374003ff00000000000000300036170700200046c697665"
    "00047479706502000a6e6f6e707269766174650008666c617368566572020024"
    "464d4c452f332e302028636f6d70617469626c653b204c61766635392e32372e"
    "313030290005746355726c02001b72746d703a2f2f3132372e302e302e313a31"
    "393335322f6c697665000009");
// Its publish: "publish", 5, null, "x", "live".
const Bytes kFfmpegPublish =
    from_hex("0200077075626c69736800401400000000000005020001780200046c697665");

TEST(RtmpCommand, FfmpegConnect) {
  auto cmd = parse_command(kFfmpegConnect);
  ASSERT_TRUE(cmd) << cmd.error().message;
  EXPECT_EQ(cmd->name, "connect");
  EXPECT_EQ(cmd->transaction, 1);
  ASSERT_EQ(cmd->args.size(), 1u);
  auto c = parse_connect(cmd->command_object());
  EXPECT_EQ(c.app, "live");
  EXPECT_EQ(c.query, "");
  EXPECT_EQ(c.tc_url, "rtmp://127.0.0.1:19352/live");
  EXPECT_EQ(c.object_encoding, 0);
}

TEST(RtmpCommand, FfmpegPublish) {
  auto cmd = parse_command(kFfmpegPublish);
  ASSERT_TRUE(cmd) << cmd.error().message;
  EXPECT_EQ(cmd->name, "publish");
  EXPECT_EQ(cmd->transaction, 5);
  ASSERT_EQ(cmd->args.size(), 3u);
  EXPECT_TRUE(cmd->args[0].is_null());
  auto s = parse_stream_request(cmd->args);
  EXPECT_EQ(s.name, "x");
  EXPECT_EQ(s.query, "");
}

TEST(RtmpCommand, Amf3CommandWithAmf0Body) {
  // Type 17 bodies start with a format byte; 0 means plain AMF0 follows.
  Bytes amf3 = kFfmpegConnect;
  amf3.insert(amf3.begin(), 0);
  auto cmd = parse_command(amf0_body(amf3));
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->name, "connect");
  EXPECT_EQ(amf0_body(kFfmpegConnect).size(), kFfmpegConnect.size());
  EXPECT_TRUE(amf0_body({}).empty());
}

TEST(RtmpCommand, MissingPartsReadAsEmpty) {
  // createStream as a minimal client sends it: no command object at all.
  auto cmd = parse_command(amf0::encode_all(std::vector<Value>{"createStream"}));
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->transaction, 0);
  EXPECT_TRUE(cmd->args.empty());
  EXPECT_TRUE(cmd->command_object().is_null());
  auto c = parse_connect(cmd->command_object());
  EXPECT_EQ(c.app, "");
  EXPECT_EQ(c.tc_url, "");
  auto s = parse_stream_request(cmd->args);
  EXPECT_EQ(s.name, "");
  // A transaction id that is not a number reads as 0.
  cmd = parse_command(amf0::encode_all(std::vector<Value>{"play", "seven", nullptr, 3.0}));
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->transaction, 0);
  EXPECT_EQ(parse_stream_request(cmd->args).name, "");  // a stream name that is not a string
}

TEST(RtmpCommand, Refusals) {
  auto bad = parse_command(from_hex("02 00 07 63 6f 6e"));  // cut inside the name
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("malformed command: ", 0), 0u) << bad.error().message;
  auto nameless = parse_command(amf0::encode_all(std::vector<Value>{1.0, "connect"}));
  ASSERT_FALSE(nameless);
  EXPECT_EQ(nameless.error().message, "command without a name");
  EXPECT_FALSE(parse_command({}));
}

TEST(RtmpCommand, ConnectAppLosesQueryAndTrailingSlashes) {
  auto c = parse_connect(Value::object({{"app", "live//?token=a?b"}, {"tcUrl", "rtmp://h/live"}}));
  EXPECT_EQ(c.app, "live");
  EXPECT_EQ(c.query, "token=a?b");
  // Only the app's own slashes go: the query is kept as sent.
  c = parse_connect(Value::object({{"app", "live?x=/"}}));
  EXPECT_EQ(c.app, "live");
  EXPECT_EQ(c.query, "x=/");
  c = parse_connect(Value::object({{"app", 7.0}, {"objectEncoding", 3.0}}));
  EXPECT_EQ(c.app, "");
  EXPECT_EQ(c.object_encoding, 3);
}

TEST(RtmpCommand, StreamNameSplitsAtFirstQuestionMark) {
  std::vector<Value> args{nullptr, "cam1?token=x?y&e=1", "live"};
  auto s = parse_stream_request(args);
  EXPECT_EQ(s.name, "cam1");
  EXPECT_EQ(s.query, "token=x?y&e=1");
  args[1] = "?only";
  s = parse_stream_request(args);
  EXPECT_EQ(s.name, "");
  EXPECT_EQ(s.query, "only");
}

}  // namespace
}  // namespace firstmile::rtmp
