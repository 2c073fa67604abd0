#include "output/hls/hls_config.hpp"

#include "core/config_schema.hpp"
#include "output/hls/segmenter.hpp"

namespace firstmile::hls {
namespace {

// hls.variant and the values of hls.app_variants.
const std::vector<std::string> kVariants = {"ts", "fmp4", "ll"};

bool known_variant(const std::string& v) {
  return std::find(kVariants.begin(), kVariants.end(), v) != kVariants.end();
}

}  // namespace

ConfigModule config_module() {
  using namespace config_value;
  Section<HlsSettings> s("hls");
  s.flag("enabled", &HlsSettings::enabled)
      .number("segment_duration", &HlsSettings::segment_duration, 0.1, 60)
      .count("window", &HlsSettings::window, 2, 1000)
      .count("keep_extra", &HlsSettings::keep_extra, 0, 100)
      .number("max_segment_duration", &HlsSettings::max_segment_duration, 0.5, 600)
      .size("max_segment_bytes", &HlsSettings::max_segment_bytes, 64 << 10, 4ull << 30)
      .text("dir", &HlsSettings::dir)
      .text("variant", &HlsSettings::variant, kVariants)
      .custom(
          "app_variants",
          [](HlsSettings& h, const YAML::Node& n) {
            std::map<std::string, std::string> out;
            if (!n.IsNull() && !n.IsMap())
              throw ConfigError("expected a mapping of app names to ts, fmp4 or ll");
            if (n.IsMap()) {
              for (const auto& item : n) {
                std::string app = scalar(item.first), v = scalar(item.second);
                if (!known_variant(v))
                  throw ConfigError(app + ": '" + v + "' is not one of: ts, fmp4, ll");
                out[app] = v;
              }
            }
            h.app_variants = std::move(out);
          },
          [](const HlsSettings& h, bool) { return dump_string_map(h.app_variants, true); })
      .number("part_duration", &HlsSettings::part_duration, 0.05, 5)
      .count("max_blocking_requests", &HlsSettings::max_blocking_requests, 1, 1000000)
      .flag("audio_rendition", &HlsSettings::audio_rendition);
  return s.module("hls", [](const Config& c) {
    const auto& h = c.get<HlsSettings>();
    if (h.max_segment_duration < h.segment_duration) {
      throw ConfigError("hls.max_segment_duration: must not be below hls.segment_duration");
    }
    // LL-HLS parts are a fraction of a segment; at half of it a part target stops making sense.
    if (h.part_duration > h.segment_duration / 2) {
      throw ConfigError("hls.part_duration: must be at most half of hls.segment_duration");
    }
  });
}

HlsConfig segmenter_config(const HlsSettings& settings, std::string_view app,
                           std::string name_prefix) {
  auto own = settings.app_variants.find(std::string(app));
  const std::string& variant = own != settings.app_variants.end() ? own->second : settings.variant;
  HlsConfig c;
  c.variant = variant == "ll"     ? HlsVariant::LowLatency
              : variant == "fmp4" ? HlsVariant::Fmp4
                                  : HlsVariant::Ts;
  c.part_duration = settings.part_duration;
  c.max_waiters = settings.max_blocking_requests;
  c.segment_duration = settings.segment_duration;
  c.window = settings.window;
  c.keep_extra = settings.keep_extra;
  c.max_segment_duration = settings.max_segment_duration;
  c.max_segment_bytes = settings.max_segment_bytes;
  c.name_prefix = std::move(name_prefix);
  c.audio_rendition = settings.audio_rendition;
  return c;
}

}  // namespace firstmile::hls
