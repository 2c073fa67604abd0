// An S3-compatible store's answer: the first two bytes are the HTTP status (mod 600), the third
// says whether the client saw a complete answer, the rest splits at the first NUL into the ETag
// header and the body.
// Checks: only a complete 2xx answer without an <Error> is Ok; the error text for the log has
// no control characters; values read from the XML are at most 1 KiB; an ETag written into a
// CompleteMultipartUpload body reads back the same (up to the 1 KiB xml_value reads).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/s3_answer.hpp"

using firstmile::storage::StoreResult;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const int status = (data[0] << 8 | data[1]) % 600;
  const std::string_view error = (data[2] & 1) ? "timeout" : "";
  std::string_view rest(reinterpret_cast<const char*>(data + 3), size - 3);
  auto nul = rest.find('\0');
  std::string_view etag = nul == std::string_view::npos ? std::string_view() : rest.substr(0, nul);
  std::string_view body = nul == std::string_view::npos ? rest : rest.substr(nul + 1);

  auto r = firstmile::storage::judge_answer(status, error, body, etag);
  const bool complete_2xx = error.empty() && status >= 200 && status < 300;
  if (r.ok() && (!complete_2xx || body.find("<Error>") != std::string_view::npos)) __builtin_trap();
  if (!r.ok() && complete_2xx && body.find("<Error>") == std::string_view::npos) __builtin_trap();
  for (const std::string* text : {&r.error, &r.code, &r.etag}) {
    for (char c : *text)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
        __builtin_trap();
  }
  if (r.code.size() > 1024 || r.upload_id.size() > 1024) __builtin_trap();

  // xml_value reads at most 1 KiB of escaped text: up to 170 bytes survive any escaping (6x).
  const std::string value(body.substr(0, 170));
  const std::string xml = firstmile::storage::complete_multipart_body({value});
  if (firstmile::storage::xml_value(xml, "ETag") != value) __builtin_trap();
  return 0;
}
