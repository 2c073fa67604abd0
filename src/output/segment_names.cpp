#include "output/segment_names.hpp"

#include "core/decimal.hpp"

namespace firstmile::output {

namespace {

constexpr std::string_view kM4s = ".m4s";

// The part between `prefix` and ".m4s", or nullopt.
std::optional<std::string_view> m4s_stem(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() + kM4s.size() || name.substr(0, prefix.size()) != prefix ||
      name.substr(name.size() - kM4s.size()) != kM4s) {
    return std::nullopt;
  }
  return name.substr(prefix.size(), name.size() - prefix.size() - kM4s.size());
}

}  // namespace

std::optional<PartName> parse_part_name(std::string_view name, std::string_view prefix) {
  auto stem = m4s_stem(name, prefix);
  if (!stem) return std::nullopt;
  const size_t dot = stem->find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto sequence = parse_decimal<uint64_t>(stem->substr(0, dot), 19);
  auto index = parse_decimal<uint32_t>(stem->substr(dot + 1), 9);
  if (!sequence || !index) return std::nullopt;
  return PartName{*sequence, *index};
}

std::optional<DashMediaName> parse_dash_media_name(std::string_view name, std::string_view prefix) {
  auto stem = m4s_stem(name, prefix);
  if (!stem || stem->size() < 3 || ((*stem)[0] != 'v' && (*stem)[0] != 'a') || (*stem)[1] != '-')
    return std::nullopt;
  auto number = parse_decimal<uint64_t>(stem->substr(2), 15);
  if (!number) return std::nullopt;
  return DashMediaName{(*stem)[0], *number};
}

}  // namespace firstmile::output
