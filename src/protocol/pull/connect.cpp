#include "protocol/pull/connect.hpp"
#include "core/awaitable.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace firstmile::pull {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace boost::asio::experimental::awaitable_operators;

asio::awaitable<Result<tcp::endpoint>> connect_tcp(tcp::socket& socket, std::string host,
                                                   uint16_t port,
                                                   std::chrono::steady_clock::duration timeout) {
  tcp::resolver resolver(socket.get_executor());
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(timeout);
  auto resolved = co_await (resolver.async_resolve(host, std::to_string(port), kAwaitable) ||
                            timer.async_wait(kAwaitable));
  if (resolved.index() == 1) co_return fail("resolving ", host, " timed out");
  auto [rec, endpoints] = std::get<0>(resolved);
  if (rec) co_return fail("resolving ", host, ": ", rec.message());
  timer.expires_after(timeout);
  auto connected =
      co_await (asio::async_connect(socket, endpoints, kAwaitable) || timer.async_wait(kAwaitable));
  if (connected.index() == 1) co_return fail("connecting timed out");
  auto [cec, endpoint] = std::get<0>(connected);
  if (cec) co_return fail("connecting: ", cec.message());
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  co_return endpoint;
}

}  // namespace firstmile::pull
