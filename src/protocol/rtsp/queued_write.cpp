#include "protocol/rtsp/queued_write.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace firstmile::rtsp {

namespace asio = boost::asio;

asio::awaitable<boost::system::error_code> write_queued(asio::ip::tcp::socket& socket,
                                                        std::string& queue, bool& writing) {
  boost::system::error_code first;
  if (writing) co_return first;
  writing = true;
  while (!queue.empty()) {
    const std::string text = std::move(queue);
    queue.clear();
    auto [ec, n] =
        co_await asio::async_write(socket, asio::buffer(text), asio::as_tuple(asio::use_awaitable));
    if (ec) {
      queue.clear();
      if (!first) first = ec;
    }
  }
  writing = false;
  co_return first;
}

}  // namespace firstmile::rtsp
