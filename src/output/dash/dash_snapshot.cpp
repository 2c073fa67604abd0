#include "output/dash/dash_snapshot.hpp"

#include <charconv>

namespace firstmile::dash {

const DashSegment* DashRepresentation::find(uint64_t number) const {
  for (const auto& s : segments)
    if (s.number == number) return &s;
  return nullptr;
}

const DashRepresentation* DashSnapshot::find_representation(std::string_view id,
                                                            uint64_t number) const {
  for (auto it = periods.rbegin(); it != periods.rend(); ++it) {
    const auto& rep = id == "v" ? it->video : it->audio;
    if (!rep) continue;
    if (rep->open && rep->open->number == number) return &*rep;
    if (!rep->segments.empty() && rep->segments.front().number <= number &&
        number <= rep->segments.back().number) {
      return &*rep;
    }
  }
  return nullptr;
}

const DashRepresentation* DashSnapshot::find_init(std::string_view name) const {
  for (const auto& p : periods) {
    if (p.video && p.video->init_name == name) return &*p.video;
    if (p.audio && p.audio->init_name == name) return &*p.audio;
  }
  return nullptr;
}

std::optional<std::pair<std::string, uint64_t>> DashSnapshot::parse_media_name(
    std::string_view name) const {
  constexpr std::string_view kExt = ".m4s";
  if (name.size() < name_prefix.size() + 3 + kExt.size()) return std::nullopt;
  if (name.substr(0, name_prefix.size()) != name_prefix) return std::nullopt;
  if (name.substr(name.size() - kExt.size()) != kExt) return std::nullopt;
  name = name.substr(name_prefix.size(), name.size() - name_prefix.size() - kExt.size());
  if (name.size() < 3 || (name[0] != 'v' && name[0] != 'a') || name[1] != '-') return std::nullopt;
  auto digits = name.substr(2);
  if (digits.size() > 15) return std::nullopt;
  uint64_t n = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) return std::nullopt;
  return std::make_pair(std::string(1, name[0]), n);
}

bool DashSnapshot::playable() const {
  for (const auto& p : periods) {
    const bool v = !p.video || !p.video->segments.empty();
    const bool a = !p.audio || !p.audio->segments.empty();
    if (v && a && (p.video || p.audio)) return true;
  }
  return false;
}

}  // namespace firstmile::dash
