#pragma once
// The names the HLS and DASH outputs give their media resources, parsed back from a player's
// request before anything is looked up. The outputs own the grammar (they write the names);
// the HTTP layer only passes the last path segment on. Pure functions of peer input (fuzzed).
#include <cstdint>
#include <optional>
#include <string_view>

namespace firstmile::output {

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

}  // namespace firstmile::output
