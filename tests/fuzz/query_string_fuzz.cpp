// Query strings arrive from RTMP stream names and HTTP URLs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "format/query_string.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto params = firstmile::format::parse_query(text);
  if (params) {
    for (const auto& [k, v] : *params) {
      // Decoding never grows input, and escaping then parsing gives the value back.
      if (k.size() > size || v.size() > size) __builtin_trap();
      auto again = firstmile::format::parse_query("x=" + firstmile::format::query_escape(v),
                                                  {.max_length = 1 << 20, .max_params = 2});
      if (!again || again->size() != 1 || (*again)[0].second != v) __builtin_trap();
    }
  }
  return 0;
}
