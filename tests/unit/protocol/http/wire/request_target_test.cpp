#include "protocol/http/wire/request_target.hpp"

#include <gtest/gtest.h>

namespace firstmile::http {
namespace {

using Segs = std::vector<std::string>;

TEST(RequestTarget, SegmentsOfMediaAndApiPaths) {
  EXPECT_EQ(path_segments("/live/cam1/index.m3u8?_HLS_msn=5&_HLS_part=2"),
            Segs({"live", "cam1", "index.m3u8"}));
  EXPECT_EQ(path_segments("/api/v1/streams/live/cam1"),
            Segs({"api", "v1", "streams", "live", "cam1"}));
  EXPECT_EQ(path_segments("/"), Segs{});
  EXPECT_EQ(path_segments("/live/"), Segs{"live"});  // a trailing slash adds nothing
  EXPECT_EQ(path_segments("/a//b"), Segs({"a", "", "b"}));
}

TEST(RequestTarget, SegmentsAreDecoded) {
  // A decoded segment may hold '/' or NUL: the route captures it as it is, the handler's
  // valid_name refuses it.
  EXPECT_EQ(path_segments("/live/cam%2F1/index.m3u8"), Segs({"live", "cam/1", "index.m3u8"}));
  EXPECT_EQ(path_segments("/a%00b"), Segs{std::string("a\0b", 3)});
  EXPECT_EQ(path_segments("/%2e%2e/x"), Segs({"..", "x"}));
}

TEST(RequestTarget, OnlyOriginFormIsAccepted) {
  EXPECT_EQ(path_segments("http://example.com/live"), std::nullopt);  // absolute-form
  EXPECT_EQ(path_segments("*"), std::nullopt);                        // asterisk-form
  EXPECT_EQ(path_segments("live/cam1"), std::nullopt);
  EXPECT_EQ(path_segments(""), std::nullopt);
  EXPECT_EQ(path_segments("/bad%zzescape"), std::nullopt);
  EXPECT_EQ(path_segments("/with space"), std::nullopt);
}

}  // namespace
}  // namespace firstmile::http
