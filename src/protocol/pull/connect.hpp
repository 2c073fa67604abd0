#pragma once
// A pulled source's TCP connection: the host resolved and connected, each within `timeout`,
// on the socket's executor; TCP_NODELAY set.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <string>

#include "core/result.hpp"

namespace firstmile::pull {

boost::asio::awaitable<Result<boost::asio::ip::tcp::endpoint>> connect_tcp(
    boost::asio::ip::tcp::socket& socket, std::string host, uint16_t port,
    std::chrono::steady_clock::duration timeout);

}  // namespace firstmile::pull
