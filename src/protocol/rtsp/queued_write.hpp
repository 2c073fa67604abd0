#pragma once
// An RTSP connection that two coroutines write to (answers or keep-alives, and receiver
// reports): text is queued, and one writer at a time writes the queue, taking what is queued
// meanwhile too.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace firstmile::rtsp {

// Writes `queue` to `socket` unless a write is under way (`writing`: that one takes it).
// Returns the first error (the queue is then dropped).
boost::asio::awaitable<boost::system::error_code> write_queued(boost::asio::ip::tcp::socket& socket,
                                                               std::string& queue, bool& writing);

}  // namespace firstmile::rtsp
