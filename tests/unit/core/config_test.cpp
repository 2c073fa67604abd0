#include "core/config.hpp"
#include "control/control_config.hpp"
#include "core/server_schema.hpp"
#include "output/fanout_config.hpp"
#include "output/hls/hls_config.hpp"
#include "protocol/http/http_config.hpp"
#include "protocol/rtmp/rtmp_config.hpp"
#include "protocol/srt/srt_config.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace firstmile {
namespace {

using std::chrono::milliseconds;

using server_schema::changed_keys;
using server_schema::dump_config;
using server_schema::load_config_file;
using server_schema::error_of;
using server_schema::parse_config;

// Compares every field of two configurations, naming the field that differs.
void expect_same(const Config& a, const Config& b) {
  EXPECT_EQ(a.log.level, b.log.level);
  EXPECT_EQ(a.log.format, b.log.format);
  EXPECT_EQ(a.workers, b.workers);
  EXPECT_EQ(a.node_id, b.node_id);
  EXPECT_EQ(a.limits.max_connections, b.limits.max_connections);
  EXPECT_EQ(a.get<RtmpConfig>().enabled, b.get<RtmpConfig>().enabled);
  EXPECT_EQ(a.get<RtmpConfig>().listen, b.get<RtmpConfig>().listen);
  EXPECT_EQ(a.get<RtmpConfig>().chunk_size, b.get<RtmpConfig>().chunk_size);
  EXPECT_EQ(a.get<RtmpConfig>().max_incoming_chunk_size,
            b.get<RtmpConfig>().max_incoming_chunk_size);
  EXPECT_EQ(a.get<RtmpConfig>().max_message_size, b.get<RtmpConfig>().max_message_size);
  EXPECT_EQ(a.get<RtmpConfig>().ack_window, b.get<RtmpConfig>().ack_window);
  EXPECT_EQ(a.get<RtmpConfig>().handshake_timeout, b.get<RtmpConfig>().handshake_timeout);
  EXPECT_EQ(a.get<RtmpConfig>().publish_idle_timeout, b.get<RtmpConfig>().publish_idle_timeout);
  EXPECT_EQ(a.stream.on_conflict, b.stream.on_conflict);
  EXPECT_EQ(a.get<SrtConfig>().enabled, b.get<SrtConfig>().enabled);
  EXPECT_EQ(a.get<SrtConfig>().listen, b.get<SrtConfig>().listen);
  EXPECT_EQ(a.get<SrtConfig>().latency, b.get<SrtConfig>().latency);
  EXPECT_EQ(a.get<SrtConfig>().peer_idle_timeout, b.get<SrtConfig>().peer_idle_timeout);
  EXPECT_EQ(a.get<SrtConfig>().passphrases, b.get<SrtConfig>().passphrases);
  EXPECT_EQ(a.get<SrtConfig>().pbkeylen, b.get<SrtConfig>().pbkeylen);
  EXPECT_EQ(a.get<HttpConfig>().enabled, b.get<HttpConfig>().enabled);
  EXPECT_EQ(a.get<HttpConfig>().listen, b.get<HttpConfig>().listen);
  EXPECT_EQ(a.get<HttpConfig>().max_header_bytes, b.get<HttpConfig>().max_header_bytes);
  EXPECT_EQ(a.get<HttpConfig>().max_body_bytes, b.get<HttpConfig>().max_body_bytes);
  EXPECT_EQ(a.get<HttpConfig>().idle_timeout, b.get<HttpConfig>().idle_timeout);
  EXPECT_EQ(a.get<HttpConfig>().cors_origin, b.get<HttpConfig>().cors_origin);
  EXPECT_EQ(a.get<HlsSettings>().enabled, b.get<HlsSettings>().enabled);
  EXPECT_DOUBLE_EQ(a.get<HlsSettings>().segment_duration, b.get<HlsSettings>().segment_duration);
  EXPECT_EQ(a.get<HlsSettings>().window, b.get<HlsSettings>().window);
  EXPECT_EQ(a.get<HlsSettings>().keep_extra, b.get<HlsSettings>().keep_extra);
  EXPECT_DOUBLE_EQ(a.get<HlsSettings>().max_segment_duration,
                   b.get<HlsSettings>().max_segment_duration);
  EXPECT_EQ(a.get<HlsSettings>().dir, b.get<HlsSettings>().dir);
  EXPECT_EQ(a.get<FanoutConfig>().max_queue_bytes, b.get<FanoutConfig>().max_queue_bytes);
  EXPECT_EQ(a.get<FanoutConfig>().max_lag, b.get<FanoutConfig>().max_lag);
  EXPECT_EQ(a.get<FanoutConfig>().max_skips, b.get<FanoutConfig>().max_skips);
  EXPECT_EQ(a.get<FanoutConfig>().skip_window, b.get<FanoutConfig>().skip_window);
  EXPECT_EQ(a.get<FanoutConfig>().coalesce, b.get<FanoutConfig>().coalesce);
  EXPECT_EQ(a.get<FanoutConfig>().send_buffer, b.get<FanoutConfig>().send_buffer);
  EXPECT_EQ(a.stream.max_gop_cache_bytes, b.stream.max_gop_cache_bytes);
  EXPECT_EQ(a.stream.linger, b.stream.linger);
  EXPECT_EQ(a.stream.max_streams, b.stream.max_streams);
  EXPECT_EQ(a.stream.max_name_length, b.stream.max_name_length);
  EXPECT_EQ(a.get<AuthConfig>().publish_keys, b.get<AuthConfig>().publish_keys);
  EXPECT_EQ(a.get<AuthConfig>().keys_file, b.get<AuthConfig>().keys_file);
  EXPECT_EQ(a.get<AuthConfig>().play, b.get<AuthConfig>().play);
  EXPECT_EQ(a.get<AuthConfig>().play_secret, b.get<AuthConfig>().play_secret);
  EXPECT_EQ(a.get<AuthConfig>().play_cache, b.get<AuthConfig>().play_cache);
  EXPECT_EQ(a.get<AuthConfig>().webhook_fail_open, b.get<AuthConfig>().webhook_fail_open);
  EXPECT_EQ(a.get<WebhooksConfig>().on_publish, b.get<WebhooksConfig>().on_publish);
  EXPECT_EQ(a.get<WebhooksConfig>().on_unpublish, b.get<WebhooksConfig>().on_unpublish);
  EXPECT_EQ(a.get<WebhooksConfig>().on_play, b.get<WebhooksConfig>().on_play);
  EXPECT_EQ(a.get<WebhooksConfig>().on_stop, b.get<WebhooksConfig>().on_stop);
  EXPECT_EQ(a.get<WebhooksConfig>().on_hls_segment, b.get<WebhooksConfig>().on_hls_segment);
  EXPECT_EQ(a.get<WebhooksConfig>().secret, b.get<WebhooksConfig>().secret);
  EXPECT_EQ(a.get<WebhooksConfig>().timeout, b.get<WebhooksConfig>().timeout);
  EXPECT_EQ(a.get<WebhooksConfig>().max_retries, b.get<WebhooksConfig>().max_retries);
  EXPECT_EQ(a.get<WebhooksConfig>().retry_backoff, b.get<WebhooksConfig>().retry_backoff);
  EXPECT_EQ(a.get<WebhooksConfig>().retry_backoff_max, b.get<WebhooksConfig>().retry_backoff_max);
  EXPECT_EQ(a.get<WebhooksConfig>().queue_size, b.get<WebhooksConfig>().queue_size);
  EXPECT_EQ(a.get<WebhooksConfig>().max_response_bytes, b.get<WebhooksConfig>().max_response_bytes);
  EXPECT_EQ(a.get<ApiConfig>().token, b.get<ApiConfig>().token);
  EXPECT_EQ(a.get<MetricsConfig>().enabled, b.get<MetricsConfig>().enabled);
}

// A configuration where every field differs from its default (and, where it matters, uses a
// value that is awkward to print: not a whole number of KiB or seconds, YAML specials).
Config all_changed() {
  Config c;
  c.log.level = "debug";
  c.log.format = "json";
  c.workers = 4;
  c.node_id = "edge-1: #\"x\"";
  c.limits.max_connections = 123;
  c.at<RtmpConfig>().enabled = false;
  c.at<RtmpConfig>().listen = "127.0.0.1:19350";
  c.at<RtmpConfig>().chunk_size = 60000;
  c.at<RtmpConfig>().max_incoming_chunk_size = 1 << 20;
  c.at<RtmpConfig>().max_message_size = 3 << 20;
  c.at<RtmpConfig>().ack_window = 5000000;
  c.at<RtmpConfig>().handshake_timeout = milliseconds(1500);
  c.at<RtmpConfig>().publish_idle_timeout = milliseconds(120000);
  c.stream.on_conflict = PublishConflict::TakeOver;
  c.at<SrtConfig>().enabled = false;
  c.at<SrtConfig>().listen = "127.0.0.1:9000";
  c.at<SrtConfig>().latency = milliseconds(1200);
  c.at<SrtConfig>().peer_idle_timeout = milliseconds(2500);
  c.at<SrtConfig>().passphrases = {{"live", "correct horse battery"}};
  c.at<SrtConfig>().pbkeylen = 32;
  c.at<HttpConfig>().enabled = false;
  c.at<HttpConfig>().listen = "[::1]:8081";
  c.at<HttpConfig>().max_header_bytes = 32 << 10;
  c.at<HttpConfig>().max_body_bytes = 0;
  c.at<HttpConfig>().idle_timeout = milliseconds(45000);
  c.at<HttpConfig>().cors_origin = "";
  c.at<HlsSettings>().enabled = false;
  c.at<HlsSettings>().segment_duration = 1.5;
  c.at<HlsSettings>().window = 10;
  c.at<HlsSettings>().keep_extra = 0;
  c.at<HlsSettings>().max_segment_duration = 12.25;
  c.at<HlsSettings>().dir = "/var/tmp/hls dir";
  c.at<FanoutConfig>().max_queue_bytes = 1536 << 10;
  c.at<FanoutConfig>().max_lag = milliseconds(750);
  c.at<FanoutConfig>().max_skips = 0;
  c.at<FanoutConfig>().skip_window = milliseconds(90000);
  c.at<FanoutConfig>().coalesce = milliseconds(20);
  c.at<FanoutConfig>().send_buffer = 256 << 10;
  c.stream.max_gop_cache_bytes = 100001;
  c.stream.linger = milliseconds(0);
  c.stream.max_streams = 5;
  c.stream.max_name_length = 64;
  c.at<AuthConfig>().publish_keys = {{"live", {{"sk_live_1: \"x\"", "channel-1"}, {"k2", ""}}},
                                     {"tv", {}}};
  c.at<AuthConfig>().keys_file = "/etc/firstmile/keys.yaml";
  c.at<AuthConfig>().play = PlayAuth::Webhook;
  c.at<AuthConfig>().play_secret = "0123456789abcdef-secret";
  c.at<AuthConfig>().play_cache = milliseconds(2500);
  c.at<AuthConfig>().webhook_fail_open = true;
  c.at<WebhooksConfig>().on_publish = {"http://127.0.0.1:9000/hooks/on_publish?x=1&y=\"2\""};
  c.at<WebhooksConfig>().on_unpublish = {"http://a/1", "https://b:8443/2"};
  c.at<WebhooksConfig>().on_play = {"http://a/play"};
  c.at<WebhooksConfig>().on_stop = {"http://a/stop"};
  c.at<WebhooksConfig>().on_hls_segment = {"http://a/seg"};
  c.at<WebhooksConfig>().secret = "hook secret #1";
  c.at<WebhooksConfig>().timeout = milliseconds(1500);
  c.at<WebhooksConfig>().max_retries = 0;
  c.at<WebhooksConfig>().retry_backoff = milliseconds(250);
  c.at<WebhooksConfig>().retry_backoff_max = milliseconds(120000);
  c.at<WebhooksConfig>().queue_size = 7;
  c.at<WebhooksConfig>().max_response_bytes = 1000;
  c.at<ApiConfig>().token = "api-token: 'quoted'";
  c.at<MetricsConfig>().enabled = false;
  return c;
}

// The leaf keys of a dump_config() text, as dotted paths ("rtmp.chunk_size").
std::vector<std::pair<std::string, std::string>> leaf_keys(const std::string& dump) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(dump);
  std::string line, section;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    bool indented = line.rfind("  ", 0) == 0;
    std::string name = line.substr(indented ? 2 : 0, colon - (indented ? 2 : 0));
    std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (!indented && colon + 1 == line.size()) {
      section = name;
      continue;
    }
    out.emplace_back(indented ? section + "." + name : name, value);
  }
  return out;
}

