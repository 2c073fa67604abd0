#include "control/event_fields.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "core/clock.hpp"
#include "format/query_string.hpp"

namespace firstmile::control {

// UTC with milliseconds: "2026-12-08T01:55:18.123Z".
std::string iso_time(int64_t unix_ms) {
  const auto secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(unix_ms % 1000));
  return out;
}

std::string iso_now() {
  return iso_time(unix_ms());
}

// "1.2.3.4:5678" or "[::1]:5678" -> address and port.
std::pair<std::string, uint16_t> split_peer(const std::string& peer) {
  auto colon = peer.rfind(':');
  if (colon == std::string::npos) return {peer, 0};
  std::string host = peer.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  try {
    port = static_cast<unsigned>(std::stoul(peer.substr(colon + 1)));
  } catch (const std::exception&) {
  }
  return {host, static_cast<uint16_t>(port > 65535 ? 0 : port)};
}

boost::json::object params_json(const std::string& query) {
  boost::json::object o;
  auto params = format::parse_query(query);
  if (!params) return o;
  for (auto& [k, v] : *params) {
    if (!o.contains(k)) o[k] = v;
  }
  return o;
}

double seconds_since(std::chrono::system_clock::time_point t) {
  return std::round(std::chrono::duration<double>(std::chrono::system_clock::now() - t).count() *
                    1000) /
         1000;
}

}  // namespace firstmile::control
