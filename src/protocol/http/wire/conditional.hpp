#pragma once
// Validators, conditional requests and byte ranges (RFC 9110 sections 8.8, 13 and 14): the
// header fields a CDN sends to revalidate what it holds and a player sends for part of a
// segment. Pure functions of the peer's input (fuzzed).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace firstmile::http {

// FNV-1a, 64 bits: a cheap hash for entity tags (not a defence against anyone).
uint64_t fnv1a64(std::string_view bytes, uint64_t hash = 0xcbf29ce484222325ULL);
// A strong entity tag: the hash in 16 hex digits and the suffix, quoted ("\"0123...-gz\"").
std::string entity_tag(uint64_t hash, std::string_view suffix = {});

// IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (8.8.2 and 5.6.7), in whole seconds.
std::string http_date(std::chrono::system_clock::time_point t);
// The three date forms a recipient must accept (5.6.7): IMF-fixdate, RFC 850
// ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994"). Nothing else:
// a value that is not one of them, or names a day that does not exist, gives nullopt.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

// If-None-Match (13.1.2): "*", or a list of entity tags one of which equals `etag` under the
// weak comparison (a W/ prefix on either side is ignored). A malformed list matches nothing,
// so the full answer goes out.
bool none_match_hits(std::string_view if_none_match, std::string_view etag);

// If-Range (13.1.5): the range may be served when the field is an entity tag strongly equal
// to `etag`, or a date equal to `last_modified`. Anything else (a weak tag, another tag, a
// bad date) means the whole representation.
bool if_range_holds(std::string_view if_range, std::string_view etag,
                    std::optional<std::chrono::system_clock::time_point> last_modified);

// What a Range field (14.2) asks of a representation of `size` bytes.
struct RangeAnswer {
  enum class Kind {
    Whole,          // no usable request: send 200 with everything
    Partial,        // 206 with [first, first + length)
    Unsatisfiable,  // 416: no byte of it exists
  };
  Kind kind = Kind::Whole;
  uint64_t first = 0;
  uint64_t length = 0;
};
// One range of the "bytes" unit: "a-b", "a-" or "-n" (the last n bytes), with optional
// whitespace around it. A set of several ranges, another unit or a malformed value is served
// whole (14.2 lets a server ignore Range); an end past the size is clamped to it.
RangeAnswer select_range(std::string_view range, uint64_t size);

// Accept-Encoding (12.5.3): true when gzip is acceptable: listed as "gzip" or "x-gzip", or
// covered by "*", with a q-value above 0.
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace firstmile::http
