// The S3 request as it goes on the wire (addressing, query order, signed headers), how answers
// are judged, and the small XML readers and writers.
#include "storage/s3_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace firstmile::storage {
namespace {

using Header = std::pair<std::string, std::string>;

std::string header(const control::HttpRequestSpec& spec, std::string_view name) {
  for (const auto& [n, v] : spec.headers)
    if (n == name) return v;
  return "<none>";
}

// 2013-05-24T00:00:00Z, the date of AWS's S3 signing examples.
std::chrono::system_clock::time_point example_time() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1369353600));
}

const Credentials kExample{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

TEST(S3Location, PathStyleKeepsTheEndpointHost) {
  auto l = make_location("http://127.0.0.1:9000", "media", "us-east-1", true);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_FALSE(l->tls);
  EXPECT_EQ(l->host, "127.0.0.1");
  EXPECT_EQ(l->port, 9000);
  EXPECT_EQ(l->host_header, "127.0.0.1:9000");
  EXPECT_EQ(l->base_path, "");
}

TEST(S3Location, VirtualHostedPutsTheBucketInTheHost) {
  auto l = make_location("https://s3.eu-west-1.amazonaws.com/", "media", "eu-west-1", false);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_TRUE(l->tls);
  EXPECT_EQ(l->port, 443);
  EXPECT_EQ(l->host, "media.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(l->host_header, "media.s3.eu-west-1.amazonaws.com");
}

TEST(S3Location, EndpointPathIsKept) {
  auto l = make_location("https://gw.example.com/s3/", "media", "auto", true);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->base_path, "/s3");
}

TEST(S3Location, RefusesWhatCannotAddressABucket) {
  EXPECT_FALSE(make_location("ftp://s3.example.com", "media", "us-east-1", true));
  EXPECT_FALSE(make_location("https://user:pw@s3.example.com", "media", "us-east-1", true));
  EXPECT_FALSE(make_location("https://s3.example.com/?x=1", "media", "us-east-1", true));
  for (const char* bucket : {"", "ab", "Media", "-media", "media-", "me..dia", "me/dia",
                             "a234567890123456789012345678901234567890123456789012345678901234"}) {
    EXPECT_FALSE(make_location("https://s3.example.com", bucket, "us-east-1", true)) << bucket;
  }
  EXPECT_FALSE(make_location("https://s3.example.com", "media", "", true));
  EXPECT_FALSE(make_location("https://s3.example.com", "media", "us east", true));
  // Virtual-hosted needs a name to put the bucket in front of, and a TLS name that matches.
  EXPECT_FALSE(make_location("http://127.0.0.1:9000", "media", "us-east-1", false));
  EXPECT_FALSE(make_location("https://s3.amazonaws.com", "my.media", "us-east-1", false));
  EXPECT_TRUE(make_location("http://s3.local:9000", "my.media", "us-east-1", false));
}

TEST(S3Request, PutIsAddressedEncodedAndSigned) {
  auto where = make_location("http://127.0.0.1:9000", "media", "us-east-1", true);
  ASSERT_TRUE(where);
  S3Request r;
  r.method = "PUT";
  r.key = "live/cam 1/seg$1.m4s";
  r.headers = {{"Content-Type", "video/iso.segment"}, {"Cache-Control", "max-age=1"}};
  r.body = "Welcome to Amazon S3.";
  auto spec = prepare_request(*where, kExample, r, example_time());
  EXPECT_EQ(spec.method, "PUT");
  EXPECT_EQ(spec.url, "http://127.0.0.1:9000/media/live/cam%201/seg%241.m4s");
  EXPECT_EQ(spec.body, "Welcome to Amazon S3.");
  EXPECT_EQ(header(spec, "x-amz-date"), "20130524T000000Z");
  // The body's SHA-256, as AWS's PUT Object example gives it for this body.
  EXPECT_EQ(header(spec, "x-amz-content-sha256"),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(header(spec, "Content-Type"), "video/iso.segment");
  const std::string auth = header(spec, "Authorization");
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                       "aws4_request, SignedHeaders=cache-control;content-type;host;"
                       "x-amz-content-sha256;x-amz-date, Signature=",
                       0),
            0u)
      << auth;
  // The signature is sign()'s over the same request (sign() is checked against AWS's vectors).
  SigningRequest sr;
  sr.method = "PUT";
  sr.path = "/media/live/cam%201/seg%241.m4s";
  sr.headers = {{"Content-Type", "video/iso.segment"},
                {"Cache-Control", "max-age=1"},
                {"host", "127.0.0.1:9000"}};
  sr.payload_sha256 = sha256_hex(r.body);
  sr.amz_date = "20130524T000000Z";
  sr.region = "us-east-1";
  EXPECT_EQ(auth, sign(kExample, sr).authorization);
  // The secret is nowhere in what goes out.
  for (const auto& [n, v] : spec.headers)
    EXPECT_EQ(v.find(kExample.secret_access_key), std::string::npos) << n;
  EXPECT_EQ(spec.url.find(kExample.secret_access_key), std::string::npos);
}

