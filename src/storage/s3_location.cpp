#include "storage/s3_location.hpp"

#include <boost/asio/ip/address.hpp>

#include "control/url.hpp"
#include "storage/s3_answer.hpp"

namespace firstmile::storage {

namespace {

bool valid_bucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(b.front()) || !alnum(b.back())) return false;
  for (char c : b) {
    if (!alnum(c) && c != '.' && c != '-') return false;
  }
  return b.find("..") == std::string_view::npos;
}

bool is_address(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}


}  // namespace

Result<S3Location> make_location(std::string_view endpoint, std::string_view bucket,
                                 std::string_view region, bool path_style) {
  auto url = control::parse_webhook_url(endpoint);
  if (!url) return fail("s3.endpoint: ", url.error().message);
  if (url->target.find('?') != std::string::npos) return fail("s3.endpoint: no query allowed");
  if (!valid_bucket(bucket)) {
    return fail("s3.bucket: \"", printable(bucket),
                "\" is not a bucket name (3 to 63 of a-z, 0-9, '.', '-')");
  }
  if (region.empty() || region.size() > 64) return fail("s3.region: missing or too long");
  for (char c : region) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              (c >= 'A' && c <= 'Z');
    if (!ok) return fail("s3.region: unexpected character");
  }
  S3Location out;
  out.tls = url->tls;
  out.host = url->host;
  out.port = url->port;
  out.bucket = std::string(bucket);
  out.region = std::string(region);
  out.path_style = path_style;
  out.base_path = url->target == "/" ? "" : url->target;
  while (!out.base_path.empty() && out.base_path.back() == '/')
    out.base_path.pop_back();
  out.host_header = url->host_header;
  if (!path_style) {
    if (is_address(url->host))
      return fail("s3.path_style: false needs a host name in s3.endpoint, not an address");
    if (url->tls && bucket.find('.') != std::string_view::npos) {
      return fail(
          "s3.path_style: false with a bucket name holding '.' breaks TLS; use "
          "path_style: true");
    }
    out.host = out.bucket + "." + out.host;
    out.host_header = out.bucket + "." + out.host_header;
  }
  return out;
}

}  // namespace firstmile::storage
