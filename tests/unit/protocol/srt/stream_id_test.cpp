#include "protocol/srt/wire/stream_id.hpp"

#include <gtest/gtest.h>

namespace firstmile::srt {
namespace {

SrtStreamId ok(std::string_view id) {
  auto r = parse_stream_id(id);
  EXPECT_TRUE(r) << id << ": " << (r ? "" : r.error().message);
  return r ? *r : SrtStreamId{};
}

std::string error_of(std::string_view id) {
  auto r = parse_stream_id(id);
  return r ? std::string("(accepted)") : r.error().message;
}

TEST(SrtStreamId, AccessControlSyntax) {
  auto a = ok("#!::r=live/mykey,m=publish");
  EXPECT_EQ(a.mode, SrtMode::Publish);
  EXPECT_EQ(a.app, "live");
  EXPECT_EQ(a.stream, "mykey");
  EXPECT_EQ(a.query, "");
  auto b = ok("#!::m=request,r=tv/ch1,u=alice,token=a b");
  EXPECT_EQ(b.mode, SrtMode::Request);
  EXPECT_EQ(b.app, "tv");
  EXPECT_EQ(b.stream, "ch1");
  EXPECT_EQ(b.query, "u=alice&token=a%20b");
  // The mode defaults to publish; a bare stream goes to the default app.
  auto c = ok("#!::r=mykey");
  EXPECT_EQ(c.mode, SrtMode::Publish);
  EXPECT_EQ(c.app, "live");
  EXPECT_EQ(c.stream, "mykey");
}

TEST(SrtStreamId, MediaMtxAndBareForms) {
  auto p = ok("publish:live/mykey");
  EXPECT_EQ(p.mode, SrtMode::Publish);
  EXPECT_EQ(p.stream, "mykey");
  auto r = ok("read:live/mykey?expires=1700000000&token=ab");
  EXPECT_EQ(r.mode, SrtMode::Request);
  EXPECT_EQ(r.stream, "mykey");
  EXPECT_EQ(r.query, "expires=1700000000&token=ab");
  auto bare = ok("live/mykey");
  EXPECT_EQ(bare.mode, SrtMode::Publish);
  EXPECT_EQ((bare.app + "/" + bare.stream), "live/mykey");
  EXPECT_EQ(ok("mykey").app, "live");
}

TEST(SrtStreamId, Refusals) {
  EXPECT_EQ(error_of(""), "empty stream id");
  EXPECT_NE(error_of(std::string(513, 'a')).find("over 512"), std::string::npos);
  EXPECT_NE(error_of(std::string("live/a\0b", 8)).find("NUL"), std::string::npos);
  EXPECT_NE(error_of("#!::m=publish").find("no resource"), std::string::npos);
  EXPECT_NE(error_of("#!::r=a/b,r=c/d").find("two resources"), std::string::npos);
  EXPECT_NE(error_of("#!::r=live/x,m=bidirectional").find("unsupported"), std::string::npos);
  EXPECT_NE(error_of("#!::r=live/x,novalue").find("without a value"), std::string::npos);
  EXPECT_NE(error_of("#!{r=live/x}").find("unsupported stream id syntax"), std::string::npos);
  EXPECT_NE(error_of("live/../etc").find("invalid stream name"), std::string::npos);
  EXPECT_NE(error_of("live/a/b").find("invalid stream name"), std::string::npos);
  EXPECT_NE(error_of("../x").find("invalid application"), std::string::npos);
  EXPECT_NE(error_of("publish:").find("invalid stream name"), std::string::npos);
  EXPECT_NE(error_of("live/x?a=%zz").find("malformed query"), std::string::npos);
  std::string many = "#!::r=live/x";
  for (int i = 0; i < 40; ++i)
    many += ",k" + std::to_string(i) + "=v";
  EXPECT_NE(error_of(many).find("too many keys"), std::string::npos);
  EXPECT_NE(error_of("live/" + std::string(300, 'n')).find("invalid stream name"),
            std::string::npos);
}

}  // namespace
}  // namespace firstmile::srt
