#pragma once
// What makes the media answers cacheable by a CDN in front of the server (docs/cdn.md): entity
// tags and Last-Modified on them, conditional GET and HEAD (304), byte ranges (206, 416) and
// gzip for playlists and manifests. The header fields are read by wire/conditional (fuzzed).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/http/response.hpp"

namespace firstmile::http {

struct Validators {
  std::string etag;  // a strong entity tag, quotes included
  std::optional<std::chrono::system_clock::time_point> last_modified;
};

// Validators of an immutable media object (a segment, part or init segment): its names are
// never reused with other bytes (segment names carry the stream instance), so a hash of the
// names and the size is as strong as a hash of the bytes, at no cost per request.
Validators immutable_validators(std::string_view app, std::string_view stream,
                                std::string_view file, size_t size,
                                std::optional<std::chrono::system_clock::time_point> made);

// A text answer (a playlist, an MPD): compressed with gzip when the request accepts it
// (Content-Encoding: gzip), with `Vary: Accept-Encoding` either way so a cache keeps the two
// forms apart. Returns the answer's validators: the hash of the body as sent.
Validators encode_text(const Request& req, Response& res,
                       std::optional<std::chrono::system_clock::time_point> last_modified);

// On a 200 answer to GET or HEAD: adds ETag, Last-Modified, Date and Accept-Ranges, then
// answers the request's preconditions (RFC 9110 13.2.2: If-None-Match, else If-Modified-Since,
// gives 304 Not Modified) and, for GET, its Range (under If-Range): 206 Partial Content with
// Content-Range, or 416 Range Not Satisfiable. Any other answer passes unchanged.
void answer_conditionally(const Request& req, Response& res, const Validators& v,
                          std::chrono::system_clock::time_point now);
void answer_conditionally(const Request& req, BufferResponse& res, const Validators& v,
                          std::chrono::system_clock::time_point now);

}  // namespace firstmile::http
