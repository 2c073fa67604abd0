#include "protocol/rtsp/wire/auth.hpp"

#include <gtest/gtest.h>

namespace firstmile::rtsp {
namespace {

TEST(RtspAuth, DigestWithQopAuthMatchesRfc2617) {
  // RFC 2617 3.5's example: the response for "Mufasa" / "Circle Of Life".
  auto c = parse_challenges(
      "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->size(), 1u);
  const Challenge& d = (*c)[0];
  EXPECT_EQ(d.scheme, Challenge::Scheme::Digest);
  EXPECT_EQ(d.realm, "testrealm@host.com");
  EXPECT_TRUE(d.qop_auth);
  EXPECT_FALSE(d.stale);
  const auto value =
      authorization(d, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1, "0a4f113b");
  EXPECT_NE(value.find("response=\"6629fae49393a05397450978507c4ef1\""), std::string::npos)
      << value;
  EXPECT_NE(value.find("qop=auth, nc=00000001, cnonce=\"0a4f113b\""), std::string::npos);
  EXPECT_NE(value.find("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""), std::string::npos);
  EXPECT_EQ(value.rfind("Digest username=\"Mufasa\", realm=\"testrealm@host.com\"", 0), 0u);
}

TEST(RtspAuth, DigestWithoutQopAsCamerasSendIt) {
  // RFC 2069 form (no qop): response = MD5(HA1:nonce:HA2).
  auto c = parse_challenges("Digest realm=\"IP Camera(C8512)\", nonce=\"a1b2c3\", stale=\"FALSE\"");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 1u);
  EXPECT_FALSE((*c)[0].qop_auth);
  const std::string ha1 = md5_hex("admin:IP Camera(C8512):secret");
  const std::string ha2 = md5_hex("DESCRIBE:rtsp://10.0.0.2:554/stream1");
  const std::string expected = md5_hex(ha1 + ":a1b2c3:" + ha2);
  const auto value = authorization((*c)[0], "admin", "secret", "DESCRIBE",
                                   "rtsp://10.0.0.2:554/stream1", 1, "unused");
  EXPECT_NE(value.find("response=\"" + expected + "\""), std::string::npos) << value;
  EXPECT_EQ(value.find("qop"), std::string::npos);
  EXPECT_EQ(value.find("opaque"), std::string::npos);
}

TEST(RtspAuth, Md5KnownValues) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("The quick brown fox jumps over the lazy dog"),
            "9e107d9d372bb6826bd81d3542a419d6");
}

TEST(RtspAuth, BasicIsBase64OfUserColonPassword) {
  auto c = parse_challenges("Basic realm=\"cam\"");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, Challenge::Scheme::Basic);
  EXPECT_EQ((*c)[0].realm, "cam");
  // RFC 7617 2's example.
  EXPECT_EQ(authorization((*c)[0], "Aladdin", "open sesame", "DESCRIBE", "rtsp://h/", 1, ""),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST(RtspAuth, SeveralChallengesOtherSchemesSkipped) {
  auto c = parse_challenges(
      "Negotiate YIIBhgYGKwYBBQUCoIIBejCCAXagMDAuBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKwYBBAGCNwICHg==, "
      "Digest realm=\"r\", nonce=\"n\", algorithm=MD5, Basic realm=\"b\"");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].scheme, Challenge::Scheme::Digest);
  EXPECT_EQ((*c)[0].nonce, "n");
  EXPECT_EQ((*c)[1].scheme, Challenge::Scheme::Basic);
  EXPECT_EQ((*c)[1].realm, "b");
}

TEST(RtspAuth, StaleAndOtherAlgorithms) {
  auto stale = parse_challenges("digest REALM=r, NONCE=n2, STALE=true");
  ASSERT_TRUE(stale);
  ASSERT_EQ(stale->size(), 1u);
  EXPECT_TRUE((*stale)[0].stale);
  EXPECT_EQ((*stale)[0].nonce, "n2");
  // SHA-256 Digest is not offered by the cameras we meet: skipped, not misanswered.
  auto sha = parse_challenges("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256");
  ASSERT_TRUE(sha);
  EXPECT_TRUE(sha->empty());
}

TEST(RtspAuth, QuotedValuesEscapeAndRoundTrip) {
  auto c = parse_challenges(R"(Digest realm="a \"quoted\" realm\\", nonce="x,y")");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].realm, "a \"quoted\" realm\\");
  EXPECT_EQ((*c)[0].nonce, "x,y");
  // What we send quotes them back the same way.
  const auto value = authorization((*c)[0], "u\"v", "p", "OPTIONS", "*", 1, "c");
  auto back = parse_challenges(value);
  ASSERT_TRUE(back) << value;
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].realm, (*c)[0].realm);
  EXPECT_EQ((*back)[0].nonce, "x,y");
}

TEST(RtspAuth, Refusals) {
  EXPECT_FALSE(parse_challenges("realm=\"r\""));  // a parameter before a scheme
  EXPECT_FALSE(parse_challenges("Digest realm=\"unterminated"));
  EXPECT_FALSE(parse_challenges("Digest realm=\"r\""));  // Digest without a nonce
  EXPECT_FALSE(parse_challenges("Digest realm=" + std::string(2000, 'a') + ", nonce=n"));
  std::string many = "Digest nonce=n";
  for (int i = 0; i < 40; ++i)
    many += ", x" + std::to_string(i) + "=1";
  EXPECT_FALSE(parse_challenges(many));
  auto empty = parse_challenges("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace firstmile::rtsp
