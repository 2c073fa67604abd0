#include "protocol/rtsp/wire/request_url.hpp"

namespace firstmile::rtsp {

std::optional<RequestUrl> parse_request_url(std::string_view uri) {
  std::string_view rest = uri;
  for (std::string_view scheme : {"rtsp://", "rtsps://", "RTSP://", "RTSPS://"}) {
    if (rest.starts_with(scheme)) {
      rest.remove_prefix(scheme.size());
      const size_t slash = rest.find('/');
      const size_t question = rest.find('?');
      // The authority ends at the path or the query.
      const size_t end = std::min(slash, question);
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
      break;
    }
  }
  if (!rest.empty() && rest.front() != '/' && rest.front() != '?') return std::nullopt;
  if (rest.empty() && uri.find("://") == std::string_view::npos) return std::nullopt;
  RequestUrl url;
  const size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    url.query = std::string(rest.substr(question + 1));
    rest = rest.substr(0, question);
  }
  if (rest.find('%') != std::string_view::npos) return std::nullopt;
  if (!rest.empty()) rest.remove_prefix(1);
  if (!rest.empty() && rest.front() == '/') return std::nullopt;
  // A trailing slash adds no segment (ffmpeg's SETUP URLs never have one; some cameras do).
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment.empty()) return std::nullopt;
    url.segments.emplace_back(segment);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (slash != std::string_view::npos && rest.empty()) return std::nullopt;
  }
  return url;
}

}  // namespace firstmile::rtsp
