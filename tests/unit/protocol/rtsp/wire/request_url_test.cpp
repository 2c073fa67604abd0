#include "protocol/rtsp/wire/request_url.hpp"

#include <gtest/gtest.h>

namespace firstmile::rtsp {
namespace {

using Segments = std::vector<std::string>;

TEST(RtspRequestUrl, AbsoluteUrls) {
  auto u = parse_request_url("rtsp://127.0.0.1:8554/live/cam?key=abc");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->segments, (Segments{"live", "cam"}));
  EXPECT_EQ(u->query, "key=abc");
  auto setup = parse_request_url("rtsp://user:pw@example.com/live/cam/streamid=0");
  ASSERT_TRUE(setup);
  EXPECT_EQ(setup->segments, (Segments{"live", "cam", "streamid=0"}));
  auto bare = parse_request_url("rtsp://example.com");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->segments.empty());
  auto slash = parse_request_url("rtsp://example.com/live/cam/");
  ASSERT_TRUE(slash);
  EXPECT_EQ(slash->segments, (Segments{"live", "cam"}));
  auto query_only = parse_request_url("rtsp://example.com?x=1");
  ASSERT_TRUE(query_only);
  EXPECT_EQ(query_only->query, "x=1");
}

TEST(RtspRequestUrl, Paths) {
  auto u = parse_request_url("/live/cam");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->segments, (Segments{"live", "cam"}));
}

TEST(RtspRequestUrl, Refusals) {
  for (std::string_view bad : {"*", "live/cam", "http//x", "rtsp://h/live//cam", "rtsp://h//",
                               "rtsp://h/live/%2e%2e", "/a//"}) {
    EXPECT_FALSE(parse_request_url(bad)) << bad;
  }
}

}  // namespace
}  // namespace firstmile::rtsp
