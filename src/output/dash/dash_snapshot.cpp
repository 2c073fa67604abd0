#include "output/dash/dash_snapshot.hpp"

#include "output/segment_names.hpp"

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
  auto parsed = output::parse_dash_media_name(name, name_prefix);
  if (!parsed) return std::nullopt;
  return std::make_pair(std::string(1, parsed->kind), parsed->number);
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
