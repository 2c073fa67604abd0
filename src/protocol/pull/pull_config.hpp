#pragma once
// The pull section (pull.*): publishers the server starts itself. Each source names the stream
// it publishes ("app/stream") and where it comes from (an rtsp:// camera today).
#include <map>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"

namespace firstmile {

// The most sources the server pulls (configured and added through the API together).
inline constexpr size_t kMaxPullSources = 256;

struct PullSourceConfig {
  std::string url;
  std::string transport = "auto";  // rtsp: auto, tcp or udp
  // Pulled only while someone watches: started by the first viewer, stopped pull.close_after
  // after the last one.
  bool on_demand = false;

  bool operator==(const PullSourceConfig&) const = default;
};

struct PullConfig {
  std::map<std::string, PullSourceConfig> sources;  // "app/stream" -> source
  // A source from which no media arrives this long is reconnected.
  Duration read_timeout{10000};
  // Reconnection: the delay doubles from retry_initial to retry_max while attempts fail.
  Duration retry_initial{1000};
  Duration retry_max{30000};
  // On-demand sources: how long a viewer waits for the source to start, and how long the source
  // goes on after its last viewer left.
  Duration start_timeout{10000};
  Duration close_after{10000};
};

namespace pull {
ConfigModule config_module();
// A source checked as the configuration and the API take it: the URL a scheme the server
// pulls (rtsp://) with a host, the transport one it knows. An error says what is wrong.
Status check_source(const PullSourceConfig& source);
// The sources as one line of YAML; URL credentials left out unless `with_secrets`.
std::string dump_sources(const std::map<std::string, PullSourceConfig>& sources, bool with_secrets);
}  // namespace pull

}  // namespace firstmile
