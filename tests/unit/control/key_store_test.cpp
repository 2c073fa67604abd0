#include "control/key_store.hpp"
#include "quiet_log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <fstream>
#include <thread>

namespace firstmile::control {
namespace {

using test::quiet_log;

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("keys-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    file_ = (dir_ / "keys.yaml").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& text) {
    std::ofstream(file_, std::ios::trunc) << text;
    // Make the change visible to a size+mtime check even within one timestamp tick.
    std::filesystem::last_write_time(
        file_, std::filesystem::last_write_time(file_) + std::chrono::seconds(++tick_));
  }
  std::filesystem::path dir_;
  std::string file_;
  int tick_ = 0;
  KeyStore store_{quiet_log()};
};

TEST_F(KeyStoreTest, InlineKeysAllowRenameOrDeny) {
  ASSERT_TRUE(store_.configure({{"live", {{"sk_1", "channel-1"}, {"plain", ""}}}}, ""));
  auto a = store_.check("live", "sk_1");
  EXPECT_EQ(a.verdict, KeyStore::Verdict::Allowed);
  EXPECT_EQ(a.stream, "channel-1");
  auto b = store_.check("live", "plain");
  EXPECT_EQ(b.verdict, KeyStore::Verdict::Allowed);
  EXPECT_EQ(b.stream, "plain");
  EXPECT_EQ(store_.check("live", "sk_2").verdict, KeyStore::Verdict::Denied);
  EXPECT_EQ(store_.check("live", "sk_").verdict, KeyStore::Verdict::Denied);
  EXPECT_EQ(store_.check("live", "").verdict, KeyStore::Verdict::Denied);
  // Apps without keys are not decided here.
  EXPECT_EQ(store_.check("other", "sk_1").verdict, KeyStore::Verdict::NoKeys);
}

TEST_F(KeyStoreTest, KeyProvenWithoutBeingSent) {
  // A Digest answer: the store asks about every key and reports the one that matched.
  ASSERT_TRUE(store_.configure({{"live", {{"sk_1", "channel-1"}, {"sk_2", ""}}}}, ""));
  std::vector<std::string> asked;
  std::string key;
  auto knows = [&](std::string_view candidate) {
    asked.emplace_back(candidate);
    return candidate == "sk_2";
  };
  auto a = store_.check_known("live", knows, key);
  EXPECT_EQ(a.verdict, KeyStore::Verdict::Allowed);
  EXPECT_EQ(a.stream, "sk_2");
  EXPECT_EQ(key, "sk_2");
  EXPECT_EQ(asked.size(), 2u);  // no early exit
  key.clear();
  auto none = store_.check_known(
      "live", [](std::string_view) { return false; }, key);
  EXPECT_EQ(none.verdict, KeyStore::Verdict::Denied);
  EXPECT_EQ(key, "");
  EXPECT_EQ(store_.check_known("other", knows, key).verdict, KeyStore::Verdict::NoKeys);
  EXPECT_TRUE(store_.has_keys("live"));
  EXPECT_FALSE(store_.has_keys("other"));
}

TEST_F(KeyStoreTest, AppWithEmptyKeyListRefusesEverything) {
  ASSERT_TRUE(store_.configure({{"locked", {}}}, ""));
  EXPECT_EQ(store_.check("locked", "x").verdict, KeyStore::Verdict::Denied);
}

TEST_F(KeyStoreTest, KeysFileMergesAndReloadsOnChange) {
  write("live:\n  filekey: from-file\n");
  ASSERT_TRUE(store_.configure({{"live", {{"inline", ""}}}}, file_));
  EXPECT_EQ(store_.check("live", "filekey").stream, "from-file");
  EXPECT_EQ(store_.check("live", "inline").verdict, KeyStore::Verdict::Allowed);

  write("live: [newkey]\ntv: {k: ch}\n");
  store_.poll();
  EXPECT_EQ(store_.check("live", "filekey").verdict, KeyStore::Verdict::Denied);
  EXPECT_EQ(store_.check("live", "newkey").verdict, KeyStore::Verdict::Allowed);
  EXPECT_EQ(store_.check("tv", "k").stream, "ch");

  // A broken file keeps the last good keys.
  write("live: [unclosed\n");
  store_.poll();
  EXPECT_EQ(store_.check("live", "newkey").verdict, KeyStore::Verdict::Allowed);
  // So does a vanished one.
  std::filesystem::remove(file_);
  store_.poll();
  EXPECT_EQ(store_.check("live", "newkey").verdict, KeyStore::Verdict::Allowed);
}

TEST_F(KeyStoreTest, BadFileAtConfigureIsAnErrorAndKeepsOldKeys) {
  ASSERT_TRUE(store_.configure({{"live", {{"a", ""}}}}, ""));
  auto st = store_.configure({}, file_);  // does not exist
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("auth.keys_file"), std::string::npos);
  EXPECT_EQ(store_.check("live", "a").verdict, KeyStore::Verdict::Allowed);
  write("live: 5\n");
  st = store_.configure({}, file_);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("keys.yaml"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace firstmile::control
