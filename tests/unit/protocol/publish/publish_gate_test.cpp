// PublishGate: whichever of "connection closed" and "attached" comes second sees the other.
#include "protocol/publish/publish_gate.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace firstmile::publish {
namespace {

TEST(PublishGate, CloseBeforeAttach) {
  PublishGate g;
  EXPECT_FALSE(g.close());  // nothing attached: nothing to end on the stream's side
  EXPECT_TRUE(g.closed());
  EXPECT_FALSE(g.open());  // the attach that comes later ends at once
}

TEST(PublishGate, AttachBeforeClose) {
  PublishGate g;
  EXPECT_TRUE(g.open());
  EXPECT_TRUE(g.attached());
  EXPECT_TRUE(g.close());  // attached: the closing side posts the end
}

TEST(PublishGate, RacingSidesNeverBothMissTheOther) {
  for (int i = 0; i < 2000; ++i) {
    PublishGate g;
    bool closer_ends = false, opener_ends = false;
    std::thread a([&] { closer_ends = g.close(); });
    std::thread b([&] { opener_ends = !g.open(); });
    a.join();
    b.join();
    ASSERT_TRUE(closer_ends || opener_ends) << "iteration " << i << ": nobody ends the publish";
  }
}

}  // namespace
}  // namespace firstmile::publish
