#include "core/net.hpp"

#include <algorithm>

#include <unistd.h>

#include <charconv>

namespace firstmile {

Result<tcp::endpoint> parse_listen_address(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return fail("'", text, "' is not host:port");
  std::string host = text.substr(0, colon);
  std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    return fail("'", text, "': bad port '", port_text, "'");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  boost::system::error_code aec;
  auto address = asio::ip::make_address(host, aec);
  if (aec) return fail("'", text, "': bad address '", host, "' (use an IP address)");
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

std::string endpoint_string(const tcp::endpoint& ep) {
  auto a = ep.address();
  std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
  return host + ":" + std::to_string(ep.port());
}

bool is_loopback_address(std::string_view address) {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(address, ec);
  if (ec) return false;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  return a.is_loopback();
}

std::string peer_string(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? std::string("?") : endpoint_string(ep);
}

Result<tcp::socket> move_socket(tcp::socket& socket, const asio::any_io_executor& executor) {
  boost::system::error_code ec;
  auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return fail("move socket: ", ec.message());
  auto fd = socket.release(ec);
  if (ec) return fail("move socket: ", ec.message());
  tcp::socket moved(executor);
  moved.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    return fail("move socket: ", ec.message());
  }
  return moved;
}

namespace {

// The key of an address: IPv4-mapped IPv6 peers (a dual-stack listener) count as their IPv4
// address.
std::string address_key(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

}  // namespace

ConnectionLimiter::Slot ConnectionLimiter::try_acquire(const asio::ip::address& peer,
                                                       Refusal& why) {
  return acquire(address_key(peer), why);
}

ConnectionLimiter::Slot ConnectionLimiter::acquire(std::string address, Refusal& why) {
  why = Refusal::None;
  if (count_.fetch_add(1, std::memory_order_relaxed) >= max_.load(std::memory_order_relaxed)) {
    count_.fetch_sub(1, std::memory_order_relaxed);
    refused_.fetch_add(1, std::memory_order_relaxed);
    why = Refusal::Total;
    return Slot();
  }
  const uint32_t per_address = max_per_address_.load(std::memory_order_relaxed);
  // The host itself (a reverse proxy, a local tool) is not one peer among others.
  if (address.empty() || per_address == 0 || address == "127.0.0.1" || address == "::1")
    return Slot(this, {});
  {
    std::lock_guard lock(mutex_);
    auto& n = per_address_[address];
    if (n >= per_address) {
      if (n == 0) per_address_.erase(address);
      count_.fetch_sub(1, std::memory_order_relaxed);
      refused_.fetch_add(1, std::memory_order_relaxed);
      why = Refusal::PerAddress;
      return Slot();
    }
    ++n;
  }
  return Slot(this, std::move(address));
}

uint32_t ConnectionLimiter::max_viewers() const {
  const uint32_t max = max_.load(std::memory_order_relaxed);
  return max - std::min(reserved_.load(std::memory_order_relaxed), max / 2);
}

bool ConnectionLimiter::take_viewer() {
  if (viewers_.fetch_add(1, std::memory_order_relaxed) >= max_viewers()) {
    viewers_.fetch_sub(1, std::memory_order_relaxed);
    refused_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void ConnectionLimiter::release(const std::string& address, bool viewer) {
  count_.fetch_sub(1, std::memory_order_relaxed);
  if (viewer) viewers_.fetch_sub(1, std::memory_order_relaxed);
  if (address.empty()) return;
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

uint32_t ConnectionLimiter::count_of(const asio::ip::address& peer) const {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(address_key(peer));
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace firstmile
