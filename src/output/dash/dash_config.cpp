#include "output/dash/dash_config.hpp"

#include "core/config_schema.hpp"
#include "output/dash/dash_segmenter.hpp"

namespace firstmile::dash {

ConfigModule config_module() {
  Section<DashSettings> s("dash");
  s.flag("enabled", &DashSettings::enabled)
      .flag("low_latency", &DashSettings::low_latency)
      .number("chunk_duration", &DashSettings::chunk_duration, 0.05, 5)
      .text("time_url", &DashSettings::time_url);
  return s.module("dash", [](const Config& c) {
    // DASH cuts at hls.segment_duration too; a segment holds at least two chunks.
    if (c.get<DashSettings>().chunk_duration > c.get<HlsSettings>().segment_duration / 2) {
      throw ConfigError("dash.chunk_duration: must be at most half of hls.segment_duration");
    }
    const auto& url = c.get<DashSettings>().time_url;
    if (!url.empty() && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
      throw ConfigError("dash.time_url: must be an absolute http:// or https:// URL");
  });
}

DashConfig segmenter_config(const DashSettings& dash, const HlsSettings& hls,
                            std::string name_prefix) {
  DashConfig c;
  c.segment_duration = hls.segment_duration;
  c.max_segment_duration = hls.max_segment_duration;
  c.max_segment_bytes = hls.max_segment_bytes;
  c.window = hls.window;
  c.keep_extra = hls.keep_extra;
  c.chunk_duration = dash.chunk_duration;
  c.low_latency = dash.low_latency;
  c.max_waiters = hls.max_blocking_requests;
  c.name_prefix = std::move(name_prefix);
  return c;
}

}  // namespace firstmile::dash
