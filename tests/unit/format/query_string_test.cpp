#include "format/query_string.hpp"

#include <gtest/gtest.h>

namespace firstmile::format {
namespace {

TEST(QueryString, SplitsAndDecodes) {
  auto q = parse_query("key=ab%2Fc&expires=1700000000&flag&&name=a+b%20c");
  ASSERT_TRUE(q) << q.error().message;
  QueryParams want{{"key", "ab/c"}, {"expires", "1700000000"}, {"flag", ""}, {"name", "a b c"}};
  EXPECT_EQ(*q, want);
  EXPECT_EQ(query_value(*q, "key"), "ab/c");
  EXPECT_EQ(query_value(*q, "flag"), "");
  EXPECT_FALSE(query_value(*q, "missing"));
}

TEST(QueryString, EmptyAndRepeated) {
  EXPECT_TRUE(parse_query("")->empty());
  EXPECT_TRUE(parse_query("&&&")->empty());
  auto q = parse_query("a=1&a=2");
  ASSERT_EQ(q->size(), 2u);
  EXPECT_EQ(query_value(*q, "a"), "1");  // the first wins
  EXPECT_EQ(*parse_query("=v"), (QueryParams{{"", "v"}}));
  EXPECT_EQ(*parse_query("a=b=c"), (QueryParams{{"a", "b=c"}}));
}

TEST(QueryString, RefusesBadEscapesNulAndOversize) {
  EXPECT_NE(parse_query("a=%4").error().message.find("truncated"), std::string::npos);
  EXPECT_NE(parse_query("a=%").error().message.find("truncated"), std::string::npos);
  EXPECT_NE(parse_query("a=%zz").error().message.find("bad %-escape"), std::string::npos);
  EXPECT_NE(parse_query("a=%00").error().message.find("NUL"), std::string::npos);
  EXPECT_NE(parse_query(std::string(5000, 'a')).error().message.find("over the limit"),
            std::string::npos);
  std::string many;
  for (int i = 0; i < 65; ++i)
    many.append("k").append(std::to_string(i)).append("=v&");
  EXPECT_NE(parse_query(many).error().message.find("more than 64"), std::string::npos);
  EXPECT_TRUE(parse_query(many, QueryLimits{.max_length = 4096, .max_params = 100}));
}

TEST(QueryString, EscapeRoundTrips) {
  std::string raw = "a b/c?d=e&f~g_h.i-j%\xff";
  EXPECT_EQ(query_escape(raw), "a%20b%2Fc%3Fd%3De%26f~g_h.i-j%25%FF");
  auto back = parse_query("x=" + query_escape(raw));
  ASSERT_TRUE(back);
  EXPECT_EQ(query_value(*back, "x"), raw);
}

}  // namespace
}  // namespace firstmile::format
