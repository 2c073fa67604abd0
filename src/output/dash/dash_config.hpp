#pragma once
// The DASH section (dash.*). DASH cuts its segments like HLS (hls.segment_duration,
// hls.max_segment_duration, hls.window, hls.keep_extra, hls.max_blocking_requests).
#include <string>

#include "core/config.hpp"
#include "output/hls/hls_config.hpp"

namespace firstmile {

// dash.* (DashSettings rather than DashConfig: dash::DashConfig is one segmenter's settings).
struct DashSettings {
  bool enabled = false;
  bool low_latency = true;      // chunked delivery of the segment being produced
  double chunk_duration = 0.5;  // seconds: one CMAF chunk (moof+mdat) about this long
  // The absolute URL players fetch the server's clock from (this server's GET /time as the
  // public reaches it, "https://live.example.com/time"): the MPD's UTCTiming http-iso source.
  // Empty: the MPD carries the server's time itself (UTCTiming direct).
  std::string time_url;
};

namespace dash {

struct DashConfig;

ConfigModule config_module();
// One stream's segmenter: the DASH section, the HLS segment geometry, the instance's prefix.
DashConfig segmenter_config(const DashSettings& dash, const HlsSettings& hls,
                            std::string name_prefix);

}  // namespace dash
}  // namespace firstmile
