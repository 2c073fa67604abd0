// admit(): admission first, then the stream; a refused, withdrawn or unavailable publish leaves
// no stream behind.
#include "protocol/publish/admit.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "media/registry.hpp"

namespace firstmile::publish {
namespace {

namespace asio = boost::asio;

class ScriptedAdmission : public control::Admission {
 public:
  control::AccessDecision decision;
  std::vector<control::AccessRequest> asked;

  asio::awaitable<control::AccessDecision> authorize_publish(control::AccessRequest r) override {
    asked.push_back(r);
    co_return decision;
  }
  asio::awaitable<control::AccessDecision> authorize_play(control::AccessRequest) override {
    co_return control::AccessDecision{};
  }
  bool static_key_refuses(const std::string&, const std::string&) override { return false; }
  bool play_token_refuses(const control::AccessRequest&) override { return false; }
  bool checks_digest(bool, const std::string&) override { return false; }
  void http_client_started(const media::Stream&, const std::string&, const std::string&,
                           const char*) override {}
  std::shared_ptr<const Config> config() const override { return std::make_shared<Config>(); }
};

class AdmitTest : public ::testing::Test {
 protected:
  AdmitTest()
      : log_(make_logger(LogConfig{"off", "text"})),
        workers_(1),
        registry_(config_, log_, nullptr),
        ctx_{config_, log_, workers_, registry_, connections_, admission_, faults_} {}

  AdmitResult run(control::AccessRequest request,
                  std::function<bool(const std::string&)> wanted = {}) {
    AdmitResult out;
    bool done = false;
    asio::co_spawn(
        ioc_,
        [&]() -> asio::awaitable<void> {
          out = co_await admit(ctx_, request, wanted);
          done = true;
        },
        asio::detached);
    // Until the coroutine is done, not until the io_context runs dry: a stream's linger timer
    // would remove it.
    while (!done && ioc_.run_one_for(std::chrono::seconds(5)) > 0) {
    }
    EXPECT_TRUE(done);
    return out;
  }

  asio::io_context ioc_;
  Config config_;
  Logger log_;
  WorkerPool workers_;
  media::StreamRegistry registry_;
  ConnectionLimiter connections_{100};
  ScriptedAdmission admission_;
  FaultCounter faults_;
  ServerContext ctx_;
};

control::AccessRequest request(std::string key) {
  return control::AccessRequest{"test", "live", std::move(key), "a=1", "10.0.0.1:5"};
}

TEST_F(AdmitTest, AllowedPublishGetsItsStream) {
  admission_.decision = {true, "cam", "", 403};
  auto r = run(request("cam"));
  ASSERT_TRUE(r.admitted());
  ASSERT_TRUE(r.stream);
  EXPECT_EQ(r.stream->path(), "live/cam");
  EXPECT_EQ(registry_.find("live", "cam"), r.stream);
  EXPECT_FALSE(r.renamed("cam"));
  ASSERT_EQ(admission_.asked.size(), 1u);
  EXPECT_EQ(admission_.asked[0].protocol, "test");
  EXPECT_EQ(admission_.asked[0].query, "a=1");
}

TEST_F(AdmitTest, RenamedPublishGetsTheNewName) {
  admission_.decision = {true, "public-name", "", 403};
  auto r = run(request("s3cr3t-key"));
  ASSERT_TRUE(r.admitted());
  EXPECT_EQ(r.stream->name(), "public-name");
  EXPECT_TRUE(r.renamed("s3cr3t-key"));
  EXPECT_FALSE(registry_.find("live", "s3cr3t-key"));
}

TEST_F(AdmitTest, RefusedPublishLeavesNoStream) {
  admission_.decision = {false, "", "unknown stream key", 403};
  auto r = run(request("cam"));
  EXPECT_EQ(r.outcome, AdmitResult::Outcome::Refused);
  EXPECT_EQ(r.reason, "unknown stream key");
  EXPECT_FALSE(r.stream);
  EXPECT_EQ(registry_.size(), 0u);
}

TEST_F(AdmitTest, WithdrawnPublishLeavesNoStream) {
  admission_.decision = {true, "cam", "", 403};
  std::string seen;
  auto r = run(request("cam"), [&](const std::string& name) {
    seen = name;
    return false;  // the publisher went away while the backend was deciding
  });
  EXPECT_EQ(r.outcome, AdmitResult::Outcome::Withdrawn);
  EXPECT_EQ(seen, "cam");
  EXPECT_EQ(registry_.size(), 0u);
}

TEST_F(AdmitTest, UnavailableWhenNoStreamCanBeHad) {
  config_.stream.max_streams = 0;
  registry_.set_max_streams(0);
  admission_.decision = {true, "cam", "", 403};
  auto r = run(request("cam"));
  EXPECT_EQ(r.outcome, AdmitResult::Outcome::Unavailable);
  EXPECT_NE(r.reason.find("too many streams"), std::string::npos) << r.reason;
  admission_.decision = {true, "bad/name", "", 403};
  registry_.set_max_streams(10);
  r = run(request("cam"));
  EXPECT_EQ(r.outcome, AdmitResult::Outcome::Unavailable);
  EXPECT_EQ(r.reason, "invalid stream name");
}

}  // namespace
}  // namespace firstmile::publish
