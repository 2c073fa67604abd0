#include "protocol/rtsp/udp_port_pool.hpp"

#include <unistd.h>

#include <charconv>

namespace firstmile::rtsp {

Result<std::pair<uint16_t, uint16_t>> parse_port_range(const std::string& text) {
  const size_t dash = text.find('-');
  auto number = [](std::string_view s) -> std::optional<uint32_t> {
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v > 65535) {
      return std::nullopt;
    }
    return v;
  };
  if (dash == std::string::npos) return fail("'", text, "' is not a range like 8000-8999");
  auto first = number(std::string_view(text).substr(0, dash));
  auto last = number(std::string_view(text).substr(dash + 1));
  if (!first || !last) return fail("'", text, "' is not a range like 8000-8999");
  if (*first % 2 != 0 || *last % 2 != 1 || *first == 0 || *last <= *first) {
    return fail("'", text,
                "': the range must start on an even port and end on an odd one above it");
  }
  return std::pair<uint16_t, uint16_t>{static_cast<uint16_t>(*first), static_cast<uint16_t>(*last)};
}

UdpPortPool::Pair::~Pair() {
  if (pool) pool->give_back(port);
}

size_t UdpPortPool::in_use() const {
  std::lock_guard lock(mutex_);
  return used_.size();
}

void UdpPortPool::give_back(uint16_t port) {
  std::lock_guard lock(mutex_);
  used_.erase(port);
}

Result<std::unique_ptr<UdpPortPool::Pair>> UdpPortPool::take(
    const asio::ip::address& address, const asio::any_io_executor& executor) {
  const uint32_t pairs = (uint32_t{last_} - first_ + 1) / 2;
  std::lock_guard lock(mutex_);
  for (uint32_t tried = 0; tried < pairs; ++tried) {
    const auto port = static_cast<uint16_t>(first_ + 2 * ((next_ + tried) % pairs));
    if (used_.count(port)) continue;
    auto pair = std::make_unique<Pair>();
    boost::system::error_code ec;
    pair->rtp.emplace(executor);
    pair->rtcp.emplace(executor);
    const auto protocol = address.is_v6() ? udp::v6() : udp::v4();
    pair->rtp->open(protocol, ec);
    if (!ec) pair->rtp->bind(udp::endpoint(address, port), ec);
    if (!ec) pair->rtcp->open(protocol, ec);
    if (!ec) pair->rtcp->bind(udp::endpoint(address, static_cast<uint16_t>(port + 1)), ec);
    if (ec) continue;  // held by something else: the next pair
    used_.insert(port);
    next_ = static_cast<uint16_t>((next_ + tried + 1) % pairs);
    pair->port = port;
    pair->pool = shared_from_this();
    return pair;
  }
  return fail("no free UDP port pair in rtsp.udp_ports (", used_.size(), " in use)");
}

Result<udp::socket> move_udp_socket(udp::socket& socket, const asio::any_io_executor& executor) {
  boost::system::error_code ec;
  auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return fail("move socket: ", ec.message());
  auto fd = socket.release(ec);
  if (ec) return fail("move socket: ", ec.message());
  udp::socket moved(executor);
  moved.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    return fail("move socket: ", ec.message());
  }
  return moved;
}

}  // namespace firstmile::rtsp
