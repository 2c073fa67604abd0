#include "protocol/http/router.hpp"

#include <algorithm>
#include <array>
#include <type_traits>

namespace firstmile::http {

namespace {

size_t bit(bhttp::verb v) {
  return static_cast<size_t>(v);
}

// Allow lists these first, in this order; any other method after them.
constexpr std::array kCommon{bhttp::verb::get,    bhttp::verb::head,  bhttp::verb::post,
                             bhttp::verb::put,    bhttp::verb::patch, bhttp::verb::delete_,
                             bhttp::verb::options};

void strip_cors(bhttp::fields& f) {
  f.erase(bhttp::field::access_control_allow_origin);
  f.erase(bhttp::field::access_control_allow_methods);
  f.erase(bhttp::field::access_control_allow_headers);
  f.erase(bhttp::field::access_control_expose_headers);
}

}  // namespace

Methods::Methods(std::initializer_list<bhttp::verb> verbs) {
  for (auto v : verbs) {
    if (bit(v) < bits_.size()) bits_.set(bit(v));
  }
}

Methods Methods::any() {
  Methods m;
  m.any_ = true;
  return m;
}

bool Methods::allows(bhttp::verb v) const {
  if (any_) return true;
  if (v == bhttp::verb::head) v = bhttp::verb::get;
  return bit(v) < bits_.size() && bits_.test(bit(v));
}

Methods& Methods::operator|=(const Methods& o) {
  bits_ |= o.bits_;
  any_ = any_ || o.any_;
  return *this;
}

std::string Methods::allow_header() const {
  std::string out;
  auto add = [&](bhttp::verb v) {
    if (!out.empty()) out += ", ";
    out += bhttp::to_string(v);
  };
  for (auto v : kCommon) {
    if (allows(v)) add(v);
  }
  for (size_t i = 0; i < bits_.size(); ++i) {
    auto v = static_cast<bhttp::verb>(i);
    if (bits_.test(i) && std::find(kCommon.begin(), kCommon.end(), v) == kCommon.end()) add(v);
  }
  return out;
}

void Router::add(Route route) {
  // Keep routes_ most specific first; equal ones stay in registration order.
  auto at = routes_.begin();
  while (at != routes_.end() && at->pattern.compare_specificity(route.pattern) <= 0)
    ++at;
  routes_.insert(at, std::move(route));
}

void Router::answer(Methods methods, std::string_view pattern, AnswerHandler handler,
                    RouteOptions options) {
  add(Route{methods, RoutePattern(pattern), std::move(handler), std::move(options)});
}

void Router::stream(Methods methods, std::string_view pattern, StreamHandler handler,
                    RouteOptions options) {
  add(Route{methods, RoutePattern(pattern), std::move(handler), std::move(options)});
}

void Router::take_over(Methods methods, std::string_view pattern, TakeOverHandler handler,
                       RouteOptions options) {
  add(Route{methods, RoutePattern(pattern), std::move(handler), std::move(options)});
}

Resolution Router::resolve(bhttp::verb method, const std::vector<std::string>& segments) const {
  Resolution out;
  const Route* first = nullptr;
  for (const auto& r : routes_) {
    if (auto c = r.pattern.match(segments)) {
      first = &r;
      out.captures = std::move(*c);
      break;
    }
  }
  if (!first) return out;
  auto same = [&](const Route& r) { return r.pattern == first->pattern; };
  if (method == bhttp::verb::options) {
    for (const auto& r : routes_) {
      if (same(r) && r.options.cors.preflight) {
        out.kind = Resolution::Kind::Preflight;
        out.route = &r;
        return out;
      }
    }
  }
  Methods allowed;
  for (const auto& r : routes_) {
    if (!same(r)) continue;
    if (r.methods.allows(method)) {
      out.kind = Resolution::Kind::Found;
      out.route = &r;
      return out;
    }
    allowed |= r.methods;
  }
  out.kind = Resolution::Kind::MethodNotAllowed;
  out.route = first;
  out.allow = allowed.allow_header();
  return out;
}

Response Router::preflight(const Request& req, const Cors& cors) const {
  auto res = make_response(req, bhttp::status::no_content, "text/plain", "", config_);
  if (!cors.allow_origin) {
    strip_cors(res.base());
  } else if (!config_.cors_origin.empty()) {
    // Replaced only where the route differs from add_cors: set() moves a field to the end,
    // and today's preflight answers stay byte for byte what they were.
    auto announce = [&](bhttp::field f, const std::string& value) {
      if (res[f] != value) res.set(f, value);
    };
    announce(bhttp::field::access_control_allow_methods, cors.allow_methods);
    announce(bhttp::field::access_control_allow_headers, cors.allow_headers);
    announce(bhttp::field::access_control_expose_headers, cors.expose_headers);
  }
  return res;
}

boost::asio::awaitable<Outcome> Router::dispatch(RouteRequest& request,
                                                 const std::vector<std::string>& segments) const {
  const Request& req = request.req;
  auto found = resolve(req.method(), segments);
  if (found.kind == Resolution::Kind::NotFound)
    co_return make_error(req, bhttp::status::not_found, "no such resource", config_);
  const auto& options = found.route->options;
  if (found.kind == Resolution::Kind::Preflight) co_return preflight(req, options.cors);

  request.captures = std::move(found.captures);
  auto finish = [&](auto&& res) -> Outcome {
    if (!options.cors.allow_origin) {
      if constexpr (std::is_same_v<std::decay_t<decltype(res)>, BufferResponse>)
        strip_cors(res.header.base());
      else
        strip_cors(res.base());
    }
    return std::move(res);
  };
  if (options.guard) {
    if (auto refused = options.guard(request)) co_return finish(std::move(*refused));
  }
  if (found.kind == Resolution::Kind::MethodNotAllowed) {
    // RFC 9110, 15.5.6: a 405 MUST carry Allow with the target resource's methods.
    auto res =
        make_error(req, bhttp::status::method_not_allowed, options.not_allowed_reason, config_);
    res.set(bhttp::field::allow, found.allow);
    co_return finish(std::move(res));
  }

  const auto& handler = found.route->handler;
  if (auto* answer = std::get_if<AnswerHandler>(&handler)) {
    auto task = (*answer)(request);
    auto reply = co_await std::move(task);
    if (auto* r = std::get_if<Response>(&reply)) co_return finish(std::move(*r));
    co_return finish(std::move(std::get<BufferResponse>(reply)));
  }
  if (auto* streamer = std::get_if<StreamHandler>(&handler)) {
    auto task = (*streamer)(request);
    auto result = co_await std::move(task);
    if (auto* r = std::get_if<Response>(&result)) co_return finish(std::move(*r));
    co_return std::get<Streamed>(result);
  }
  auto task = std::get<TakeOverHandler>(handler)(request);
  auto result = co_await std::move(task);
  if (auto* r = std::get_if<Response>(&result)) co_return finish(std::move(*r));
  co_return TakenOver{};
}

}  // namespace firstmile::http
