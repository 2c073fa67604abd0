#pragma once
// The fan-out section (fanout.*): per-viewer queue limits, the slow-viewer policy and send
// coalescing of the TCP and SRT fan-outs.
#include <cstdint>

#include "core/config.hpp"

namespace firstmile {

struct FanoutConfig {
  uint64_t max_queue_bytes = 8 << 20;  // per viewer; past it the viewer skips to a keyframe
  Duration max_lag{5000};              // queued media older than this also triggers a skip
  uint32_t max_skips = 3;              // skips within skip_window before disconnecting
  Duration skip_window{30000};
  // The stream flushes its viewers' held packets on one timer this often, several packets per
  // send (the kernel's per-send work dominates fan-out CPU); 0 = one send per packet at once.
  Duration coalesce{10};
  // SO_SNDBUF of viewer sockets; 0 keeps the kernel's autotuning (which may buffer megabytes
  // per viewer on its own before the queue above ever fills).
  uint64_t send_buffer = 0;
};

namespace output {
ConfigModule fanout_config_module();
}

}  // namespace firstmile
