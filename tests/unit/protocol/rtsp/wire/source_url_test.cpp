#include "protocol/rtsp/wire/source_url.hpp"

#include <gtest/gtest.h>

namespace firstmile::rtsp {
namespace {

TEST(RtspSourceUrl, SplitsCredentialsFromTheUrl) {
  auto u = parse_source_url(
      "rtsp://admin:p%40ss@192.0.2.10:8554/Streaming/Channels/101?transportmode=unicast");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "192.0.2.10");
  EXPECT_EQ(u->port, 8554);
  EXPECT_EQ(u->user, "admin");
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->url, "rtsp://192.0.2.10:8554/Streaming/Channels/101?transportmode=unicast");
}

TEST(RtspSourceUrl, DefaultPortAndPath) {
  auto u = parse_source_url("rtsp://camera.example");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 554);
  EXPECT_TRUE(u->user.empty());
  EXPECT_EQ(u->url, "rtsp://camera.example:554/");
  auto v6 = parse_source_url("rtsp://[2001:db8::1]:10554/live");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->url, "rtsp://[2001:db8::1]:10554/live");
}

TEST(RtspSourceUrl, Refusals) {
  EXPECT_FALSE(parse_source_url("http://host/x"));
  EXPECT_FALSE(parse_source_url("rtsp:///nohost"));
  EXPECT_FALSE(parse_source_url("rtsp://host:0/x"));
  EXPECT_FALSE(parse_source_url("rtsp://host:99999/x"));
  EXPECT_FALSE(parse_source_url("not a url"));
}

TEST(RtspSourceUrl, ControlUrlsAsCamerasWriteThem) {
  // Relative, after a Content-Base with or without its trailing slash.
  EXPECT_EQ(resolve_control("rtsp://h:554/s/", "trackID=1"), "rtsp://h:554/s/trackID=1");
  EXPECT_EQ(resolve_control("rtsp://h:554/s", "trackID=1"), "rtsp://h:554/s/trackID=1");
  // Absolute, "*" and none.
  EXPECT_EQ(resolve_control("rtsp://h:554/s/", "rtsp://h:554/s/video"), "rtsp://h:554/s/video");
  EXPECT_EQ(resolve_control("rtsp://h:554/s/", "RTSP://h/x"), "RTSP://h/x");
  EXPECT_EQ(resolve_control("rtsp://h:554/s/", "*"), "rtsp://h:554/s/");
  EXPECT_EQ(resolve_control("rtsp://h:554/s", ""), "rtsp://h:554/s");
}

TEST(RtspSourceUrl, Transport) {
  EXPECT_EQ(*parse_pull_transport("auto"), PullTransport::Auto);
  EXPECT_EQ(*parse_pull_transport("tcp"), PullTransport::Tcp);
  EXPECT_EQ(*parse_pull_transport("udp"), PullTransport::Udp);
  EXPECT_FALSE(parse_pull_transport("TCP"));
  EXPECT_STREQ(to_string(PullTransport::Udp), "udp");
}

}  // namespace
}  // namespace firstmile::rtsp
