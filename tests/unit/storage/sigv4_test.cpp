// SigV4 against AWS's published examples: the Signature Version 4 test suite (service
// "service", AKIDEXAMPLE) and the S3 documentation's GET Object example (with its canonical
// request's hash), so the canonical forms, the key derivation and the final HMAC are each
// checked against a value nobody here computed.
#include "storage/sigv4.hpp"

#include <gtest/gtest.h>

namespace firstmile::storage {
namespace {

const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Credentials suite_credentials() {
  return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
}

// A request of the generic test suite: host example.amazonaws.com, 2015-08-30T12:36:00Z.
SigningRequest suite_request(std::string method, std::string path,
                             std::vector<std::pair<std::string, std::string>> query = {}) {
  SigningRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.headers = {{"Host", "example.amazonaws.com"}};
  r.payload_sha256 = kEmptySha256;
  r.amz_date = "20150830T123600Z";
  r.region = "us-east-1";
  r.service = "service";
  r.content_sha256_header = false;
  return r;
}

TEST(SigV4, TestSuiteGetVanilla) {
  auto s = sign(suite_credentials(), suite_request("GET", "/"));
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(s.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n" +
                kEmptySha256);
  ASSERT_EQ(s.added_headers.size(), 1u);
  EXPECT_EQ(s.added_headers[0].first, "x-amz-date");
}

TEST(SigV4, TestSuiteQueryUtf8AndPost) {
  // get-vanilla-query-order-key-case: parameters sorted by name.
  EXPECT_EQ(sign(suite_credentials(),
                 suite_request("GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}))
                .signature,
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  // get-utf8: the path "/\u1234" percent-encoded once.
  EXPECT_EQ(uri_encode("/\xE1\x88\xB4", true), "/%E1%88%B4");
  EXPECT_EQ(
      sign(suite_credentials(), suite_request("GET", uri_encode("/\xE1\x88\xB4", true))).signature,
      "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
  // post-vanilla and post-vanilla-query.
  EXPECT_EQ(sign(suite_credentials(), suite_request("POST", "/")).signature,
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
  EXPECT_EQ(sign(suite_credentials(), suite_request("POST", "/", {{"Param1", "value1"}})).signature,
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11");
}

TEST(SigV4, S3GetObjectExample) {
  // The S3 documentation's example: GET /test.txt with a Range header.
  SigningRequest r;
  r.method = "GET";
  r.path = "/test.txt";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
  r.payload_sha256 = kEmptySha256;
  r.amz_date = "20130524T000000Z";
  r.region = "us-east-1";
  auto s = sign({"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""}, r);
  EXPECT_EQ(sha256_hex(s.canonical_request),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signed_headers, "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
                                  "us-east-1/s3/aws4_request, SignedHeaders=",
                                  0),
            0u);
}

TEST(SigV4, SessionTokenIsSignedAndSecretNeverShown) {
  SigningRequest r = suite_request("PUT", "/bucket/a%20b");
  r.service = "s3";
  r.content_sha256_header = true;
  r.payload_sha256 = "UNSIGNED-PAYLOAD";
  Credentials c{"ASIAEXAMPLE", "secret-never-in-the-output", "token/with+chars"};
  auto s = sign(c, r);
  EXPECT_EQ(s.signed_headers, "host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
  EXPECT_NE(s.canonical_request.find("x-amz-security-token:token/with+chars\n"), std::string::npos);
  EXPECT_NE(s.canonical_request.find("\nUNSIGNED-PAYLOAD"), std::string::npos);
  for (const auto& text : {s.canonical_request, s.string_to_sign, s.authorization})
    EXPECT_EQ(text.find("secret-never"), std::string::npos);
  // Another token, another signature.
  c.session_token = "other";
  EXPECT_NE(sign(c, r).signature, s.signature);
}

TEST(SigV4, CanonicalFormsOfHeadersQueryAndPath) {
  SigningRequest r = suite_request("GET", "/");
  r.headers.push_back({"X-Amz-Meta-Note", "  two   spaces  "});
  r.headers.push_back({"x-amz-meta-note", "second"});
  r.query = {{"b", "2"}, {"a", "x y/z"}, {"uploads", ""}};
  auto s = sign(suite_credentials(), r);
  EXPECT_NE(s.canonical_request.find("x-amz-meta-note:two spaces,second\n"), std::string::npos)
      << s.canonical_request;
  EXPECT_NE(s.canonical_request.find("\na=x%20y%2Fz&b=2&uploads=\n"), std::string::npos)
      << s.canonical_request;
  EXPECT_EQ(s.signed_headers, "host;x-amz-date;x-amz-meta-note");
  EXPECT_EQ(uri_encode("live/cam/seg$1.ts", true), "live/cam/seg%241.ts");
  EXPECT_EQ(uri_encode("a/b~c-d_e.f", false), "a%2Fb~c-d_e.f");
  EXPECT_EQ(uri_encode("\xff", false), "%FF");
}

TEST(SigV4, AmzDateIsUtc) {
  EXPECT_EQ(amz_date(std::chrono::system_clock::from_time_t(1369353600)), "20130524T000000Z");
  EXPECT_EQ(amz_date(std::chrono::system_clock::from_time_t(1440938160)), "20150830T123600Z");
}

}  // namespace
}  // namespace firstmile::storage
