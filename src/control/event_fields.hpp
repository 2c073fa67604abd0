#pragma once
// The fields webhook bodies share, for the decisions (control_plane.cpp) and the notifications
// (control_plane_events.cpp).
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

namespace firstmile::control {

// UTC with milliseconds: "2026-12-08T01:55:18.123Z".
std::string iso_time(int64_t unix_ms);
std::string iso_now();
// "1.2.3.4:5678" or "[::1]:5678" -> address and port (0 when there is none).
std::pair<std::string, uint16_t> split_peer(const std::string& peer);
// A query string as a JSON object (the first value of a repeated key).
boost::json::object params_json(const std::string& query);
// Seconds since `t`, to the millisecond.
double seconds_since(std::chrono::system_clock::time_point t);

}  // namespace firstmile::control
