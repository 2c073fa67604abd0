#pragma once
// A client of the S3 REST API for any S3-compatible store (AWS, MinIO, R2, Ceph RGW, Backblaze):
// requests addressed path-style (https://host/bucket/key) or virtual-hosted
// (https://bucket.host/key), signed with SigV4, sent on kept-alive connections. Answers are
// judged into a StoreResult that says whether trying again can help.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/http_client.hpp"
#include "core/config.hpp"
#include "core/result.hpp"
#include "storage/s3_answer.hpp"
#include "storage/s3_location.hpp"
#include "storage/sigv4.hpp"

namespace firstmile::storage {

namespace asio = boost::asio;

// One S3 request before signing.
struct S3Request {
  std::string method;  // "PUT", "GET", "HEAD", "DELETE", "POST"
  std::string key;     // object key, not encoded; "" addresses the bucket
  std::vector<std::pair<std::string, std::string>> query;    // not encoded
  std::vector<std::pair<std::string, std::string>> headers;  // content-type, cache-control...
  std::string body;
};

// The request as it goes out: URL, signed headers and body. `now` dates the signature.
control::HttpRequestSpec prepare_request(const S3Location& where, const Credentials& credentials,
                                         S3Request request,
                                         std::chrono::system_clock::time_point now);

class S3Client {
 public:
  // `tls` is needed for https endpoints (make_client_tls_context); requests are bounded by
  // `timeout` each. Use from the executor's thread only.
  S3Client(S3Location where, Credentials credentials, asio::any_io_executor executor,
           std::shared_ptr<asio::ssl::context> tls, Duration timeout);

  asio::awaitable<StoreResult> put_object(std::string key, std::string body,
                                          std::string content_type, std::string cache_control);
  asio::awaitable<StoreResult> delete_object(std::string key);
  // HEAD on the bucket: whether it exists and the credentials may use it.
  asio::awaitable<StoreResult> head_bucket();

  // Multipart upload (objects over 5 GiB must use it; large ones should).
  asio::awaitable<StoreResult> create_multipart(std::string key, std::string content_type,
                                                std::string cache_control);
  asio::awaitable<StoreResult> upload_part(std::string key, std::string upload_id, int part,
                                           std::string body);
  asio::awaitable<StoreResult> complete_multipart(std::string key, std::string upload_id,
                                                  std::vector<std::string> etags);
  asio::awaitable<StoreResult> abort_multipart(std::string key, std::string upload_id);

  const S3Location& location() const { return where_; }

 private:
  asio::awaitable<StoreResult> send(S3Request request);

  S3Location where_;
  Credentials credentials_;
  std::shared_ptr<asio::ssl::context> tls_;
  Duration timeout_;
  control::ConnectionPool pool_;
};

}  // namespace firstmile::storage
