// The LL-HLS directives and the part / DASH segment names of a player's request: the first
// byte picks the parser, the rest is the query or the file name.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "output/segment_names.hpp"
#include "protocol/http/wire/media_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto d = firstmile::http::parse_ll_hls_directives(input);
      if (d && d->part && !d->msn) __builtin_trap();  // refused by 6.2.5.2
      break;
    }
    case 1:
      (void)firstmile::output::parse_part_name(input, "k3x9-");
      break;
    default:
      (void)firstmile::output::parse_dash_media_name(input, "k3x9-");
      break;
  }
  return 0;
}
