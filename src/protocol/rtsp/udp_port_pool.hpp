#pragma once
// The UDP port pairs RTSP sessions receive RTP and RTCP on (rtsp.udp_ports): an even port for
// RTP and the next for RTCP (RFC 3550 11), one pair per track set up over UDP, returned when
// the session ends. Any thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "core/net.hpp"
#include "core/result.hpp"

namespace firstmile::rtsp {

using udp = asio::ip::udp;

// "8000-8999" -> {8000, 8999}: the first port even, the last odd, at least one pair.
Result<std::pair<uint16_t, uint16_t>> parse_port_range(const std::string& text);

class UdpPortPool : public std::enable_shared_from_this<UdpPortPool> {
 public:
  UdpPortPool(uint16_t first, uint16_t last) : first_(first), last_(last) {}

  // Two bound sockets (RTP on an even port, RTCP on the next) and the pair's return to the pool.
  struct Pair {
    Pair() = default;
    Pair(Pair&&) = default;
    Pair& operator=(Pair&&) = default;
    ~Pair();
    std::optional<udp::socket> rtp;
    std::optional<udp::socket> rtcp;
    uint16_t port = 0;  // the RTP port
    std::shared_ptr<UdpPortPool> pool;
  };

  // Binds a free pair on `address` with sockets on `executor`: the next free pair after the
  // last one handed out, skipping ports something else holds. Fails when every pair is taken.
  Result<std::unique_ptr<Pair>> take(const asio::ip::address& address,
                                     const asio::any_io_executor& executor);

  size_t in_use() const;

 private:
  void give_back(uint16_t port);

  const uint16_t first_, last_;
  mutable std::mutex mutex_;
  std::set<uint16_t> used_;
  uint16_t next_ = 0;
};

// Moves an open UDP socket to another executor, as move_socket does for TCP.
Result<udp::socket> move_udp_socket(udp::socket& socket, const asio::any_io_executor& executor);

}  // namespace firstmile::rtsp
