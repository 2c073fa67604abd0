#include "protocol/http/wire/media_request.hpp"

#include "core/decimal.hpp"
#include "format/query_string.hpp"

namespace firstmile::http {

Result<LlHlsDirectives> parse_ll_hls_directives(std::string_view query) {
  LlHlsDirectives d;
  if (query.empty()) return d;
  auto params = format::parse_query(query);
  if (!params) return wrap("malformed query", params.error());
  if (auto v = format::query_value(*params, "_HLS_msn")) {
    d.msn = parse_decimal<uint64_t>(*v, 15);
    if (!d.msn) return fail("_HLS_msn is not a decimal integer under 10^15");
  }
  if (auto v = format::query_value(*params, "_HLS_part")) {
    d.part = parse_decimal<uint64_t>(*v, 15);
    if (!d.part) return fail("_HLS_part is not a decimal integer under 10^15");
    // 6.2.5.2: "_HLS_part ... without an _HLS_msn parameter ... the server MUST return 400".
    if (!d.msn) return fail("_HLS_part without _HLS_msn");
  }
  if (auto v = format::query_value(*params, "_HLS_skip")) {
    // 6.2.5.1: YES skips segments; v2 also date ranges, of which we have none.
    if (*v != "YES" && *v != "v2") return fail("_HLS_skip must be YES or v2");
    d.skip = true;
  }
  return d;
}

}  // namespace firstmile::http
