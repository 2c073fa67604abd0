#include "core/net.hpp"

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

}  // namespace firstmile
