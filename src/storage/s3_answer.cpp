#include "storage/s3_answer.hpp"

#include <algorithm>

namespace firstmile::storage {

namespace {

std::string decode_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool matched = false;
    for (const auto& [name, c] : kEntities) {
      if (s.substr(i, name.size()) == name) {
        out += c;
        i += name.size() - 1;
        matched = true;
        break;
      }
    }
    if (!matched) out += '&';
  }
  return out;
}


}  // namespace

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s)
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

std::string xml_value(std::string_view xml, std::string_view tag) {
  xml = xml.substr(0, 64 * 1024);
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  auto start = xml.find(open);
  if (start == std::string_view::npos) return {};
  start += open.size();
  auto end = xml.find(close, start);
  if (end == std::string_view::npos) return {};
  return decode_entities(xml.substr(start, std::min<size_t>(end - start, 1024)));
}

StoreResult judge_answer(int status, std::string_view error, std::string_view body,
                         std::string_view etag) {
  StoreResult r;
  r.status = status;
  if (!error.empty() || status == 0) {
    // No complete answer: the network, a timeout, a body over the limit.
    r.outcome = StoreResult::Outcome::Retry;
    r.error = error.empty() ? "no answer" : printable(error);
    return r;
  }
  if (status >= 200 && status < 300) {
    r.etag = printable(etag);
    r.upload_id = xml_value(body, "UploadId");
    // CompleteMultipartUpload may answer 200 with an error in the body (S3 API reference).
    if (body.find("<Error>") == std::string_view::npos) return r;
  }
  r.code = printable(xml_value(body, "Code"));
  std::string message = printable(xml_value(body, "Message"));
  r.error = "HTTP " + std::to_string(status);
  if (!r.code.empty()) r.error += " " + r.code;
  if (!message.empty()) r.error += ": " + message;
  const int s = status;
  static constexpr std::string_view kRetryCodes[] = {
      "SlowDown",           "RequestTimeout",       "InternalError",
      "ServiceUnavailable", "RequestTimeTooSkewed", "OperationAborted"};
  static constexpr std::string_view kStoreCodes[] = {"NoSuchBucket",
                                                     "AccessDenied",
                                                     "InvalidAccessKeyId",
                                                     "SignatureDoesNotMatch",
                                                     "ExpiredToken",
                                                     "InvalidToken",
                                                     "AllAccessDisabled",
                                                     "AccountProblem",
                                                     "InvalidBucketName",
                                                     "PermanentRedirect",
                                                     "AuthorizationHeaderMalformed"};
  if (std::find(std::begin(kRetryCodes), std::end(kRetryCodes), r.code) != std::end(kRetryCodes) ||
      s >= 500 || s == 408 || s == 429 || (s >= 200 && s < 300)) {
    r.outcome = StoreResult::Outcome::Retry;
  } else if (std::find(std::begin(kStoreCodes), std::end(kStoreCodes), r.code) !=
                 std::end(kStoreCodes) ||
             s == 401 || s == 403 || s == 301 || s == 307) {
    r.outcome = StoreResult::Outcome::Store;
  } else {
    r.outcome = StoreResult::Outcome::Rejected;
  }
  return r;
}

std::string complete_multipart_body(const std::vector<std::string>& etags) {
  std::string xml = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>";
    for (char c : etags[i]) {
      switch (c) {
        case '&':
          xml += "&amp;";
          break;
        case '<':
          xml += "&lt;";
          break;
        case '>':
          xml += "&gt;";
          break;
        case '"':
          xml += "&quot;";
          break;
        default:
          xml += c;
      }
    }
    xml += "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  return xml;
}

}  // namespace firstmile::storage
