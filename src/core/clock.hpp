#pragma once
// Wall-clock time as the server reports it (playlists' PROGRAM-DATE-TIME, object metadata,
// stream instance names): milliseconds since the Unix epoch.
#include <chrono>
#include <cstdint>

namespace firstmile {

inline int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace firstmile
