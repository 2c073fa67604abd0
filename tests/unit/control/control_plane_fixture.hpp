#pragma once
// Shared by the ControlPlane tests: a quiet logger, JSON helpers and the fixture that runs a
// ControlPlane next to a real local HTTP receiver.
#include "control/control_plane.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <boost/json.hpp>

#include <optional>
#include <regex>
#include <set>

#include "control/crypto.hpp"
#include "control/play_token.hpp"
#include "output/hls/segmenter.hpp"
#include "quiet_log.hpp"
#include "test_http_server.hpp"

namespace firstmile::control {
namespace {

using namespace std::chrono_literals;
using webhook_test::RecordedRequest;
using webhook_test::Reply;
using webhook_test::TestHttpServer;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

using test::quiet_log;

AccessRequest request(std::string protocol, std::string stream, std::string query = "",
                      std::string peer = "127.0.0.1:5555") {
  return AccessRequest{std::move(protocol), "live", std::move(stream), std::move(query),
                       std::move(peer)};
}

inline json::object body_of(const RecordedRequest& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  EXPECT_FALSE(ec) << r.body;
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << r.body;
    return {};
  }
  return v.as_object();
}

inline std::set<std::string> keys_of(const json::object& o) {
  std::set<std::string> out;
  for (const auto& kv : o)
    out.insert(std::string(kv.key()));
  return out;
}

inline std::string str(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "<missing " + std::string(key) + ">";
}

inline int64_t num(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<int64_t>() : -1;
}

inline double real(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<double>() : -1;
}

inline bool iso_time(const std::string& s) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
  return std::regex_match(s, re);
}

inline int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A loopback port with nothing listening (bound, then released).
inline uint16_t closed_port() {
  asio::io_context io;
  webhook_test::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  uint16_t port = a.local_endpoint().port();
  a.close();
  return port;
}

inline std::string metrics_text(const ControlPlane& cp) {
  MetricsWriter w;
  cp.write_metrics(w);
  return w.take();
}

inline bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

class ControlPlaneTest : public ::testing::Test {
 protected:
  ControlPlaneTest() { cfg_.node_id = "node-a"; }

  std::unique_ptr<ControlPlane> start(const Config& cfg) {
    auto cp = std::make_unique<ControlPlane>(std::make_shared<const Config>(cfg), quiet_log());
    auto st = cp->start();
    EXPECT_TRUE(st) << (st ? "" : st.error().message);
    return cp;
  }

  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = 4000ms) {
    return webhook_test::run_until(ioc_, pred, limit);
  }

  // Awaits one decision from a coroutine on the test's io_context (as a session would).
  AccessDecision decide(ControlPlane& cp, bool publish, AccessRequest r) {
    auto out = std::make_shared<std::optional<AccessDecision>>();
    auto task = publish ? cp.authorize_publish(std::move(r)) : cp.authorize_play(std::move(r));
    asio::co_spawn(ioc_, std::move(task), [out](std::exception_ptr e, AccessDecision d) {
      EXPECT_FALSE(e) << "decision threw";
      *out = std::move(d);
    });
    EXPECT_TRUE(run_until([&] { return out->has_value(); })) << "no decision in time";
    AccessDecision timed_out;
    timed_out.reason = "<no decision>";
    return out->value_or(timed_out);
  }
  AccessDecision publish(ControlPlane& cp, AccessRequest r) {
    return decide(cp, true, std::move(r));
  }
  AccessDecision play(ControlPlane& cp, AccessRequest r) { return decide(cp, false, std::move(r)); }

  asio::io_context ioc_;
  Config cfg_;
};
}  // namespace
}  // namespace firstmile::control
