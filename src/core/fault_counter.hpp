#pragma once
// Sessions ended by a fault of the server's own: an exception that escaped a session, a feed of
// a publisher's bytes or a library callback. The boundary that caught it ends that one session
// (other streams carry on) and counts it here, by protocol, for /metrics
// (firstmile_session_faults_total). Any thread.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace firstmile {

class FaultCounter {
 public:
  void add(std::string_view protocol) {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(protocol);
    if (it == counts_.end()) it = counts_.emplace(std::string(protocol), 0).first;
    ++it->second;
  }
  std::vector<std::pair<std::string, uint64_t>> counts() const {
    std::lock_guard lock(mutex_);
    return {counts_.begin(), counts_.end()};
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, uint64_t, std::less<>> counts_;
};

}  // namespace firstmile