TEST(ConfigTest, EmptyDocumentsGiveTheDefaults) {
  for (const char* text : {"", "\n", "# nothing but a comment\n", "---\n", "{}\n"}) {
    SCOPED_TRACE(text);
    Config c = parse_config(text, "cfg.yaml");
    expect_same(c, Config{});
    EXPECT_EQ(c.get<RtmpConfig>().listen, "0.0.0.0:1935");
    EXPECT_EQ(c.get<HttpConfig>().listen, "0.0.0.0:8080");
    EXPECT_EQ(c.get<RtmpConfig>().chunk_size, 4096u);
    EXPECT_EQ(c.get<FanoutConfig>().max_queue_bytes, 8u << 20);
    EXPECT_EQ(c.stream.linger, milliseconds(30000));
    EXPECT_EQ(c.stream.on_conflict, PublishConflict::Refuse);
    EXPECT_TRUE(c.get<HlsSettings>().enabled);
  }
}

TEST(ConfigTest, DumpOfDefaultsIsReadableYaml) {
  std::string dump = dump_config(Config{});
  EXPECT_NE(dump.find("rtmp:\n  enabled: true\n  listen: \"0.0.0.0:1935\"\n  chunk_size: 4096\n"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("  max_queue_bytes: 8MiB\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("  max_lag: 5s\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("  segment_duration: 2\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("  on_conflict: refuse\n"), std::string::npos) << dump;
}

TEST(ConfigTest, DefaultsRoundTrip) {
  Config c = parse_config(dump_config(Config{}, true), "dump");
  expect_same(c, Config{});
  EXPECT_EQ(dump_config(c), dump_config(Config{}));
}

TEST(ConfigTest, EveryChangedKeyRoundTrips) {
  Config changed = all_changed();
  std::string dump = dump_config(changed, true);
  Config back = parse_config(dump, "dump");
  expect_same(back, changed);
  EXPECT_EQ(dump_config(back, true), dump);
  // Every field really is away from its default, so a key that were not dumped or not read
  // back would show up above as a default value.
  EXPECT_NE(dump, dump_config(Config{}));
}

TEST(ConfigTest, EveryDumpedKeyLoadsOnItsOwn) {
  Config changed = all_changed();
  auto defaults = leaf_keys(dump_config(Config{}, true));
  auto values = leaf_keys(dump_config(changed, true));
  ASSERT_EQ(defaults.size(), values.size());
  ASSERT_GE(defaults.size(), 36u);
  std::set<std::string> seen;
  for (size_t i = 0; i < values.size(); ++i) {
    const auto& [path, value] = values[i];
    EXPECT_EQ(path, defaults[i].first);
    EXPECT_TRUE(seen.insert(path).second) << "dumped twice: " << path;
    // "a.b: v" as nested YAML.
    auto dot = path.find('.');
    std::string doc = dot == std::string::npos ? path + ": " + value + "\n"
                                               : path.substr(0, dot) + ":\n  " +
                                                     path.substr(dot + 1) + ": " + value + "\n";
    SCOPED_TRACE(doc);
    if (path == "auth.play") {
      // Cross-field rule: webhook play auth needs on_play URLs (checked elsewhere).
      EXPECT_NE(error_of(doc).find("webhooks.on_play"), std::string::npos);
      continue;
    }
    Config one;
    ASSERT_NO_THROW(one = parse_config(doc, "one"));
    // Exactly this key moved away from the default: its dump line now equals the changed one.
    auto got = leaf_keys(dump_config(one, true));
    for (size_t j = 0; j < got.size(); ++j) {
      if (j == i) {
        EXPECT_EQ(got[j].second, value);
      } else {
        EXPECT_EQ(got[j].second, defaults[j].second) << got[j].first;
      }
    }
  }
}

TEST(ConfigTest, PrintConfigRedactsSecrets) {
  Config c = all_changed();
  std::string shown = dump_config(c);
  for (const char* secret :
       {"0123456789abcdef-secret", "hook secret #1", "api-token", "sk_live_1", "horse battery"})
    EXPECT_EQ(shown.find(secret), std::string::npos) << secret << " in\n" << shown;
  // Public names and URLs stay visible.
  EXPECT_NE(shown.find("channel-1"), std::string::npos);
  EXPECT_NE(shown.find("https://b:8443/2"), std::string::npos);
}

TEST(ConfigTest, PublishKeysAcceptListsAndMaps) {
  Config c = parse_config("auth:\n  publish_keys:\n    live: [a1, b2]\n    tv:\n      s3: ch-3\n",
                          "cfg.yaml");
  PublishKeys want{{"live", {{"a1", ""}, {"b2", ""}}}, {"tv", {{"s3", "ch-3"}}}};
  EXPECT_EQ(c.get<AuthConfig>().publish_keys, want);
  EXPECT_NE(error_of("auth:\n  publish_keys: [a]\n").find("auth.publish_keys (line 2)"),
            std::string::npos);
  EXPECT_NE(error_of("auth:\n  publish_keys:\n    live: 5\n").find("live: expected"),
            std::string::npos);
}

// Regression (found by tests/fuzz/keys_file_fuzz.cpp): a publish key that --print-config could
// not write as a loadable flow mapping key (over 1024 characters) is refused where it is read.
TEST(ConfigTest, PrintedLongestPublishKeyLoads) {
  std::string longest(1022, 'k');
  Config c = parse_config("auth:\n  publish_keys:\n    live: [" + longest + "]\n", "cfg.yaml");
  Config again = parse_config(dump_config(c, true), "printed.yaml");
  EXPECT_EQ(again.get<AuthConfig>().publish_keys, c.get<AuthConfig>().publish_keys);
  EXPECT_NE(error_of("auth:\n  publish_keys:\n    live: [" + longest + "k]\n")
                .find("auth.publish_keys (line 2): live: a stream key of 1023 bytes"),
            std::string::npos);
}

TEST(ConfigTest, WebhookUrlsAndPlayAuthAreChecked) {
  EXPECT_NE(error_of("webhooks:\n  on_publish: [ftp://x]\n").find("webhooks.on_publish"),
            std::string::npos);
  Config one = parse_config("webhooks:\n  on_stop: http://h/x\n", "cfg.yaml");
  EXPECT_EQ(one.get<WebhooksConfig>().on_stop, std::vector<std::string>{"http://h/x"});
  EXPECT_NE(error_of("auth:\n  play: token\n").find("auth.play_secret"), std::string::npos);
  EXPECT_NE(error_of("auth:\n  play: webhook\n").find("webhooks.on_play"), std::string::npos);
  EXPECT_NE(error_of("auth:\n  play: maybe\n").find("not one of"), std::string::npos);
}

TEST(ConfigTest, AcceptsAlternativeSpellings) {
  Config c = parse_config(
      "rtmp:\n  enabled: off\n  chunk_size: 8KiB\n  on_conflict: takeover\n"
      "http:\n  enabled: yes\n  idle_timeout: 1.5\n"
      "fanout:\n  max_queue_bytes: 1M\n  coalesce: 0\n",
      "cfg.yaml");
  EXPECT_FALSE(c.get<RtmpConfig>().enabled);
  EXPECT_EQ(c.get<RtmpConfig>().chunk_size, 8192u);
  EXPECT_EQ(c.stream.on_conflict, PublishConflict::TakeOver);
  EXPECT_TRUE(c.get<HttpConfig>().enabled);
  EXPECT_EQ(c.get<HttpConfig>().idle_timeout, milliseconds(1500));
  EXPECT_EQ(c.get<FanoutConfig>().max_queue_bytes, 1u << 20);
  EXPECT_EQ(c.get<FanoutConfig>().coalesce, milliseconds(0));
}

void expect_error(const std::string& text, std::initializer_list<const char*> parts) {
  SCOPED_TRACE(text);
  std::string e = error_of(text);
  ASSERT_FALSE(e.empty()) << "no ConfigError";
  EXPECT_EQ(e.rfind("cfg.yaml: ", 0), 0u) << e;
  for (const char* p : parts)
    EXPECT_NE(e.find(p), std::string::npos) << "'" << p << "' not in: " << e;
}

TEST(ConfigTest, UnknownKeysNameOriginPathAndLine) {
  expect_error("rtmp:\n  chunk_sise: 4096\n", {"rtmp.chunk_sise", "line 2", "unknown key"});
  expect_error("log:\n  level: info\nrtmpp:\n  enabled: true\n",
               {"rtmpp", "line 3", "unknown key"});
  // A leaf key used as a section, and a section name used at the wrong depth.
  expect_error("workers:\n  count: 2\n", {"workers", "line 1"});
  expect_error("\n\nhls:\n  window: 4\n  rtmp: {}\n", {"hls.rtmp", "line 5", "unknown key"});
}

TEST(ConfigTest, WrongTypesNameOriginPathAndLine) {
  expect_error("rtmp:\n  enabled: maybe\n", {"rtmp.enabled", "line 2", "maybe"});
  expect_error("rtmp:\n  listen: x\n  chunk_size: [1, 2]\n", {"rtmp.chunk_size", "line 3"});
  expect_error("hls:\n  segment_duration: fast\n", {"hls.segment_duration", "line 2", "fast"});
  expect_error("fanout:\n  max_lag: soon\n", {"fanout.max_lag", "line 2", "soon"});
  expect_error("rtmp:\n  chunk_size: 1.5\n", {"rtmp.chunk_size", "line 2", "whole number"});
  expect_error("log:\n  level: loud\n", {"log.level", "line 2", "loud"});
  expect_error("rtmp:\n  on_conflict: share\n", {"rtmp.on_conflict", "line 2", "share"});
  expect_error("node_id: {a: 1}\n", {"node_id", "line 1"});
}

TEST(ConfigTest, OutOfRangeValuesNameOriginPathAndLine) {
  expect_error("rtmp:\n  chunk_size: 64\n", {"rtmp.chunk_size", "line 2", "128"});
  expect_error("workers: 1000\n", {"workers", "line 1", "1000"});
  expect_error("# c\nfanout:\n  coalesce: 5s\n", {"fanout.coalesce", "line 3"});
  expect_error("hls:\n  window: 1\n", {"hls.window", "line 2"});
  expect_error("hls:\n  segment_duration: 61\n", {"hls.segment_duration", "line 2", "61"});
  expect_error("fanout:\n  max_queue_bytes: 1KiB\n", {"fanout.max_queue_bytes", "line 2"});
  expect_error("rtmp:\n  ack_window: 4GiB\n", {"rtmp.ack_window", "line 2"});
  expect_error("stream:\n  linger: 25h\n", {"stream.linger", "line 2"});
  expect_error("rtmp:\n  chunk_size: -1\n", {"rtmp.chunk_size", "line 2"});
}

TEST(ConfigTest, CrossFieldRuleNamesTheKey) {
  expect_error("hls:\n  segment_duration: 4\n  max_segment_duration: 3\n",
               {"hls.max_segment_duration"});
}

TEST(ConfigTest, BadYamlNamesOriginAndLine) {
  expect_error("rtmp:\n  chunk_size: [1, 2\n", {"line "});
  expect_error("rtmp:\n  listen: a: b\n", {"line 2"});
  expect_error("a: b\n c: d\n  - e\n", {"line "});
  // The line is the one yaml-cpp reports: the unbalanced tab-indented line here.
  std::string e = error_of("log:\n  level: info\n\tformat: text\n");
  EXPECT_NE(e.find("cfg.yaml: line 3"), std::string::npos) << e;
}

TEST(ConfigTest, TopLevelMustBeAMapping) {
  EXPECT_NE(error_of("- a\n- b\n").find("cfg.yaml"), std::string::npos);
  EXPECT_NE(error_of("just text\n").find("top level"), std::string::npos);
}

TEST(ConfigTest, LoadConfigFileNamesTheFile) {
  try {
    load_config_file("/nonexistent/firstmile-test.yaml");
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/firstmile-test.yaml"), std::string::npos);
  }
}

// Regression: a section given a non-mapping value fails with "cfg.yaml: rtmp: expected a mapping":
// no line number, unlike every other wrong-type error. And a section left empty with all its keys
// commented out (a common way to write YAML) fails the same way, where it should mean "all
// defaults".
TEST(ConfigTest, SectionOfWrongTypeNamesTheLine) {
  expect_error("log:\n  level: info\nrtmp: 5\n", {"rtmp", "line 3"});
  Config c;
  EXPECT_NO_THROW(
      c = parse_config("log:\n  level: info\nrtmp:\n#  chunk_size: 4096\n", "cfg.yaml"));
  EXPECT_EQ(c.get<RtmpConfig>().chunk_size, 4096u);
}

// Regression: a complex (non-scalar) key escapes as YAML::BadConversion instead of ConfigError, so
// the error names neither the file nor the line.
TEST(ConfigTest, NonScalarKeyIsAConfigError) {
  expect_error("? [a, b]\n: 1\n", {"line 1"});
}

// Regression (found by tests/fuzz/config_fuzz.cpp and keys_file_fuzz.cpp): a value holding bytes
// that are not UTF-8, or a Unicode noncharacter, loaded, but printed as U+FFFD (yaml-cpp's
// emitter), so --print-config, the config hash and the reload's changed keys saw another value
// than the one in use. YAML is Unicode text (YAML 1.2, 5.2): such a value is refused, naming the
// key and the line; UTF-8 text is kept as it is.
TEST(ConfigTest, ValueThatIsNotUtf8IsAConfigError) {
  expect_error(
      "node_id: \"edge\xff"
      "1\"\n",
      {"node_id (line 1)", "not valid UTF-8"});
  expect_error(
      "auth:\n  publish_keys:\n    live:\n      sk\xbf"
      "1: channel-1\n",
      {"auth.publish_keys (line 2)", "not valid UTF-8"});
  expect_error("webhooks:\n  on_stop: \"http://h/\xc0\xaf\"\n", {"webhooks.on_stop"});  // overlong
  expect_error("node_id: \"\xed\xa0\x80\"\n", {"node_id"});                             // surrogate
  expect_error("node_id: \"\xef\xbf\xbf\"\n", {"node_id", "noncharacter"});             // U+FFFF
  Config c = parse_config("node_id: \"caf\xc3\xa9-\xf0\x9f\x8e\xa5\"\n", "cfg.yaml");
  EXPECT_EQ(c.node_id, "caf\xc3\xa9-\xf0\x9f\x8e\xa5");
  Config again = parse_config(dump_config(c, true), "printed.yaml");
  EXPECT_EQ(again.node_id, c.node_id);
}

// ---- parse_duration ----

TEST(ConfigDuration, Vectors) {
  EXPECT_EQ(parse_duration("10s"), milliseconds(10000));
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("2m"), milliseconds(120000));
  EXPECT_EQ(parse_duration("3min"), milliseconds(180000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3600000));
  EXPECT_EQ(parse_duration("1.5"), milliseconds(1500));  // bare number: seconds
  EXPECT_EQ(parse_duration("30"), milliseconds(30000));
  EXPECT_EQ(parse_duration("0.25s"), milliseconds(250));
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
  EXPECT_EQ(parse_duration(" 10 s "), milliseconds(10000));
  EXPECT_EQ(parse_duration("0.5m"), milliseconds(30000));
  EXPECT_EQ(parse_duration(".5s"), milliseconds(500));
  EXPECT_EQ(parse_duration("1.4ms"), milliseconds(1));  // rounded to the nearest millisecond
  EXPECT_EQ(parse_duration("0.0006s"), milliseconds(1));
}

TEST(ConfigDuration, Refusals) {
  for (const char* bad :
       {"",    " ",     "s",     "ms", "10x", "10sec", "10 S", "-1s",  "-5",    "+5s",
        "ten", "1..5s", "1.2.3", ".",  "1e3", "nan",   "inf",  "10s5", "5 s s", "99999999999h"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_duration(bad), ConfigError);
  }
  try {
    parse_duration("10parsecs");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("10parsecs"), std::string::npos) << e.what();
  }
}

// ---- parse_size ----

TEST(ConfigSize, Vectors) {
  EXPECT_EQ(parse_size("8MiB"), 8u << 20);
  EXPECT_EQ(parse_size("512KiB"), 512u << 10);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("1M"), 1u << 20);
  EXPECT_EQ(parse_size("2G"), 2ull << 30);
  EXPECT_EQ(parse_size("2GiB"), 2ull << 30);
  EXPECT_EQ(parse_size("1K"), 1024u);
  EXPECT_EQ(parse_size("1k"), 1024u);
  EXPECT_EQ(parse_size("1KB"), 1000u);
  EXPECT_EQ(parse_size("1kB"), 1000u);
  EXPECT_EQ(parse_size("3MB"), 3000000u);
  EXPECT_EQ(parse_size("1GB"), 1000000000u);
  EXPECT_EQ(parse_size("7B"), 7u);
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("1.5KiB"), 1536u);
  EXPECT_EQ(parse_size("0.5M"), 512u << 10);
  EXPECT_EQ(parse_size(" 64 KiB "), 64u << 10);
  EXPECT_EQ(parse_size("16384GiB"), 16384ull << 30);
}

TEST(ConfigSize, Refusals) {
  for (const char* bad : {"", "MiB", "8XB", "8 mib", "8Mi", "-1", "-1MiB", "+1", "1.5", "0.5",
                          "ten", "1e6", "8MiB8", "1..2K", "99999999999GB", "nan"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_size(bad), ConfigError);
  }
}

// Regression: parse_size refuses a fraction of a byte written as a bare number ("1.5") but accepts
// the same value with the explicit byte unit ("1.5B" -> 1): the whole-number check only looks
// at unit-less input.
TEST(ConfigSize, FractionOfAByteWithUnitIsRefused) {
  EXPECT_THROW(parse_size("1.5B"), ConfigError);
}

}  // namespace
}  // namespace firstmile
