#include "control/control_config.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

namespace firstmile {
namespace {

std::string keys_error_of(const std::string& text) {
  try {
    parse_keys_text(text, "keys.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(KeysText, ShapesOfAuthPublishKeys) {
  auto keys = parse_keys_text(
      "# stream keys\nlive:\n  sk_live_abc123: channel-42\n  plain:\nbackup: [k1, k2]\nlocked: "
      "[]\n",
      "keys.yaml");
  PublishKeys want{{"live", {{"sk_live_abc123", "channel-42"}, {"plain", ""}}},
                   {"backup", {{"k1", ""}, {"k2", ""}}},
                   {"locked", {}}};
  EXPECT_EQ(keys, want);
  EXPECT_TRUE(parse_keys_text("", "keys.yaml").empty());
}

TEST(KeysText, ErrorsNameTheOrigin) {
  EXPECT_EQ(keys_error_of("live: [a, b\n").rfind("keys.yaml: line ", 0), 0u);
  EXPECT_EQ(keys_error_of("- a\n"), "keys.yaml: expected a mapping of app names to keys");
  EXPECT_EQ(keys_error_of("live: 5\n"),
            "keys.yaml: live: expected a list of keys or a mapping of key to stream name");
  EXPECT_EQ(keys_error_of("live: [\"\"]\n"), "keys.yaml: live: empty stream key");
  EXPECT_EQ(keys_error_of("live: [[a]]\n"), "keys.yaml: expected a single value");
}

// Regression (found by tests/fuzz/keys_file_fuzz.cpp): a key that is not UTF-8, or holds a
// Unicode noncharacter, loaded and was then printed (--print-config, the config hash) as
// U+FFFD, another key than the one in use.
TEST(KeysText, KeyThatIsNotUtf8IsRefused) {
  EXPECT_EQ(keys_error_of("live:\n  sk\xbf: channel-1\n"),
            "keys.yaml: value is not valid UTF-8 or holds a Unicode noncharacter");
  EXPECT_EQ(keys_error_of("live: [\"\xc3\"]\n"),
            "keys.yaml: value is not valid UTF-8 or holds a Unicode noncharacter");
  // A file without a BOM whose second byte is NUL is read as UTF-16LE (yaml-cpp, as YAML 1.2,
  // 5.2 says): U+FFFF, a noncharacter, came out of such a file and printed as U+FFFD.
  EXPECT_EQ(keys_error_of(std::string(" \0 \xff\xff\xff\xff\n:\0\n", 11)),
            "keys.yaml: value is not valid UTF-8 or holds a Unicode noncharacter");
  EXPECT_EQ(keys_error_of("live: [\"a\xef\xb7\x90\"]\n"),  // U+FDD0
            "keys.yaml: value is not valid UTF-8 or holds a Unicode noncharacter");
  auto keys = parse_keys_text("live: [caf\xc3\xa9]\n", "keys.yaml");
  EXPECT_EQ(keys.at("live").count("caf\xc3\xa9"), 1u);
}

// Regression (found by tests/fuzz/keys_file_fuzz.cpp): an app or key over 1024 characters once
// quoted loaded, but --print-config writes it as a flow mapping key, which YAML 1.2 (7.4) limits
// to 1024 characters: the printed configuration did not load.
TEST(KeysText, KeyTooLongToPrintIsRefused) {
  std::string longest(1022, 'k');  // 1024 characters with its quotes
  EXPECT_EQ(parse_keys_text("live: [" + longest + "]\n", "keys.yaml").at("live").count(longest),
            1u);
  EXPECT_EQ(keys_error_of("live: [" + longest + "k]\n"),
            "keys.yaml: live: a stream key of 1023 bytes is over 1024 characters when quoted "
            "(YAML 1.2, 7.4)");
  // Escapes count: 300 control characters print as 1200.
  EXPECT_EQ(keys_error_of("\"" + std::string(300, '\x03') + "\": [k]\n"),
            "keys.yaml: an app name of 300 bytes is over 1024 characters when quoted (YAML 1.2, "
            "7.4)");
}

TEST(KeysFile, ReadsTheFileAndNamesIt) {
  auto dir = std::filesystem::temp_directory_path() / ("keys-text-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "keys.yaml").string();
  std::ofstream(path) << "live:\n  filekey: from-file\n";
  EXPECT_EQ(load_keys_file(path), (PublishKeys{{"live", {{"filekey", "from-file"}}}}));
  std::ofstream(path, std::ios::trunc) << "live: 5\n";
  try {
    load_keys_file(path);
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": live: expected", 0), 0u) << e.what();
  }
  std::filesystem::remove_all(dir);
  try {
    load_keys_file(path);
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": cannot open file");
  }
}

}  // namespace
}  // namespace firstmile
