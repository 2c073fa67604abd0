// StreamRegistry: publishers and waiting players are counted apart (stream.max_streams,
// stream.max_waiting), so players of names nobody publishes cannot use up the publishers' room.
#include "media/registry.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace firstmile::media {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest() : log_(make_logger(LogConfig{"off", "text"})) {
    registry_.set_max_streams(2);  // read at construction (and on reload)
    config_.stream.max_waiting = 3;
  }
  Result<std::shared_ptr<Stream>> acquire(const std::string& name, Claim claim) {
    return registry_.acquire("live", name, ioc_.get_executor(), claim);
  }

  Config config_;
  Logger log_;
  boost::asio::io_context ioc_;
  StreamRegistry registry_{config_, log_, nullptr};
};

TEST_F(RegistryTest, WaitingPlayersDoNotUseThePublishersRoom) {
  for (auto name : {"w1", "w2", "w3"})
    ASSERT_TRUE(acquire(name, Claim::Play)) << name;
  auto refused = acquire("w4", Claim::Play);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("stream.max_waiting = 3"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(registry_.waiting(), 3u);
  // Three names players wait on, and both publishers still get in.
  ASSERT_TRUE(acquire("p1", Claim::Publish));
  ASSERT_TRUE(acquire("p2", Claim::Publish));
  auto third = acquire("p3", Claim::Publish);
  ASSERT_FALSE(third);
  EXPECT_NE(third.error().message.find("stream.max_streams = 2"), std::string::npos);
  EXPECT_EQ(registry_.size(), 5u);
}

TEST_F(RegistryTest, APublisherClaimsANamePlayersWaitOn) {
  auto waiting = acquire("w1", Claim::Play);
  ASSERT_TRUE(waiting);
  EXPECT_FALSE((*waiting)->claimed());
  auto published = acquire("w1", Claim::Publish);
  ASSERT_TRUE(published);
  EXPECT_EQ(published->get(), waiting->get()) << "the players' stream, not a new one";
  EXPECT_TRUE((*published)->claimed());
  EXPECT_EQ(registry_.waiting(), 0u);
  // A player of a published name joins it whatever the waiting room holds.
  for (auto name : {"w2", "w3", "w4"})
    ASSERT_TRUE(acquire(name, Claim::Play)) << name;
  auto joined = acquire("w1", Claim::Play);
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->get(), waiting->get());
}

TEST_F(RegistryTest, ClaimingAWaitingNameNeedsAPublishersRoom) {
  ASSERT_TRUE(acquire("p1", Claim::Publish));
  ASSERT_TRUE(acquire("p2", Claim::Publish));
  ASSERT_TRUE(acquire("w1", Claim::Play));
  auto claim = acquire("w1", Claim::Publish);
  ASSERT_FALSE(claim);
  EXPECT_NE(claim.error().message.find("stream.max_streams"), std::string::npos);
  EXPECT_EQ(registry_.waiting(), 1u) << "still a waiting stream";
}

TEST_F(RegistryTest, NoWaitingRoomRefusesPlayersOfUnpublishedNames) {
  config_.stream.max_waiting = 0;
  EXPECT_FALSE(acquire("w1", Claim::Play));
  ASSERT_TRUE(acquire("p1", Claim::Publish));
  EXPECT_TRUE(acquire("p1", Claim::Play)) << "a published name is not waiting";
}

}  // namespace
}  // namespace firstmile::media
