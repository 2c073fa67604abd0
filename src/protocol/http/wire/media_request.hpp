#pragma once
// What a player's HTTP request for live media says, parsed before anything is looked up: the
// LL-HLS delivery directives of a playlist request (RFC 8216bis 6.2.5) and the names of
// LL-HLS parts and DASH media segments. Pure functions of the peer's input (fuzzed).
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/result.hpp"

namespace firstmile::http {

struct LlHlsDirectives {
  std::optional<uint64_t> msn, part;  // _HLS_msn, _HLS_part
  bool skip = false;                  // _HLS_skip=YES (or v2)
};

// The directives of a playlist request's query string (without '?'). An error names the
// parameter that is wrong: a malformed query, a value that is not a decimal integer under
// 10^15, _HLS_part without _HLS_msn (6.2.5.2: 400), an unknown _HLS_skip value.
Result<LlHlsDirectives> parse_ll_hls_directives(std::string_view query);

// "<prefix><sequence>.<index>.m4s" (an LL-HLS part) -> {sequence, index}.
struct PartName {
  uint64_t sequence = 0;
  uint32_t index = 0;
};
std::optional<PartName> parse_part_name(std::string_view name, std::string_view prefix);

// "<prefix>v-<number>.m4s" / "<prefix>a-<number>.m4s" (a DASH media segment) -> {'v' or 'a',
// number}.
struct DashMediaName {
  char kind = 'v';
  uint64_t number = 0;
};
std::optional<DashMediaName> parse_dash_media_name(std::string_view name, std::string_view prefix);

}  // namespace firstmile::http
