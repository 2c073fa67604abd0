#pragma once
// The HTTP route table: method set + path pattern -> handler. The HTTP server reads a request,
// splits its target into decoded segments and hands both to Router::dispatch; everything the
// server answers (media, API, health, console) is an entry here.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <bitset>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config.hpp"
#include "core/net.hpp"
#include "protocol/http/http_config.hpp"
#include "protocol/http/response.hpp"
#include "protocol/http/route_pattern.hpp"

namespace firstmile::http {

// The methods a route serves. HEAD is served wherever GET is (RFC 9110, 9.3.2: the server
// sends the same header fields as for GET; the session drops the body).
class Methods {
 public:
  Methods() = default;
  Methods(std::initializer_list<bhttp::verb> verbs);
  static Methods any();

  bool allows(bhttp::verb v) const;
  Methods& operator|=(const Methods& o);
  // The Allow header value: "GET, HEAD, DELETE" (common methods in a fixed order first).
  std::string allow_header() const;

 private:
  std::bitset<64> bits_;
  bool any_ = false;
};

// What a handler gets: the request, the pattern's captures and the connection.
struct RouteRequest {
  Request& req;
  Captures captures;
  const std::string& peer;    // "address:port", for logs and webhooks
  const std::string& client;  // the address alone (API loopback rule, HLS client counting)
  boost::beast::tcp_stream& stream;
  boost::beast::flat_buffer& buffer;  // bytes read past this request
  ConnectionLimiter::Slot& slot;      // a take-over handler moves it along with the socket
};

// The handler wrote its response to the stream itself; the session goes on if keep_alive.
struct Streamed {
  bool keep_alive = false;
};
// The handler took the socket away (e.g. to the stream's worker); the session ends at once.
struct TakenOver {};

// The three handler kinds. An answer handler returns the response and the session writes it
// (with the body left out for HEAD); a stream handler writes the response itself (a chunked
// body produced while the stream makes it) unless it answers at once (a refusal); a take-over
// handler moves the socket out of the session unless it answers at once.
using Reply = std::variant<Response, BufferResponse>;
using AnswerHandler = std::function<boost::asio::awaitable<Reply>(RouteRequest&)>;
using StreamHandler =
    std::function<boost::asio::awaitable<std::variant<Response, Streamed>>(RouteRequest&)>;
using TakeOverHandler =
    std::function<boost::asio::awaitable<std::variant<Response, TakenOver>>(RouteRequest&)>;

using Outcome = std::variant<Response, BufferResponse, Streamed, TakenOver>;

// CORS of a route. The Access-Control-Allow-Origin value is http.cors_origin (empty: no CORS
// headers anywhere); make_response adds it with the default method and header lists below.
struct Cors {
  // OPTIONS on the route's path is answered 204 with the CORS headers (a preflight, Fetch
  // standard 3.2.2), without running the route's guard or handler. A route lists OPTIONS in
  // its 405's Allow only if it declares the method; with preflight off, a declared OPTIONS
  // goes to the handler (WHIP answers it with its ICE servers).
  bool preflight = true;
  // False strips the Access-Control-* headers from the route's answers and preflight: a route
  // no browser page of another origin may read.
  bool allow_origin = true;
  std::string allow_methods = "GET, HEAD, OPTIONS";
  std::string allow_headers = "Range, Content-Type, Authorization";
  std::string expose_headers = "Content-Length, Content-Range";
};

struct RouteOptions {
  Cors cors;
  // Runs once the path matched, before the method check and the handler: a response refuses
  // the request (the API's access rule, so a refused client learns nothing else).
  std::function<std::optional<Response>(const RouteRequest&)> guard;
  // The reason a 405 on this route's path gives.
  std::string not_allowed_reason = "method not allowed";
};

struct Route {
  Methods methods;
  RoutePattern pattern;
  std::variant<AnswerHandler, StreamHandler, TakeOverHandler> handler;
  RouteOptions options;
};

// What the table makes of a method and a path.
struct Resolution {
  enum class Kind { NotFound, Found, Preflight, MethodNotAllowed };
  Kind kind = Kind::NotFound;
  // Found: the route to run. Preflight and MethodNotAllowed: the route whose options apply
  // (the first registered of the path's pattern).
  const Route* route = nullptr;
  Captures captures;
  std::string allow;  // MethodNotAllowed: the Allow header
};

class Router {
 public:
  explicit Router(const HttpConfig& config) : config_(config) {}

  // Registration; a malformed pattern throws std::invalid_argument (start-up code).
  void answer(Methods methods, std::string_view pattern, AnswerHandler handler,
              RouteOptions options = {});
  void stream(Methods methods, std::string_view pattern, StreamHandler handler,
              RouteOptions options = {});
  void take_over(Methods methods, std::string_view pattern, TakeOverHandler handler,
                 RouteOptions options = {});

  // Precedence: the most specific pattern that matches the path wins, whatever the order of
  // registration (RoutePattern::compare_specificity: literal > suffix capture > capture >
  // rest, left to right). Specificity rather than registration order, so adding a route (a
  // protocol's, the console's) can never silently shadow or be shadowed by an existing one
  // depending on where the call sits; equally specific patterns that both match one path
  // (avoid them) fall back to registration order. All routes of the winning pattern form
  // the resource: one of them serves the method, or OPTIONS is a preflight, or it is a 405
  // listing their methods. No pattern matching is a 404; a less specific pattern is never
  // tried for the method the most specific one lacks.
  Resolution resolve(bhttp::verb method, const std::vector<std::string>& segments) const;

  // Resolves and runs: the guard, the handler, or the 404/405/preflight answer.
  boost::asio::awaitable<Outcome> dispatch(RouteRequest& request,
                                           const std::vector<std::string>& segments) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  void add(Route route);
  Response preflight(const Request& req, const Cors& cors) const;

  const HttpConfig& config_;
  std::vector<Route> routes_;  // most specific first
};

}  // namespace firstmile::http
