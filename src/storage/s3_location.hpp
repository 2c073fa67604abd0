#pragma once
// Where a bucket is: endpoint, bucket, region and addressing style, checked.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace firstmile::storage {

// Where a bucket's objects are: the endpoint ("https://s3.amazonaws.com",
// "http://127.0.0.1:9000", "https://ACCOUNT.r2.cloudflarestorage.com"), the bucket, the region
// and the addressing style.
struct S3Location {
  bool tls = true;
  std::string host;  // as in the endpoint (for virtual-hosted addressing the bucket goes
                     // in front)
  uint16_t port = 443;
  std::string host_header;  // "host[:port]" of the requests (bucket included when virtual)
  std::string base_path;    // the endpoint's own path, "" or "/prefix" (no trailing slash)
  std::string bucket;
  std::string region;
  bool path_style = true;
};

// Refuses what could not address a bucket: not an http(s) URL, credentials or a query in it,
// a bucket name S3 would refuse (3-63 of a-z 0-9 . -), a virtual-hosted style with an address
// for a host or a bucket with dots over TLS (its name would not match the certificate).
Result<S3Location> make_location(std::string_view endpoint, std::string_view bucket,
                                 std::string_view region, bool path_style);

}  // namespace firstmile::storage
