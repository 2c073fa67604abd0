// The HTTP route table's matcher against a request's decoded path segments. Decoded segments
// may hold any byte ('/' from %2f, NUL from %00), so the input is split on 0xff instead.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/http/route_pattern.hpp"

namespace {

using firstmile::http::RoutePattern;

// The server's patterns (protocol/http/routes.cpp) and a console prefix.
const std::vector<RoutePattern>& patterns() {
  static const std::vector<RoutePattern> all = [] {
    std::vector<RoutePattern> v;
    for (const char* p :
         {"/healthz", "/time", "/metrics", "/api/v1/streams", "/api/v1/streams/{app}/{stream}",
          "/api/v1/clients", "/api/v1/clients/{id}", "/api/v1/server", "/api/v1/reload",
          "/api/v1/{*rest}", "/{app}/{stream}.flv", "/{app}/{stream}/index.mpd",
          "/{app}/{stream}/dash/{file}", "/{app}/{stream}/{file:.m3u8,.ts,.m4s,.mp4}",
          "/console/{*path}", "/"})
      v.emplace_back(p);
    return v;
  }();
  return all;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> segments;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!input.empty()) {
    for (;;) {
      auto at = input.find('\xff');
      segments.emplace_back(input.substr(0, at));
      if (at == std::string_view::npos) break;
      input.remove_prefix(at + 1);
    }
  }
  const RoutePattern* best = nullptr;
  for (const auto& p : patterns()) {
    auto c = p.match(segments);
    if (!c) continue;
    size_t captured = 0;
    for (const auto& [name, value] : c->named)
      captured += value.size();
    for (const auto& s : c->rest)
      captured += s.size();
    if (captured > size) __builtin_trap();  // captures are parts of the input
    if (p.text() == "/{app}/{stream}/{file:.m3u8,.ts,.m4s,.mp4}") {
      const auto& f = (*c)["file"];
      if (!ends_with(f, ".m3u8") && !ends_with(f, ".ts") && !ends_with(f, ".m4s") &&
          !ends_with(f, ".mp4"))
        __builtin_trap();
    }
    if (p.text() == "/{app}/{stream}.flv" && segments[1] != (*c)["stream"] + ".flv")
      __builtin_trap();
    // Specificity is an order: antisymmetric, and a strict winner is unique.
    if (best) {
      int ab = best->compare_specificity(p), ba = p.compare_specificity(*best);
      if (ab != -ba) __builtin_trap();
      if (ba < 0) best = &p;
    } else {
      best = &p;
    }
  }
  return 0;
}
