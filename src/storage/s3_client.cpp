#include "storage/s3_client.hpp"

#include <algorithm>

namespace firstmile::storage {

namespace {

StoreResult judge(const control::HttpResult& answer) {
  return judge_answer(answer.status, answer.error, answer.body, answer.header("ETag"));
}

}  // namespace

control::HttpRequestSpec prepare_request(const S3Location& where, const Credentials& credentials,
                                         S3Request request,
                                         std::chrono::system_clock::time_point now) {
  std::string path = where.base_path;
  if (where.path_style) path += "/" + where.bucket;
  // The bucket itself: "/bucket" path-style, "/" virtual-hosted.
  if (!request.key.empty() || !where.path_style) path += "/" + uri_encode(request.key, true);

  SigningRequest sr;
  sr.method = request.method;
  sr.path = path;
  sr.query = request.query;
  sr.headers = request.headers;
  sr.headers.emplace_back("host", where.host_header);
  sr.payload_sha256 = sha256_hex(request.body);
  sr.amz_date = amz_date(now);
  sr.region = where.region;
  Signature sig = sign(credentials, sr);

  control::HttpRequestSpec spec;
  spec.method = request.method;
  std::string target = path;
  // The query as signed: sorted by name, each part encoded (sign() canonicalizes the same way).
  auto query = request.query;
  std::sort(query.begin(), query.end());
  for (size_t i = 0; i < query.size(); ++i) {
    target += i == 0 ? "?" : "&";
    target += uri_encode(query[i].first, false);
    // "?uploads": a parameter without a value goes without '='.
    if (!query[i].second.empty()) target += "=" + uri_encode(query[i].second, false);
  }
  spec.url = std::string(where.tls ? "https://" : "http://") + where.host_header + target;
  spec.headers = request.headers;
  for (auto& h : sig.added_headers)
    spec.headers.push_back(std::move(h));
  spec.headers.emplace_back("Authorization", sig.authorization);
  spec.body = std::move(request.body);  // hashed above; a segment is not copied again
  return spec;
}

S3Client::S3Client(S3Location where, Credentials credentials, asio::any_io_executor executor,
                   std::shared_ptr<asio::ssl::context> tls, Duration timeout)
    : where_(std::move(where)),
      credentials_(std::move(credentials)),
      tls_(std::move(tls)),
      timeout_(timeout),
      pool_(std::move(executor),
            control::ConnectionPool::Limits{
                .idle_timeout = Duration(4000), .max_idle_per_host = 16, .max_idle = 16}) {}

asio::awaitable<StoreResult> S3Client::send(S3Request request) {
  auto spec =
      prepare_request(where_, credentials_, std::move(request), std::chrono::system_clock::now());
  spec.timeout = timeout_;
  auto answer = co_await control::http_request(std::move(spec), tls_.get(), &pool_);
  co_return judge(answer);
}

asio::awaitable<StoreResult> S3Client::put_object(std::string key, std::string body,
                                                  std::string content_type,
                                                  std::string cache_control) {
  S3Request r;
  r.method = "PUT";
  r.key = std::move(key);
  r.body = std::move(body);
  if (!content_type.empty()) r.headers.emplace_back("Content-Type", std::move(content_type));
  if (!cache_control.empty()) r.headers.emplace_back("Cache-Control", std::move(cache_control));
  auto result = co_await send(std::move(r));
  co_return result;
}

asio::awaitable<StoreResult> S3Client::delete_object(std::string key) {
  S3Request r;
  r.method = "DELETE";
  r.key = std::move(key);
  auto result = co_await send(std::move(r));
  // Deleting what is not there is done (S3 answers 204 either way; some stores 404).
  if (result.status == 404 && result.code != "NoSuchBucket") result = StoreResult{};
  co_return result;
}

asio::awaitable<StoreResult> S3Client::head_bucket() {
  S3Request r;
  r.method = "HEAD";
  auto spec = prepare_request(where_, credentials_, r, std::chrono::system_clock::now());
  spec.timeout = timeout_;
  auto answer = co_await control::http_request(std::move(spec), tls_.get(), &pool_);
  auto result = judge(answer);
  // A HEAD answer has no body to name the error: say it from the status.
  if (answer.error.empty() && !answer.ok()) {
    if (answer.status == 404) {
      result.code = "NoSuchBucket";
      result.outcome = StoreResult::Outcome::Store;
      result.error = "HTTP 404: the bucket does not exist";
    } else if (answer.status == 403) {
      result.error = "HTTP 403: access denied (wrong credentials, or no permission on the bucket)";
    }
  }
  co_return result;
}

asio::awaitable<StoreResult> S3Client::create_multipart(std::string key, std::string content_type,
                                                        std::string cache_control) {
  S3Request r;
  r.method = "POST";
  r.key = std::move(key);
  r.query.emplace_back("uploads", "");
  if (!content_type.empty()) r.headers.emplace_back("Content-Type", std::move(content_type));
  if (!cache_control.empty()) r.headers.emplace_back("Cache-Control", std::move(cache_control));
  auto result = co_await send(std::move(r));
  if (result.ok() && result.upload_id.empty()) {
    result.outcome = StoreResult::Outcome::Retry;
    result.error = "CreateMultipartUpload answered without an UploadId";
  }
  co_return result;
}

asio::awaitable<StoreResult> S3Client::upload_part(std::string key, std::string upload_id, int part,
                                                   std::string body) {
  S3Request r;
  r.method = "PUT";
  r.key = std::move(key);
  r.query.emplace_back("partNumber", std::to_string(part));
  r.query.emplace_back("uploadId", std::move(upload_id));
  r.body = std::move(body);
  auto result = co_await send(std::move(r));
  if (result.ok() && result.etag.empty()) {
    result.outcome = StoreResult::Outcome::Retry;
    result.error = "UploadPart answered without an ETag";
  }
  co_return result;
}

asio::awaitable<StoreResult> S3Client::complete_multipart(std::string key, std::string upload_id,
                                                          std::vector<std::string> etags) {
  S3Request r;
  r.method = "POST";
  r.key = std::move(key);
  r.query.emplace_back("uploadId", std::move(upload_id));
  r.headers.emplace_back("Content-Type", "application/xml");
  r.body = complete_multipart_body(etags);
  auto result = co_await send(std::move(r));
  co_return result;
}

asio::awaitable<StoreResult> S3Client::abort_multipart(std::string key, std::string upload_id) {
  S3Request r;
  r.method = "DELETE";
  r.key = std::move(key);
  r.query.emplace_back("uploadId", std::move(upload_id));
  auto result = co_await send(std::move(r));
  co_return result;
}

}  // namespace firstmile::storage
