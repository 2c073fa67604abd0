// HttpClients (HLS and DASH viewers): a viewer is an address seen within the window; a returning
// address after the window is new again; the table is bounded; bytes add up.
#include "output/http_clients.hpp"

#include <gtest/gtest.h>

namespace firstmile::output {
namespace {

using namespace std::chrono_literals;

TEST(HttpClients, CountsDistinctRecentAddresses) {
  HttpClients c(6s);
  const auto t0 = HttpClients::Clock::time_point{} + 1h;
  EXPECT_TRUE(c.note("10.0.0.1", t0));
  EXPECT_FALSE(c.note("10.0.0.1", t0 + 1s));  // the same viewer's next segment
  EXPECT_TRUE(c.note("10.0.0.2", t0 + 2s));
  EXPECT_EQ(c.viewers(t0 + 2s), 2u);
  // 10.0.0.1 was last seen at t0 + 1 s: gone 6 s later, 10.0.0.2 still counts.
  EXPECT_EQ(c.viewers(t0 + 7500ms), 1u);
  // Back after the window: a new viewer again (announced again as on_play).
  EXPECT_TRUE(c.note("10.0.0.1", t0 + 8s));
  EXPECT_EQ(c.viewers(t0 + 8s), 2u);
}

TEST(HttpClients, TableIsBounded) {
  HttpClients c(6s);
  const auto t0 = HttpClients::Clock::time_point{} + 1h;
  for (size_t i = 0; i < HttpClients::kMaxClients; ++i)
    c.note(std::string("a").append(std::to_string(i)), t0);
  // Full of recent addresses: a new one is neither recorded nor announced.
  EXPECT_FALSE(c.note("new", t0 + 1s));
  EXPECT_EQ(c.viewers(t0 + 1s), HttpClients::kMaxClients);
  // Once the old ones expire they are pruned and new addresses count again.
  EXPECT_TRUE(c.note("new", t0 + 10s));
  EXPECT_EQ(c.viewers(t0 + 10s), 1u);
}

TEST(HttpClients, AddsBytes) {
  HttpClients c(6s);
  EXPECT_EQ(c.bytes(), 0u);
  c.add_bytes(1000);
  c.add_bytes(24);
  EXPECT_EQ(c.bytes(), 1024u);
}

}  // namespace
}  // namespace firstmile::output
