#pragma once
// Measurement helpers of the load generator: clocks, percentiles, and the server process's CPU
// time and resident memory as Linux reports them in /proc (proc(5)).
#include <sys/resource.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace firstmile::bench {

inline int64_t realtime_ns() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// Nearest-rank percentile (p in [0, 100]) of `v`, which it sorts; 0 for an empty vector.
inline double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()));
  return v[std::min(rank, v.size() - 1)];
}

inline boost::json::object summary(std::vector<double> v) {
  boost::json::object o;
  o["count"] = v.size();
  o["median"] = percentile(v, 50);
  o["p99"] = percentile(v, 99);
  o["max"] = v.empty() ? 0.0 : v.back();
  return o;
}

// Process CPU time (all threads, user + system) in microseconds: fields 14 and 15 of
// /proc/PID/stat, in clock ticks (usually 10 ms). -1 when the process is gone.
inline int64_t process_cpu_us(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return -1;
  // The command name (field 2) is in parentheses and may contain spaces: skip past it.
  auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<int64_t>((utime + stime) * 1'000'000 /
                              static_cast<uint64_t>(sysconf(_SC_CLK_TCK)));
}

// VmRSS of /proc/PID/status in KiB; -1 when unavailable.
inline int64_t process_rss_kb(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// This process's own CPU time in microseconds, to show whether the load generator kept up.
inline int64_t self_cpu_us() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1'000'000 + u.ru_utime.tv_usec +
         u.ru_stime.tv_usec;
}

}  // namespace firstmile::bench
