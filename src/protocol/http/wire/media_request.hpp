#pragma once
// What a player's HTTP request for live media says in its query, parsed before anything is
// looked up: the LL-HLS delivery directives of a playlist request (RFC 8216bis 6.2.5). The
// resource names themselves are the outputs' grammar (output/segment_names.hpp). Pure function
// of the peer's input (fuzzed).
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

}  // namespace firstmile::http
