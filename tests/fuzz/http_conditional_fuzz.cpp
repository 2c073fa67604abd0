// The header fields of conditional and range requests (protocol/http/wire/conditional): a
// date, an entity-tag list, If-Range, Range and Accept-Encoding, all read from one input.
// The first 8 bytes give the object's size for Range; the rest is the field value.
// Checks: a range answered as partial lies inside the object and is not empty; a date that
// parses formats back to a date that parses to the same instant; a tag always matches itself.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "protocol/http/wire/conditional.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace firstmile::http;
  if (size < 8) return 0;
  uint64_t object_size = 0;
  std::memcpy(&object_size, data, 8);
  object_size %= uint64_t{1} << 40;
  const std::string_view field(reinterpret_cast<const char*>(data + 8), size - 8);

  const auto range = select_range(field, object_size);
  if (range.kind == RangeAnswer::Kind::Partial &&
      (range.length == 0 || range.first >= object_size || range.length > object_size - range.first))
    __builtin_trap();

  if (auto date = parse_http_date(field)) {
    const std::string text = http_date(*date);
    auto again = parse_http_date(text);
    if (!again || *again != *date) __builtin_trap();
  }

  const std::string tag = entity_tag(fnv1a64(field));
  if (!none_match_hits(tag, tag) || !if_range_holds(tag, tag, std::nullopt)) __builtin_trap();
  (void)none_match_hits(field, tag);
  (void)if_range_holds(field, tag, std::nullopt);
  (void)accepts_gzip(field);
  return 0;
}
