// The udp.* keys: plain UDP / MPEG-TS inputs (udp.inputs, udp.idle_timeout, udp.recv_buffer).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/config.hpp"
#include "core/server_schema.hpp"
#include "protocol/udp/udp_config.hpp"

namespace firstmile {
namespace {

using std::chrono::milliseconds;

using server_schema::changed_keys;
using server_schema::dump_config;
using server_schema::error_of;
using server_schema::load_config_file;
using server_schema::parse_config;

using server_schema::contains;

TEST(ConfigUdpTest, DefaultsListenNowhere) {
  Config c = parse_config("", "cfg.yaml");
  EXPECT_TRUE(c.get<UdpConfig>().inputs.empty());
  EXPECT_EQ(c.get<UdpConfig>().idle_timeout, milliseconds(5000));
  EXPECT_EQ(c.get<UdpConfig>().recv_buffer, 4u << 20);
  std::string dump = dump_config(Config{});
  EXPECT_TRUE(contains(dump, "udp:\n  inputs: {}\n  idle_timeout: 5s\n  recv_buffer: 4MiB\n"))
      << dump;
}

TEST(ConfigUdpTest, ReadsInputsAndSettings) {
  Config c = parse_config(
      "udp:\n"
      "  inputs:\n"
      "    live/cam1: 0.0.0.0:9000\n"
      "    live/cam2: \"127.0.0.1:9002\"\n"
      "    tv/feed.hd: \"[::]:9004\"\n"
      "    mc/group: 239.1.2.3:5000\n"
      "  idle_timeout: 1500ms\n"
      "  recv_buffer: 16MiB\n",
      "cfg.yaml");
  ASSERT_EQ(c.get<UdpConfig>().inputs.size(), 4u);
  EXPECT_EQ(c.get<UdpConfig>().inputs.at("live/cam1"), "0.0.0.0:9000");
  EXPECT_EQ(c.get<UdpConfig>().inputs.at("live/cam2"), "127.0.0.1:9002");
  EXPECT_EQ(c.get<UdpConfig>().inputs.at("tv/feed.hd"), "[::]:9004");
  EXPECT_EQ(c.get<UdpConfig>().inputs.at("mc/group"), "239.1.2.3:5000");
  EXPECT_EQ(c.get<UdpConfig>().idle_timeout, milliseconds(1500));
  EXPECT_EQ(c.get<UdpConfig>().recv_buffer, 16u << 20);
}

TEST(ConfigUdpTest, RoundTripsThroughPrintConfig) {
  Config c;
  c.at<UdpConfig>().inputs = {{"live/cam1", "0.0.0.0:9000"}, {"tv/x", "[::1]:9001"}};
  c.at<UdpConfig>().idle_timeout = milliseconds(2500);
  c.at<UdpConfig>().recv_buffer = 100001;
  std::string dump = dump_config(c);
  Config back = parse_config(dump, "dump");
  EXPECT_EQ(back.get<UdpConfig>().inputs, c.get<UdpConfig>().inputs);
  EXPECT_EQ(back.get<UdpConfig>().idle_timeout, c.get<UdpConfig>().idle_timeout);
  EXPECT_EQ(back.get<UdpConfig>().recv_buffer, c.get<UdpConfig>().recv_buffer);
  EXPECT_EQ(dump_config(back), dump);
}

TEST(ConfigUdpTest, ChangedKeysNameEachUdpKey) {
  // Reload classifies these by name (none is live, so each needs a restart).
  Config a, b;
  b.at<UdpConfig>().inputs = {{"live/cam1", ":9000"}};
  b.at<UdpConfig>().idle_timeout = milliseconds(1000);
  b.at<UdpConfig>().recv_buffer = 8u << 20;
  auto changed = changed_keys(a, b);
  std::sort(changed.begin(), changed.end());
  EXPECT_EQ(changed,
            (std::vector<std::string>{"udp.idle_timeout", "udp.inputs", "udp.recv_buffer"}));
  EXPECT_TRUE(changed_keys(b, b).empty());
}

TEST(ConfigUdpTest, BadInputNamesAreRefusedWithFileKeyAndLine) {
  struct Case {
    const char* entry;
    const char* reason;
  };
  const Case cases[] = {
      {"cam1: 0.0.0.0:9000", "'cam1' is not app/stream"},
      {"live/: 0.0.0.0:9000", "'live/' is not app/stream"},
      {"/cam: 0.0.0.0:9000", "'/cam' is not app/stream"},
      {"live/a/b: 0.0.0.0:9000", "'live/a/b' is not app/stream"},
      {"live/a b: 0.0.0.0:9000", "'live/a b' is not app/stream"},
      {"live/..: 0.0.0.0:9000", "'live/..' is not app/stream"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.entry);
    std::string err = error_of(std::string("udp:\n  inputs:\n    ") + c.entry + "\n");
    EXPECT_TRUE(contains(err, "cfg.yaml: udp.inputs (line 2): ")) << err;
    EXPECT_TRUE(contains(err, c.reason)) << err;
  }
}

TEST(ConfigUdpTest, BadAddressesAreRefused) {
  struct Case {
    const char* value;
    const char* reason;
  };
  const Case cases[] = {
      {"9000", "live/cam: '9000' is not host:port"},
      {"0.0.0.0:99999", "live/cam: '0.0.0.0:99999': bad port '99999'"},
      {"0.0.0.0:", "bad port ''"},
      {"cam.example.com:9000", "bad address 'cam.example.com' (use an IP address)"},
      {"0.0.0.0:0", "live/cam: '0.0.0.0:0' needs a port"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.value);
    std::string err = error_of(std::string("udp:\n  inputs:\n    live/cam: \"") + c.value + "\"\n");
    EXPECT_TRUE(contains(err, "cfg.yaml: udp.inputs (line 2): ")) << err;
    EXPECT_TRUE(contains(err, c.reason)) << err;
  }
}

TEST(ConfigUdpTest, DuplicateAddressesAreRefused) {
  // ":9000" is 0.0.0.0:9000: the same socket, whatever the spelling.
  std::string err = error_of("udp:\n  inputs:\n    live/a: 0.0.0.0:9000\n    live/b: \":9000\"\n");
  EXPECT_TRUE(contains(err, "udp.inputs (line 2): live/b: :9000 is already used by live/a")) << err;
  // Other ports or addresses are fine.
  EXPECT_EQ(error_of("udp:\n  inputs:\n    live/a: 0.0.0.0:9000\n    live/b: 127.0.0.1:9000\n"
                     "    live/c: 0.0.0.0:9001\n"),
            "");
}

TEST(ConfigUdpTest, WrongShapesAndRangesAreRefused) {
  EXPECT_TRUE(contains(error_of("udp:\n  inputs: [live/cam]\n"),
                       "udp.inputs (line 2): expected a mapping of app/stream to host:port"));
  EXPECT_TRUE(contains(error_of("udp:\n  inputs:\n    live/cam: [1, 2]\n"),
                       "udp.inputs (line 2): expected a single value"));
  EXPECT_TRUE(contains(error_of("udp:\n  idle_timeout: 50ms\n"),
                       "udp.idle_timeout (line 2): duration must be within [200ms, 3600s]"));
  EXPECT_TRUE(
      contains(error_of("udp:\n  recv_buffer: 1KiB\n"), "udp.recv_buffer (line 2): value must"));
  EXPECT_TRUE(contains(error_of("udp:\n  recv_buffer: 2GiB\n"),
                       "udp.recv_buffer (line 2): value 2GiB is over the maximum"));
  EXPECT_TRUE(
      contains(error_of("udp:\n  listen: 0.0.0.0:9000\n"), "udp.listen (line 2): unknown key"));
  // An empty mapping is no inputs.
  EXPECT_TRUE(parse_config("udp:\n  inputs:\n", "cfg.yaml").get<UdpConfig>().inputs.empty());
}

}  // namespace
}  // namespace firstmile
