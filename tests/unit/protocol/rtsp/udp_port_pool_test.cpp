#include "protocol/rtsp/udp_port_pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace firstmile::rtsp {
namespace {

TEST(UdpPortPool, Ranges) {
  auto r = parse_port_range("8000-8999");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 8000);
  EXPECT_EQ(r->second, 8999);
  for (const char* bad : {"8001-9000", "8000-8998", "8000", "9000-8001", "0-1", "8000-70001", "a-b",
                          "8000-", "-8001"}) {
    EXPECT_FALSE(parse_port_range(bad)) << bad;
  }
}

// Four free ports from an even one (two pairs), found by binding: the test must not assume any
// port is free on the machine that runs it.
uint16_t free_pairs(asio::io_context& io) {
  for (uint16_t port = 41000; port < 43000; port += 4) {
    bool all = true;
    std::vector<udp::socket> held;
    for (uint16_t p = port; p < port + 4 && all; ++p) {
      boost::system::error_code ec;
      held.emplace_back(io);
      held.back().open(udp::v4(), ec);
      held.back().bind(udp::endpoint(asio::ip::make_address("127.0.0.1"), p), ec);
      all = !ec;
    }
    if (all) return port;
  }
  return 0;
}

TEST(UdpPortPool, PairsAreTakenAndGivenBack) {
  asio::io_context io;
  const uint16_t first = free_pairs(io);
  ASSERT_NE(first, 0);
  const auto loopback = asio::ip::make_address("127.0.0.1");
  auto pool = std::make_shared<UdpPortPool>(first, static_cast<uint16_t>(first + 3));  // 2 pairs
  auto a = pool->take(loopback, io.get_executor());
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ((*a)->port % 2, 0);
  EXPECT_EQ((*a)->rtp->local_endpoint().port(), (*a)->port);
  EXPECT_EQ((*a)->rtcp->local_endpoint().port(), (*a)->port + 1);
  auto b = pool->take(loopback, io.get_executor());
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_NE((*a)->port, (*b)->port);
  EXPECT_EQ(pool->in_use(), 2u);
  auto c = pool->take(loopback, io.get_executor());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("no free UDP port pair"), std::string::npos);
  const uint16_t returned = (*a)->port;
  a->reset();  // the session ends: its pair goes back
  EXPECT_EQ(pool->in_use(), 1u);
  auto d = pool->take(loopback, io.get_executor());
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)->port, returned);
}

TEST(UdpPortPool, SkipsPortsSomethingElseHolds) {
  asio::io_context io;
  const uint16_t first = free_pairs(io);
  ASSERT_NE(first, 0);
  const auto loopback = asio::ip::make_address("127.0.0.1");
  udp::socket squatter(io);
  squatter.open(udp::v4());
  squatter.bind(udp::endpoint(loopback, static_cast<uint16_t>(first + 1)));  // the first RTCP port
  auto pool = std::make_shared<UdpPortPool>(first, static_cast<uint16_t>(first + 3));
  auto a = pool->take(loopback, io.get_executor());
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ((*a)->port, first + 2);
}

}  // namespace
}  // namespace firstmile::rtsp
