#include "protocol/rtsp/wire/auth.hpp"

#include <gtest/gtest.h>

#include "core/base64.hpp"

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

TEST(RtspAuth, ServerChecksRfc2617DigestAnswer) {
  // The client's side of RFC 2617 3.5, as a server reads it.
  auto c = parse_credentials(
      "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, "
      "nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
      "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->scheme, Challenge::Scheme::Digest);
  EXPECT_EQ(c->user, "Mufasa");
  EXPECT_EQ(c->nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
  EXPECT_TRUE(c->password.empty());
  EXPECT_TRUE(digest_matches(*c, "GET", "Circle Of Life"));
  EXPECT_FALSE(digest_matches(*c, "GET", "Circle of Life"));
  EXPECT_FALSE(digest_matches(*c, "POST", "Circle Of Life"));
  // Upper-case hex in the response is the same answer.
  auto upper = *c;
  upper.response = "6629FAE49393A05397450978507C4EF1";
  EXPECT_TRUE(digest_matches(upper, "GET", "Circle Of Life"));
  auto other_nc = *c;
  other_nc.count = "00000002";
  EXPECT_FALSE(digest_matches(other_nc, "GET", "Circle Of Life"));
}

TEST(RtspAuth, ServerReadsWhatTheClientSideWrites) {
  // Without qop, as ffmpeg answers a challenge that offers none.
  Challenge ch;
  ch.scheme = Challenge::Scheme::Digest;
  ch.realm = "firstmile";
  ch.nonce = "0123456789abcdef0123456789abcdef";
  const auto value = authorization(ch, "enc", "sk_\"key", "RECORD", "rtsp://h/live/a", 1, "");
  auto c = parse_credentials(value);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->realm, "firstmile");
  EXPECT_EQ(c->uri, "rtsp://h/live/a");
  EXPECT_FALSE(c->qop_auth);
  EXPECT_TRUE(digest_matches(*c, "RECORD", "sk_\"key"));
  EXPECT_FALSE(digest_matches(*c, "RECORD", "sk_key"));
  // And the server's challenge reads back as one.
  auto back = parse_challenges(write_challenge(ch));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].nonce, ch.nonce);
  EXPECT_EQ((*back)[0].realm, "firstmile");
  ch.stale = true;
  EXPECT_EQ(write_challenge(ch),
            "Digest realm=\"firstmile\", nonce=\"0123456789abcdef0123456789abcdef\", "
            "stale=TRUE, algorithm=MD5");
  Challenge basic;
  basic.realm = "firstmile";
  EXPECT_EQ(write_challenge(basic), "Basic realm=\"firstmile\"");
}

TEST(RtspAuth, ServerReadsBasic) {
  // RFC 7617 2's example; the password may hold ':'.
  auto c = parse_credentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, Challenge::Scheme::Basic);
  EXPECT_EQ(c->user, "Aladdin");
  EXPECT_EQ(c->password, "open sesame");
  auto colon = parse_credentials("basic " + base64_encode(as_bytes(std::string_view("u:a:b"))));
  ASSERT_TRUE(colon);
  EXPECT_EQ(colon->password, "a:b");
  EXPECT_FALSE(digest_matches(*c, "DESCRIBE", "open sesame"));  // Basic is no Digest answer
}

TEST(RtspAuth, ServerRefusesWhatItCannotCheck) {
  const char* bad[] = {
      "",
      "Bearer abc",
      "Basic !!!",
      "Basic " /* no colon */ "dXNlcg==",
      "Digest username=\"a\", nonce=\"n\", uri=\"u\"",                    // no response
      "Digest username=\"a\", nonce=\"n\", uri=\"u\", response=\"xyz\"",  // not 32 hex
      "Digest nonce=\"n\", uri=\"u\", response=\"6629fae49393a05397450978507c4ef1\"",  // no user
      "Digest username=\"a\", nonce=\"n\", uri=\"u\", algorithm=SHA-256, "
      "response=\"6629fae49393a05397450978507c4ef1\"",
      "Digest username=\"a\", nonce=\"n\", uri=\"u\", qop=auth, "
      "response=\"6629fae49393a05397450978507c4ef1\"",  // qop=auth without nc and cnonce
      "Digest username=\"a\", nonce=\"n\", uri=\"u\", qop=auth-int, nc=00000001, "
      "cnonce=\"c\", response=\"6629fae49393a05397450978507c4ef1\"",
      "Digest username=\"unterminated",
  };
  for (const char* v : bad)
    EXPECT_FALSE(parse_credentials(v)) << v;
  // Bounded: a huge value is refused, not copied.
  EXPECT_FALSE(parse_credentials("Basic " + std::string(100000, 'A')));
  EXPECT_FALSE(parse_credentials("Digest username=\"" + std::string(5000, 'a') + "\""));
}

}  // namespace
}  // namespace firstmile::rtsp
