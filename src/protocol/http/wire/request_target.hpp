#pragma once
// The path of an HTTP request target as the route table reads it: the origin-form (RFC 9110,
// 7.1; RFC 9112, 3.2.1) split into percent-decoded segments. Pure function of the peer's
// input (fuzzed with the route table's match).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace firstmile::http {

// "/live/cam1/index.m3u8?x=1" -> {"live", "cam1", "index.m3u8"}; "/" -> {}. A trailing slash
// adds no empty segment ("/live/" is {"live"}). Decoded segments may hold any byte ('/' from
// %2F, NUL from %00): a route captures them as they are and a handler checks its own names.
// nullopt when the target is not a valid origin-form (absolute-form, '*', bad escapes, ...).
std::optional<std::vector<std::string>> path_segments(std::string_view target);

}  // namespace firstmile::http
