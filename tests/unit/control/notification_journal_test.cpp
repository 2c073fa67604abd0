#include "control/notification_journal.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

namespace firstmile::control {
namespace {

namespace fs = std::filesystem;

class NotificationJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (fs::temp_directory_path() /
             ("journal_test_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    fs::remove(path_);
  }
  void TearDown() override {
    fs::remove(path_);
    fs::remove(path_ + ".tmp");
  }
  std::string text() const {
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static JournalEntry entry(std::string id, std::string url = "http://127.0.0.1:9/hook") {
    return {std::move(id), "on_stop", std::move(url), R"({"event":"on_stop","a":"x\ty"})"};
  }
  std::string path_;
};

TEST_F(NotificationJournalTest, WhatWasNotDeliveredComesBackAfterARestart) {
  {
    NotificationJournal j;
    auto pending = j.open(path_, 1 << 20);
    ASSERT_TRUE(pending.ok());
    EXPECT_TRUE(pending->empty());
    EXPECT_TRUE(j.accepted(entry("a")));
    EXPECT_TRUE(j.accepted(entry("b")));
    EXPECT_TRUE(j.accepted(entry("b", "http://127.0.0.1:9/other")));  // one per URL
    EXPECT_TRUE(j.accepted(entry("c")));
    j.ended("b", "http://127.0.0.1:9/hook");
    j.ended("zzz", "http://127.0.0.1:9/hook");  // unknown: nothing written
    EXPECT_EQ(j.pending(), 3u);
  }
  // A crash mid-write leaves a torn last line: it is skipped.
  std::ofstream(path_, std::ios::app) << "A\td\ton_play";
  NotificationJournal j;
  auto pending = j.open(path_, 1 << 20);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ((*pending)[0].id, "a");
  EXPECT_EQ((*pending)[1].id, "b");
  EXPECT_EQ((*pending)[1].url, "http://127.0.0.1:9/other");
  EXPECT_EQ((*pending)[2].id, "c");
  EXPECT_EQ((*pending)[2].event, "on_stop");
  EXPECT_EQ((*pending)[2].body, entry("c").body);
  // Opening rewrote the file with the pending entries only.
  const std::string rewritten = text();
  EXPECT_EQ(rewritten.find("D\t"), std::string::npos);
  EXPECT_EQ(std::count(rewritten.begin(), rewritten.end(), '\n'), 3);
}

TEST_F(NotificationJournalTest, StaysWithinItsSize) {
  NotificationJournal j;
  const size_t line =
      std::string("A\t").size() + 2 + 1 + 7 + 1 + 23 + 1 + entry("x").body.size() + 1;
  ASSERT_TRUE(j.open(path_, 10 * line).ok());
  // Accepted and ended over and over: the file is compacted, never past its bound.
  for (int i = 0; i < 100; ++i) {
    auto id = std::to_string(10 + i);
    ASSERT_TRUE(j.accepted(entry(id))) << i;
    j.ended(id, "http://127.0.0.1:9/hook");
    EXPECT_LE(fs::file_size(path_), 10 * line);
  }
  // Pending entries alone fill it: new ones are skipped (counted), never over the bound.
  int written = 0;
  for (int i = 0; i < 20; ++i)
    written += j.accepted(entry(std::to_string(10 + i))) ? 1 : 0;
  EXPECT_EQ(written, 10);
  EXPECT_EQ(j.skipped(), 10u);
  EXPECT_LE(fs::file_size(path_), 10 * line);
  // A newline in a field would break the format: not journaled.
  EXPECT_FALSE(j.accepted({"n", "on_play", "http://x/\n", "{}"}));
}

TEST_F(NotificationJournalTest, AnUnwritablePathIsAnError) {
  NotificationJournal j;
  auto r = j.open("/nonexistent-dir/journal", 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("webhooks.journal /nonexistent-dir/journal"), std::string::npos);
  EXPECT_FALSE(j.is_open());
  EXPECT_FALSE(j.accepted(entry("a")));
}

}  // namespace
}  // namespace firstmile::control