TEST(S3Request, VirtualHostedBucketAndSortedQuery) {
  auto where = make_location("https://s3.amazonaws.com", "examplebucket", "us-east-1", false);
  ASSERT_TRUE(where);
  S3Request r;
  r.method = "PUT";
  r.key = "big.mp4";
  r.query = {{"uploadId", "a/b+c"}, {"partNumber", "2"}};
  auto spec = prepare_request(*where, kExample, r, example_time());
  EXPECT_EQ(spec.url,
            "https://examplebucket.s3.amazonaws.com/big.mp4?partNumber=2&uploadId=a%2Fb%2Bc");
  S3Request uploads;
  uploads.method = "POST";
  uploads.key = "big.mp4";
  uploads.query = {{"uploads", ""}};
  EXPECT_EQ(prepare_request(*where, kExample, uploads, example_time()).url,
            "https://examplebucket.s3.amazonaws.com/big.mp4?uploads");
}

TEST(S3Request, TheBucketItself) {
  S3Request head;
  head.method = "HEAD";
  auto path = make_location("http://127.0.0.1:9000", "media", "us-east-1", true);
  auto virt = make_location("http://s3.local", "media", "us-east-1", false);
  ASSERT_TRUE(path && virt);
  EXPECT_EQ(prepare_request(*path, kExample, head, example_time()).url,
            "http://127.0.0.1:9000/media");
  EXPECT_EQ(prepare_request(*virt, kExample, head, example_time()).url, "http://media.s3.local/");
}

TEST(S3Request, SessionTokenIsSent) {
  auto where = make_location("http://127.0.0.1:9000", "media", "us-east-1", true);
  Credentials temporary = kExample;
  temporary.session_token = "FQoGZXIvYXdzEXAMPLE";
  S3Request r;
  r.method = "DELETE";
  r.key = "a.ts";
  auto spec = prepare_request(*where, temporary, r, example_time());
  EXPECT_EQ(header(spec, "x-amz-security-token"), "FQoGZXIvYXdzEXAMPLE");
  EXPECT_NE(header(spec, "Authorization").find("x-amz-security-token"), std::string::npos);
}

StoreResult judge(int status, const std::string& body, const std::string& etag = "") {
  return judge_answer(status, "", body, etag);
}

std::string error_xml(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
         message + "</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>";
}

TEST(S3Answer, Judged) {
  auto ok = judge(200, "", "\"abc\"");
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.etag, "\"abc\"");

  auto refused = judge_answer(0, "connection refused", "", "");
  EXPECT_EQ(refused.outcome, StoreResult::Outcome::Retry);
  EXPECT_EQ(refused.error, "connection refused");
  EXPECT_EQ(judge_answer(0, "", "", "").outcome, StoreResult::Outcome::Retry);
  EXPECT_EQ(judge(503, error_xml("SlowDown", "Reduce your request rate.")).outcome,
            StoreResult::Outcome::Retry);
  EXPECT_EQ(judge(500, "garbage <<<").outcome, StoreResult::Outcome::Retry);
  EXPECT_EQ(judge(400, error_xml("RequestTimeout", "idle")).outcome, StoreResult::Outcome::Retry);

  auto bucket = judge(404, error_xml("NoSuchBucket", "The bucket does not exist"));
  EXPECT_EQ(bucket.outcome, StoreResult::Outcome::Store);
  EXPECT_EQ(bucket.code, "NoSuchBucket");
  EXPECT_EQ(bucket.error, "HTTP 404 NoSuchBucket: The bucket does not exist");
  EXPECT_EQ(judge(403, error_xml("SignatureDoesNotMatch", "x")).outcome,
            StoreResult::Outcome::Store);
  EXPECT_EQ(judge(403, "").outcome, StoreResult::Outcome::Store);

  EXPECT_EQ(judge(400, error_xml("KeyTooLongError", "Your key is too long")).outcome,
            StoreResult::Outcome::Rejected);
  // CompleteMultipartUpload can fail inside a 200.
  EXPECT_EQ(judge(200, error_xml("InternalError", "try again")).outcome,
            StoreResult::Outcome::Retry);
  // Control characters from the answer do not reach the log line.
  auto hostile = judge(400, error_xml("Bad\nCode", "line\r\nbreak\x1b[31m"));
  EXPECT_EQ(hostile.error.find_first_of("\r\n\x1b"), std::string::npos) << hostile.error;
}

TEST(S3Xml, Values) {
  const std::string body =
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE&amp;"
      "x&lt;y</UploadId></InitiateMultipartUploadResult>";
  EXPECT_EQ(xml_value(body, "UploadId"), "VXBsb2FkIElE&x<y");
  EXPECT_EQ(xml_value(body, "Bucket"), "b");
  EXPECT_EQ(xml_value(body, "Missing"), "");
  EXPECT_EQ(xml_value("<Code>unterminated", "Code"), "");
  EXPECT_EQ(xml_value("<Code>" + std::string(5000, 'x') + "</Code>", "Code").size(), 1024u);
  EXPECT_EQ(xml_value("&bogus; <a>&amp</a>", "a"), "&amp");
}

TEST(S3Xml, CompleteMultipartBody) {
  EXPECT_EQ(complete_multipart_body({"\"etag1\"", "\"e<2\""}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;etag1&quot;"
            "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;e&lt;2&quot;</ETag>"
            "</Part></CompleteMultipartUpload>");
}

}  // namespace
}  // namespace firstmile::storage
