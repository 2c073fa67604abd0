#pragma once
// What the server's protocol modules publish and serve, as /metrics and the API name them.
// Each module describes itself (rtmp::describe, ...); the server collects them
// (app/modules.cpp). Every name listed is reported even at zero.
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace firstmile {

struct ProtocolCatalog {
  // A viewer protocol and the output (media::OutputReport key) its viewers attach to: SRT
  // players read the "ts" fan-out.
  struct Viewer {
    std::string protocol;
    std::string output;
  };
  std::vector<std::string> publishers;  // "rtmp", "srt", "udp"
  std::vector<Viewer> viewers;

  // Viewers per protocol, every listed protocol present, from an output report's counts.
  std::map<std::string, size_t> viewer_counts(
      const std::map<std::string, size_t>& by_output) const {
    std::map<std::string, size_t> out;
    for (const auto& v : viewers) {
      auto it = by_output.find(v.output);
      out[v.protocol] += it == by_output.end() ? 0 : it->second;
    }
    return out;
  }
};

}  // namespace firstmile
