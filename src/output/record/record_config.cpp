#include "output/record/record_config.hpp"

#include <algorithm>

#include "core/config_schema.hpp"

namespace firstmile {

bool RecordSettings::records(const std::string& app) const {
  return enabled && (apps.empty() || std::find(apps.begin(), apps.end(), app) != apps.end());
}

namespace record {

ConfigModule config_module() {
  Section<RecordSettings> s("record");
  s.flag("enabled", &RecordSettings::enabled)
      .custom(
          "apps",
          [](RecordSettings& r, const YAML::Node& n) { r.apps = config_value::to_list(n, 1000); },
          [](const RecordSettings& r, bool) { return config_value::flow(r.apps); })
      .text("path", &RecordSettings::path)
      .number("fragment", &RecordSettings::fragment, 0.1, 60)
      .number("max_duration", &RecordSettings::max_duration, 10, 7 * 24 * 3600)
      .size("max_queue", &RecordSettings::max_queue, 1 << 20, 64ull << 30);
  return s.module("record", [](const Config& c) {
    const auto& r = c.get<RecordSettings>();
    auto names = [&](const char* field) { return r.path.find(field) != std::string::npos; };
    if (!names("{stream}") || !names("{start_time}"))
      throw ConfigError("record.path: must contain {stream} and {start_time}");
    if (r.path.size() < 4 || r.path.compare(r.path.size() - 4, 4, ".mp4") != 0)
      throw ConfigError("record.path: must end in .mp4");
    if (r.fragment * 2 > r.max_duration)
      throw ConfigError("record.fragment: must be at most half of record.max_duration");
  });
}

}  // namespace record
}  // namespace firstmile
