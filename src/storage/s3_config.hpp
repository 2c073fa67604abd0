#pragma once
// The s3 section: where live HLS (and, later, recordings) are uploaded.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/result.hpp"
#include "storage/sigv4.hpp"

namespace firstmile {

struct S3Settings {
  bool enabled = false;
  std::string endpoint = "https://s3.amazonaws.com";
  std::string region = "us-east-1";
  std::string bucket;
  bool path_style = true;
  std::string access_key_id;      // else AWS_ACCESS_KEY_ID
  std::string secret_access_key;  // else AWS_SECRET_ACCESS_KEY
  std::string session_token;      // else AWS_SESSION_TOKEN
  std::string prefix = "{app}/{stream}/";
  bool hls = true;  // upload live HLS
  std::string spool_dir = "spool";
  uint64_t spool_max = 2ull << 30;
  uint64_t memory_max = 64ull << 20;  // queued in memory before the spool takes over
  // How long a segment stays in the bucket after it left the live playlist; negative: kept.
  Duration retention{30000};
  std::string public_url;  // playback URL base shown by the API (a CDN in front of the bucket)
  uint32_t concurrency = 8;
  Duration timeout{30000};           // one request
  uint64_t part_size = 16ull << 20;  // larger objects go up as multipart uploads
};

namespace storage {

ConfigModule s3_config_module();

// The credentials from the section, else from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN; nullopt when neither has an access key and a secret.
std::optional<Credentials> resolve_credentials(const S3Settings& s);

// s3.prefix with {app} and {stream} filled in: "live/cam/". Fails for names that could not be
// a path component (the prefix is also a path on stores that map keys to files).
Result<std::string> expand_prefix(std::string_view pattern, std::string_view app,
                                  std::string_view stream);

}  // namespace storage
}  // namespace firstmile
