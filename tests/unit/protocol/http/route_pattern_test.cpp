#include "protocol/http/route_pattern.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace firstmile::http {
namespace {

using Segs = std::vector<std::string>;

TEST(RoutePattern, LiteralsMatchExactly) {
  RoutePattern p("/api/v1/streams");
  EXPECT_TRUE(p.match(Segs{"api", "v1", "streams"}));
  EXPECT_FALSE(p.match(Segs{"api", "v1"}));
  EXPECT_FALSE(p.match(Segs{"api", "v1", "streams", "x"}));
  EXPECT_FALSE(p.match(Segs{"api", "v1", "Streams"}));
  RoutePattern root("/");
  EXPECT_TRUE(root.match(Segs{}));
  EXPECT_FALSE(root.match(Segs{"x"}));
}

TEST(RoutePattern, NamedCaptures) {
  RoutePattern p("/{app}/{stream}/dash/{file}");
  auto c = p.match(Segs{"live", "cam", "dash", "k3-12.m4s"});
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)["app"], "live");
  EXPECT_EQ((*c)["stream"], "cam");
  EXPECT_EQ((*c)["file"], "k3-12.m4s");
  EXPECT_EQ((*c)["nope"], "");
  EXPECT_FALSE(p.match(Segs{"live", "cam", "hls", "x"}));
}

TEST(RoutePattern, StemCaptureTakesThePartBeforeTheSuffix) {
  RoutePattern p("/{app}/{stream}.flv");
  auto c = p.match(Segs{"live", "cam.flv"});
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)["stream"], "cam");
  EXPECT_EQ((*p.match(Segs{"live", "a.b.flv"}))["stream"], "a.b");
  EXPECT_EQ((*p.match(Segs{"live", ".flv"}))["stream"], "");
  EXPECT_FALSE(p.match(Segs{"live", "cam.flv2"}));
  EXPECT_FALSE(p.match(Segs{"live", "cam"}));
}

TEST(RoutePattern, SuffixedCaptureKeepsTheWholeSegment) {
  RoutePattern p("/{app}/{stream}/{file:.m3u8,.ts,.m4s,.mp4}");
  for (const char* f : {"index.m3u8", "k3-1.ts", "k3-1.2.m4s", "init.mp4"}) {
    auto c = p.match(Segs{"live", "cam", f});
    ASSERT_TRUE(c) << f;
    EXPECT_EQ((*c)["file"], f);
  }
  for (const char* f : {"x.js", "index.mpd", "m3u8", "x.ts.bak"})
    EXPECT_FALSE(p.match(Segs{"live", "cam", f})) << f;
}

TEST(RoutePattern, RestCapturesZeroOrMoreSegments) {
  RoutePattern p("/console/{*path}");
  auto none = p.match(Segs{"console"});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->rest.empty());
  auto two = p.match(Segs{"console", "assets", "x.js"});
  ASSERT_TRUE(two);
  EXPECT_EQ(two->rest, (Segs{"assets", "x.js"}));
  EXPECT_FALSE(p.match(Segs{"consoles", "x"}));
  EXPECT_FALSE(p.match(Segs{}));
}

TEST(RoutePattern, MalformedPatternsThrow) {
  for (const char* bad : {"", "api", "/a//b", "/{", "/{}", "/{a b}", "/{*rest}/x", "/{*r}.x",
                          "/a{b}", "/{x:}", "/{x:.a,}", "/{x:.a}b", "/{a}{b}"})
    EXPECT_THROW(RoutePattern{bad}, std::invalid_argument) << bad;
}

TEST(RoutePattern, SpecificityLiteralThenSuffixThenCaptureThenRest) {
  auto cmp = [](const char* a, const char* b) {
    return RoutePattern(a).compare_specificity(RoutePattern(b));
  };
  EXPECT_LT(cmp("/api/v1/{*rest}", "/{app}/{stream}/{file:.m3u8}"), 0);
  EXPECT_LT(cmp("/{app}/{stream}/index.mpd", "/{app}/{stream}/{file:.mpd}"), 0);
  EXPECT_LT(cmp("/{app}/{stream}/{file:.m3u8}", "/{app}/{stream}/{file}"), 0);
  EXPECT_LT(cmp("/{app}/{stream}.flv", "/{app}/{stream}"), 0);
  EXPECT_LT(cmp("/api/v1/streams", "/api/v1/{*rest}"), 0);
  EXPECT_LT(cmp("/api/v1", "/api/v1/{*rest}"), 0);  // ends where the other has a rest
  EXPECT_LT(cmp("/{a}/{b}", "/{*rest}"), 0);
  EXPECT_GT(cmp("/{*rest}", "/x"), 0);
  EXPECT_EQ(cmp("/{a}/x", "/{b}/y"), 0);
  EXPECT_EQ(cmp("/{a}.flv", "/{b:.ts}"), 0);
}

}  // namespace
}  // namespace firstmile::http
