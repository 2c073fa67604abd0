// The pull.* keys: sources the server pulls (pull.sources) and their timing.
#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "core/server_schema.hpp"
#include "protocol/pull/pull_config.hpp"

namespace firstmile {
namespace {

using server_schema::dump_config;
using server_schema::error_of;
using server_schema::parse_config;
using std::chrono::milliseconds;

using server_schema::contains;

TEST(ConfigPullTest, DefaultsPullNothing) {
  Config c = parse_config("", "cfg.yaml");
  const auto& p = c.get<PullConfig>();
  EXPECT_TRUE(p.sources.empty());
  EXPECT_EQ(p.read_timeout, milliseconds(10000));
  EXPECT_EQ(p.retry_initial, milliseconds(1000));
  EXPECT_EQ(p.retry_max, milliseconds(30000));
  const std::string dump = dump_config(Config{});
  EXPECT_TRUE(contains(dump,
                       "pull:\n  sources: {}\n  read_timeout: 10s\n  retry_initial: 1s\n"
                       "  retry_max: 30s\n"))
      << dump;
}

TEST(ConfigPullTest, ReadsAUrlOrAMapping) {
  Config c = parse_config(
      "pull:\n"
      "  sources:\n"
      "    live/cam1: \"rtsp://user:pass@192.0.2.10:554/stream1\"\n"
      "    live/cam2: {url: \"rtsp://192.0.2.11/h264\", transport: tcp, on_demand: true}\n"
      "  read_timeout: 5s\n",
      "cfg.yaml");
  const auto& s = c.get<PullConfig>().sources;
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.at("live/cam1").url, "rtsp://user:pass@192.0.2.10:554/stream1");
  EXPECT_EQ(s.at("live/cam1").transport, "auto");
  EXPECT_EQ(s.at("live/cam2").url, "rtsp://192.0.2.11/h264");
  EXPECT_EQ(s.at("live/cam2").transport, "tcp");
  EXPECT_FALSE(s.at("live/cam1").on_demand);
  EXPECT_TRUE(s.at("live/cam2").on_demand);
  EXPECT_EQ(c.get<PullConfig>().read_timeout, milliseconds(5000));
  // Printed without the credentials unless asked; the full print reads back the same.
  const std::string dump = dump_config(c);
  EXPECT_FALSE(contains(dump, "user:pass")) << dump;
  EXPECT_TRUE(contains(dump, "rtsp://***@192.0.2.10:554/stream1")) << dump;
  Config again = parse_config(dump_config(c, true), "again.yaml");
  EXPECT_EQ(again.get<PullConfig>().sources, s);
}

TEST(ConfigPullTest, RefusesWhatCannotBePulled) {
  EXPECT_TRUE(contains(error_of("pull:\n  sources:\n    cam1: rtsp://h/x\n"), "not app/stream"));
  EXPECT_TRUE(contains(error_of("pull:\n  sources:\n    live/cam: http://h/x\n"),
                       "pull.sources (line 2): live/cam: 'http://' is not a source the server "
                       "pulls (rtsp://, rtmp:// or srt:// URLs)"))
      << error_of("pull:\n  sources:\n    live/cam: http://h/x\n");
  EXPECT_TRUE(contains(error_of("pull:\n  sources:\n    live/cam: {url: rtsp://h/x, "
                                "transport: sctp}\n"),
                       "transport must be auto, tcp or udp"));
  EXPECT_TRUE(contains(error_of("pull:\n  sources:\n    live/cam: {url: rtsp://h/x, on: 1}\n"),
                       "unknown key 'on'"));
  EXPECT_TRUE(contains(error_of("pull:\n  sources:\n    live/cam: {transport: tcp}\n"), "no url"));
  EXPECT_TRUE(contains(error_of("pull:\n  sources:\n    live/cam: rtsp://h:70000/x\n"), "port"));
  EXPECT_TRUE(contains(error_of("pull:\n  sources:\n    live/cam: [a]\n"), "expected a URL"));
  EXPECT_TRUE(contains(error_of("pull:\n  retry_initial: 5s\n  retry_max: 1s\n"),
                       "shorter than pull.retry_initial"));
}

TEST(ConfigPullTest, RelaysFromRtmpAndSrt) {
  Config c = parse_config(
      "pull:\n"
      "  sources:\n"
      "    live/r1: \"rtmp://origin.example.com/live/channel-42\"\n"
      "    live/r2: \"rtmp://origin.example.com:1936/app/inst/name?k=v\"\n"
      "    live/r3: {url: \"srt://192.0.2.20:8890?streamid=read:live/x&passphrase=pass-0123456\","
      " on_demand: true}\n",
      "cfg.yaml");
  const auto& s = c.get<PullConfig>().sources;
  ASSERT_EQ(s.size(), 3u);
  EXPECT_TRUE(s.at("live/r3").on_demand);
  // The passphrase is a secret: masked in the print, kept in the full one.
  const std::string dump = dump_config(c);
  EXPECT_FALSE(contains(dump, "pass-0123456")) << dump;
  EXPECT_TRUE(contains(dump, "streamid=read:live/x&passphrase=***")) << dump;
  Config signed_url = parse_config(
      "pull:\n  sources:\n    live/r: \"rtmp://o/live/x?expires=9&token=tok-123#frag\"\n",
      "cfg.yaml");
  const std::string signed_dump = dump_config(signed_url);
  EXPECT_TRUE(contains(signed_dump, "rtmp://o/live/x?expires=9&token=***#frag")) << signed_dump;
  EXPECT_EQ(parse_config(dump_config(c, true), "again.yaml").get<PullConfig>().sources, s);

  EXPECT_TRUE(contains(error_of("pull:\n  sources:\n    live/r: rtmp://h/live\n"),
                       "needs an app and a stream"));
  EXPECT_TRUE(contains(error_of("pull:\n  sources:\n    live/r: rtmp://h/live/\n"),
                       "needs an app and a stream"));
  EXPECT_TRUE(
      contains(error_of("pull:\n  sources:\n    live/r: srt://h?streamid=x\n"), "needs a port"));
  EXPECT_TRUE(
      contains(error_of("pull:\n  sources:\n    live/r: {url: rtmp://h/live/x, transport: tcp}\n"),
               "transport applies to rtsp:// sources only"));
  EXPECT_TRUE(pull::check_source({"RTMP://h/live/x", "auto", false}));
}

}  // namespace
}  // namespace firstmile
