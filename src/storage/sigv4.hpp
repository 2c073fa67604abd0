#pragma once
// AWS Signature Version 4 for S3-compatible stores (AWS, MinIO, R2, Ceph RGW, Backblaze):
// the canonical request, the string to sign, the signing key derived from the secret, and the
// Authorization header (AWS General Reference, "Signature Version 4 signing process"; checked
// against AWS's published examples in tests/unit/storage/sigv4_test.cpp). Pure functions; the
// secret never leaves them except as the signature.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace firstmile::storage {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials (STS); sent as x-amz-security-token
};

struct SigningRequest {
  std::string method;  // "PUT", "GET", "DELETE", "POST"
  // The path as it goes on the wire, each segment percent-encoded once (uri_encode with
  // keep_slash), e.g. "/bucket/live/cam/seg%2400001.ts".
  std::string path;
  // Query parameters, not encoded; a parameter without a value has an empty one
  // ("?uploads" -> {"uploads", ""}).
  std::vector<std::pair<std::string, std::string>> query;
  // Every header to sign, host included, names in any case. x-amz-date, x-amz-content-sha256
  // and x-amz-security-token are added by sign() from the other fields.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // lowercase hex of the body's SHA-256, or "UNSIGNED-PAYLOAD"
  std::string amz_date;        // "20130524T000000Z" (amz_date())
  std::string region;          // "us-east-1"
  std::string service = "s3";
  // Whether x-amz-content-sha256 is added (S3 wants it; the generic test suite does not).
  bool content_sha256_header = true;
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;range;x-amz-content-sha256;x-amz-date"
  std::string signature;       // 64 lowercase hex digits
  std::string authorization;   // the Authorization header's value
  // The headers to send besides the caller's: x-amz-date, and x-amz-content-sha256 and
  // x-amz-security-token when they apply.
  std::vector<std::pair<std::string, std::string>> added_headers;
};

Signature sign(const Credentials& credentials, const SigningRequest& request);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - . _ ~)
// kept, everything else %XX in upper case; '/' kept when `keep_slash` (object key paths).
std::string uri_encode(std::string_view text, bool keep_slash);

// "YYYYMMDDTHHMMSSZ" in UTC.
std::string amz_date(std::chrono::system_clock::time_point when);

// SHA-256 of `data`, lowercase hex (the payload hash).
std::string sha256_hex(std::string_view data);

}  // namespace firstmile::storage
