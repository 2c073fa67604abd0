#pragma once
// The recording section (record.*): each publish of the listed apps written to an MP4 file.
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace firstmile {

struct RecordSettings {
  bool enabled = false;
  std::vector<std::string> apps;  // the apps recorded; empty: every app
  // The file of one recording, relative to the working directory unless absolute. {app},
  // {stream} and {start_time} (UTC, 2026-12-08_01-55-18) are filled in; it must name
  // {stream} and {start_time} and end in ".mp4".
  std::string path = "recordings/{app}/{stream}/{start_time}.mp4";
  double fragment = 1.0;              // seconds of media per fragment: what a crash may lose
  double max_duration = 3600;         // seconds: a longer publish goes on in a new file
  uint64_t max_queue = 256ull << 20;  // bytes waiting for the disk, all recordings together

  bool records(const std::string& app) const;
};

namespace record {
ConfigModule config_module();
}  // namespace record

}  // namespace firstmile
