#include "core/stream_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace firstmile::media {
namespace {

TEST(StreamNameTest, AcceptsUrlAndFileSafeNames) {
  for (const char* ok : {"live", "a", "stream_1", "Cam-02", "v1.2", "key~x", "...", ".hidden",
                         "a..b", "0", "ABCxyz019._~-"}) {
    EXPECT_TRUE(valid_name(ok)) << ok;
  }
}

TEST(StreamNameTest, RefusesDirectoryEscapes) {
  for (const char* bad :
       {".", "..", "../x", "a/b", "/", "a\\b", "..\\x", "%2e", "%2e%2e", "a%2fb", "%00"}) {
    EXPECT_FALSE(valid_name(bad)) << bad;
  }
}

TEST(StreamNameTest, RefusesEmptySpacesAndControlBytes) {
  EXPECT_FALSE(valid_name(""));
  EXPECT_FALSE(valid_name(" "));
  EXPECT_FALSE(valid_name("my stream"));
  EXPECT_FALSE(valid_name("tab\there"));
  EXPECT_FALSE(valid_name("line\n"));
  EXPECT_FALSE(valid_name("q?x=1"));
  EXPECT_FALSE(valid_name("a#b"));
  EXPECT_FALSE(valid_name("a:b"));
  EXPECT_FALSE(valid_name("caf\xc3\xa9"));  // UTF-8: not in the allowed set
  EXPECT_FALSE(valid_name("\x7f"));
}

TEST(StreamNameTest, RefusesNulInsideAStdString) {
  std::string with_nul("abc\0def", 7);
  ASSERT_EQ(with_nul.size(), 7u);
  EXPECT_FALSE(valid_name(with_nul));
  EXPECT_FALSE(valid_name(std::string(1, '\0')));
  EXPECT_FALSE(valid_name(std::string("live\0", 5)));
  // The same bytes without the NUL are fine: only the NUL is refused.
  EXPECT_TRUE(valid_name(std::string("abcdef")));
}

TEST(StreamNameTest, LengthLimit) {
  EXPECT_TRUE(valid_name(std::string(256, 'a')));
  EXPECT_FALSE(valid_name(std::string(257, 'a')));
  EXPECT_TRUE(valid_name(std::string(8, 'x'), 8));
  EXPECT_FALSE(valid_name(std::string(9, 'x'), 8));
  EXPECT_TRUE(valid_name(std::string(4096, 'k'), 4096));
}

TEST(StreamNameTest, UsableAtCompileTime) {
  static_assert(valid_name("live"));
  static_assert(!valid_name(".."));
  SUCCEED();
}

}  // namespace
}  // namespace firstmile::media
