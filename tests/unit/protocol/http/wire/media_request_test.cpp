#include "protocol/http/wire/media_request.hpp"

#include <gtest/gtest.h>

namespace firstmile::http {
namespace {

TEST(LlHlsDirectives, NoneAndAll) {
  auto none = parse_ll_hls_directives("");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->msn);
  EXPECT_FALSE(none->skip);
  auto all = parse_ll_hls_directives("_HLS_msn=273&_HLS_part=2&_HLS_skip=YES");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->msn, 273u);
  EXPECT_EQ(all->part, 2u);
  EXPECT_TRUE(all->skip);
  // Other parameters (a signed URL's) are not directives.
  auto signed_url = parse_ll_hls_directives("expires=1700000000&token=abc&_HLS_msn=0");
  ASSERT_TRUE(signed_url);
  EXPECT_EQ(signed_url->msn, 0u);
  EXPECT_FALSE(signed_url->part);
  EXPECT_TRUE(parse_ll_hls_directives("_HLS_skip=v2")->skip);
}

TEST(LlHlsDirectives, RefusedWithTheReason) {
  struct Case {
    const char* query;
    const char* reason;
  };
  for (const Case& c : {
           Case{"_HLS_part=1", "_HLS_part without _HLS_msn"},
           Case{"_HLS_msn=-1", "_HLS_msn is not a decimal integer"},
           Case{"_HLS_msn=1e3", "_HLS_msn is not a decimal integer"},
           Case{"_HLS_msn=", "_HLS_msn is not a decimal integer"},
           Case{"_HLS_msn=1000000000000000", "_HLS_msn is not a decimal integer"},  // 10^15
           Case{"_HLS_msn=5&_HLS_part=+1", "_HLS_part is not a decimal integer"},
           Case{"_HLS_msn=5&_HLS_part=99999999999999999999", "_HLS_part is not a decimal"},
           Case{"_HLS_skip=NO", "_HLS_skip must be YES or v2"},
           Case{"_HLS_msn=%zz", "malformed query"},
       }) {
    auto r = parse_ll_hls_directives(c.query);
    ASSERT_FALSE(r) << c.query;
    EXPECT_NE(r.error().message.find(c.reason), std::string::npos)
        << c.query << ": " << r.error().message;
  }
  // The largest accepted value leaves room for msn + 2.
  EXPECT_EQ(parse_ll_hls_directives("_HLS_msn=999999999999999")->msn, 999999999999999u);
}

}  // namespace
}  // namespace firstmile::http
