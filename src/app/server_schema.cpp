#include "app/server_schema.hpp"

#include "control/control_config.hpp"
#include "output/dash/dash_config.hpp"
#include "output/fanout_config.hpp"
#include "output/hls/hls_config.hpp"
#include "output/record/record_config.hpp"
#include "protocol/http/http_config.hpp"
#include "protocol/pull/pull_config.hpp"
#include "protocol/rtmp/rtmp_config.hpp"
#include "protocol/rtsp/rtsp_config.hpp"
#include "protocol/srt/srt_config.hpp"
#include "protocol/udp/udp_config.hpp"
#include "storage/s3_config.hpp"

namespace firstmile {

const ConfigSchema& config_schema() {
  // Sections print in the order they first appear here; a section's keys may come from
  // more than one module (rtmp.on_conflict and fanout.max_gop_cache_bytes are the hub's).
  static const ConfigSchema schema({
      server_config_module(),
      rtmp::config_module(),
      srt::config_module(),
      rtsp::config_module(),
      pull::config_module(),
      udp::config_module(),
      http::config_module(),
      hls::config_module(),
      dash::config_module(),
      storage::s3_config_module(),
      record::config_module(),
      output::fanout_config_module(),
      stream_config_module(),
      control::auth_config_module(),
      control::webhooks_config_module(),
      http::api_config_module(),
      http::metrics_config_module(),
  });
  return schema;
}

}  // namespace firstmile
