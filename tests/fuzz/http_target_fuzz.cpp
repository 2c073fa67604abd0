// An HTTP request's target through to the route it reaches: the origin-form parse and split
// into decoded segments (wire/request_target), then the route table's resolution (Router) for
// the request's method, over the server's routes (protocol/http/routes.cpp) and a console.
// The first byte picks the method, the rest is the target as the request line carries it.
// Checks: segments re-encoded parse back the same; a resolved route's pattern matches the
// segments with the captures given, and no more specific pattern matches; a 405 lists methods.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/http/http_config.hpp"
#include "protocol/http/router.hpp"
#include "protocol/http/wire/request_target.hpp"

namespace {

using namespace firstmile::http;
using bhttp::verb;

// The table of make_routes (routes.cpp), with handlers that never run: resolve() only reads
// the methods and patterns.
const Router& routes() {
  static const firstmile::HttpConfig config;
  static const Router router = [] {
    Router r(config);
    const Methods get{verb::get, verb::options};
    RouteOptions media;
    RouteOptions api;
    api.cors.allow_origin = false;
    r.answer(get, "/healthz", AnswerHandler{}, media);
    r.answer(get, "/time", AnswerHandler{}, media);
    r.answer({verb::get}, "/metrics", AnswerHandler{}, api);
    r.answer({verb::get}, "/api/v1/streams", AnswerHandler{}, api);
    r.answer({verb::get}, "/api/v1/streams/{app}/{stream}", AnswerHandler{}, api);
    r.answer({verb::delete_}, "/api/v1/streams/{app}/{stream}", AnswerHandler{}, api);
    r.answer({verb::get}, "/api/v1/clients", AnswerHandler{}, api);
    r.answer({verb::get}, "/api/v1/clients/{id}", AnswerHandler{}, api);
    r.answer({verb::delete_}, "/api/v1/clients/{id}", AnswerHandler{}, api);
    r.answer({verb::get}, "/api/v1/server", AnswerHandler{}, api);
    r.answer({verb::post}, "/api/v1/reload", AnswerHandler{}, api);
    r.answer(Methods::any(), "/api/v1/{*rest}", AnswerHandler{}, api);
    r.take_over(get, "/{app}/{stream}.flv", TakeOverHandler{}, media);
    r.stream(get, "/{app}/{stream}/index.mpd", StreamHandler{}, media);
    r.stream(get, "/{app}/{stream}/dash/{file}", StreamHandler{}, media);
    r.answer(get, "/{app}/{stream}/{file:.m3u8,.ts,.m4s,.mp4}", AnswerHandler{}, media);
    r.answer(get, "/console/{*path}", AnswerHandler{}, media);
    return r;
  }();
  return router;
}

constexpr verb kMethods[] = {verb::get,     verb::head,    verb::post,    verb::put,
                             verb::patch,   verb::delete_, verb::options, verb::trace,
                             verb::connect, verb::unknown};

std::string encode(const std::vector<std::string>& segments) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const auto& s : segments) {
    out += '/';
    for (unsigned char c : s) {
      // '.' is escaped too: Boost.URL reads a leading "/." as a prefix that keeps a path
      // starting with "//" apart from an authority, not as a segment.
      if (std::isalnum(c) || c == '-' || c == '_' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  // The parse drops one trailing empty segment (a trailing slash): give it one to drop.
  if (segments.empty() || segments.back().empty()) out += '/';
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const verb method = kMethods[data[0] % std::size(kMethods)];
  const std::string_view target(reinterpret_cast<const char*>(data + 1), size - 1);

  auto segments = path_segments(target);
  if (!segments) return 0;
  size_t total = 0;
  for (const auto& s : *segments)
    total += s.size();
  if (total > target.size()) __builtin_trap();  // decoding never grows the input
  auto again = path_segments(encode(*segments));
  if (!again || *again != *segments) __builtin_trap();

  const Router& router = routes();
  auto found = router.resolve(method, *segments);
  if (found.kind == Resolution::Kind::NotFound) {
    for (const auto& r : router.routes())
      if (r.pattern.match(*segments)) __builtin_trap();
    return 0;
  }
  if (!found.route) __builtin_trap();
  auto match = found.route->pattern.match(*segments);
  if (!match || match->named != found.captures.named || match->rest != found.captures.rest)
    __builtin_trap();
  for (const auto& r : router.routes()) {
    if (r.pattern.compare_specificity(found.route->pattern) < 0 && r.pattern.match(*segments))
      __builtin_trap();  // a more specific pattern matched and lost
  }
  switch (found.kind) {
    case Resolution::Kind::Found:
      if (!found.route->methods.allows(method)) __builtin_trap();
      break;
    case Resolution::Kind::MethodNotAllowed:
      if (found.route->methods.allows(method) || found.allow.empty()) __builtin_trap();
      break;
    case Resolution::Kind::Preflight:
      if (method != verb::options) __builtin_trap();
      break;
    default:
      break;
  }
  return 0;
}
