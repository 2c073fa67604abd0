#pragma once
// The URL of an RTSP request (RFC 2326 3.2: "rtsp://host[:port]/path", absolute in every
// request but OPTIONS "*"), split into what the server uses: the path without its leading '/'
// and the query. Pure function of the peer's input (fuzzed with the message reader).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace firstmile::rtsp {

struct RequestUrl {
  std::vector<std::string> segments;  // "rtsp://h/live/cam/streamid=0" -> live, cam, streamid=0
  std::string query;                  // without '?'
};

// Accepts rtsp:// and rtsps:// URLs (credentials in the authority are skipped) and paths that
// start with '/'. nullopt for anything else, for empty segments inside the path ("a//b"), and
// for percent escapes (stream names have none: core/stream_name.hpp).
std::optional<RequestUrl> parse_request_url(std::string_view uri);

}  // namespace firstmile::rtsp
