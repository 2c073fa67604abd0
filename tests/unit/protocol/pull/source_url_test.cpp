// A pulled source's URL: split for the client, shown without its secrets.
#include "protocol/pull/source_url.hpp"

#include <gtest/gtest.h>

namespace firstmile::pull {
namespace {

TEST(PullSourceUrl, SplitsWithTheSchemesDefaultPort) {
  auto u = parse_source_url("RTMP://user:pw@Origin.example.com/live/inst/name?k=v%20w", 1935);
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->scheme, "rtmp");
  EXPECT_EQ(u->host, "Origin.example.com");
  EXPECT_EQ(u->port, 1935);
  EXPECT_EQ((u->user + ":" + u->password), "user:pw");
  EXPECT_EQ(u->path, "/live/inst/name");
  EXPECT_EQ(u->query, "k=v%20w");
  EXPECT_EQ(query_param(*u, "k"), "v w");
  EXPECT_EQ(query_param(*u, "absent"), "");
  EXPECT_EQ(u->safe(), "rtmp://Origin.example.com:1935/live/inst/name?k=v%20w");

  auto srt = parse_source_url("srt://[::1]:8890?streamid=%23!::r=live/x,m=request", 0);
  ASSERT_TRUE(srt);
  EXPECT_EQ(srt->host, "::1");
  EXPECT_EQ(srt->authority(), "[::1]:8890");
  EXPECT_EQ(query_param(*srt, "streamid"), "#!::r=live/x,m=request");
  auto no_port = parse_source_url("srt://192.0.2.1?streamid=x", 0);
  ASSERT_TRUE(no_port);
  EXPECT_EQ(no_port->port, 0);
}

TEST(PullSourceUrl, SafeFormMasksThePassphrase) {
  auto u = parse_source_url("srt://h:1?streamid=a&PassPhrase=secret-123&latency=200", 0);
  ASSERT_TRUE(u);
  EXPECT_EQ(query_param(*u, "PassPhrase"), "secret-123");
  EXPECT_EQ(u->safe(), "srt://h:1?streamid=a&PassPhrase=***&latency=200");
  auto only = parse_source_url("srt://h:1?passphrase", 0);
  ASSERT_TRUE(only);
  EXPECT_EQ(only->safe(), "srt://h:1?passphrase=***");
  // Signed URLs and keys of RTMP origins too; other parameters stay.
  EXPECT_EQ(mask_query_secrets("expires=17&token=abc&Key=k&sign=s&x=1&auth"),
            "expires=17&token=***&Key=***&sign=***&x=1&auth=***");
  EXPECT_EQ(mask_query_secrets(""), "");
  EXPECT_EQ(mask_query_secrets("a&&b"), "a&&b");
}

TEST(PullSourceUrl, RefusesWhatIsNoSource) {
  EXPECT_FALSE(parse_source_url("not a url", 1));
  EXPECT_FALSE(parse_source_url("rtmp:/live/x", 1));
  EXPECT_FALSE(parse_source_url("rtmp:///live/x", 1));
  EXPECT_FALSE(parse_source_url("srt://h:0", 1));
  EXPECT_FALSE(parse_source_url("srt://h:65536", 1));
  EXPECT_FALSE(parse_source_url("srt://h:12x", 1));
}

}  // namespace
}  // namespace firstmile::pull
