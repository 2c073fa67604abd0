#include "protocol/pull/demand.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "protocol/pull/pull_config.hpp"

namespace firstmile::pull {

namespace asio = boost::asio;

asio::awaitable<bool> wait_for_demand(ServerContext& ctx, const std::string& app,
                                      const std::string& name, std::function<bool()> ready) {
  if (ready()) co_return true;
  if (!ctx.streams.demand(app, name)) co_return false;
  const auto deadline =
      std::chrono::steady_clock::now() + ctx.config.get<PullConfig>().start_timeout;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(50));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return false;
    if (ready()) co_return true;
    // Still waiting: the source stays wanted (an on-demand source with nobody watching stops).
    if (!ctx.streams.demand(app, name)) co_return false;
  }
  co_return false;
}

}  // namespace firstmile::pull
