#include "output/fanout_config.hpp"

#include "core/config_schema.hpp"

namespace firstmile::output {

ConfigModule fanout_config_module() {
  using std::chrono::hours;
  Section<FanoutConfig> s("fanout");
  s.size("max_queue_bytes", &FanoutConfig::max_queue_bytes, 64 << 10, 1ull << 32)
      .duration("max_lag", &FanoutConfig::max_lag, Duration(100), hours(1))
      .count("max_skips", &FanoutConfig::max_skips, 0, 1000)
      .duration("skip_window", &FanoutConfig::skip_window, Duration(1000), hours(1))
      .duration("coalesce", &FanoutConfig::coalesce, Duration(0), Duration(2000))
      .size("send_buffer", &FanoutConfig::send_buffer, 0, 64 << 20);
  return s.module();
}

}  // namespace firstmile::output
