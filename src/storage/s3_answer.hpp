#pragma once
// What an S3-compatible store answered, judged: done, worth another try, refused by the store
// as a whole (credentials, bucket) or refused for this one object. Pure functions over the
// answer's bytes (a libFuzzer target reads them).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace firstmile::storage {

// How a request went, for whoever decides what comes next.
struct StoreResult {
  enum class Outcome : uint8_t {
    Ok,
    Retry,     // the network, a timeout, 5xx, throttling: the same request may work later
    Store,     // the store refuses everything (credentials, bucket): retry slowly, tell the
               // operator
    Rejected,  // this one request is refused for good (bad key, too large): trying again cannot
               // help
  };
  Outcome outcome = Outcome::Ok;
  int status = 0;
  std::string code;   // the S3 error code ("NoSuchBucket", "SignatureDoesNotMatch"), if any
  std::string error;  // for the log: status, code and message, or the network error
  std::string etag;
  std::string upload_id;  // CreateMultipartUpload

  bool ok() const { return outcome == Outcome::Ok; }
};

// Judges an HTTP answer from an S3-compatible store: its status (0 when none came), the
// client's error when no complete answer came, the body and the ETag header.
StoreResult judge_answer(int status, std::string_view error, std::string_view body,
                         std::string_view etag);

// The text of the first <tag>...</tag> element of an S3 XML answer, XML entities decoded;
// "" when absent. At most the first 64 KiB of `xml` are looked at; values over 1 KiB are cut.
std::string xml_value(std::string_view xml, std::string_view tag);

// `s` with every byte outside printable ASCII made '?': text from a store (or a bucket name
// from the config) as it goes into stats, /healthz and log lines.
std::string printable(std::string_view s);

// The body of a CompleteMultipartUpload request.
std::string complete_multipart_body(const std::vector<std::string>& etags);

}  // namespace firstmile::storage
