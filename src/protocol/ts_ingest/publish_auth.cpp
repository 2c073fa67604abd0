#include "protocol/ts_ingest/publish_auth.hpp"

#include <boost/asio/this_coro.hpp>

namespace firstmile::ts_ingest {

boost::asio::awaitable<Result<std::shared_ptr<media::Stream>>> authorize_and_acquire(
    ServerContext& ctx, control::AccessRequest request,
    std::function<bool(const std::string& name)> proceed) {
  const std::string app = request.app;
  // Named locals around co_await: GCC 12 may destroy a temporary in a co_await expression twice.
  auto task = ctx.admission.authorize_publish(std::move(request));
  auto decision = co_await std::move(task);
  if (!decision.allowed) co_return Error{decision.reason};
  if (!proceed(decision.stream)) co_return std::shared_ptr<media::Stream>();
  auto executor = co_await boost::asio::this_coro::executor;
  co_return ctx.streams.acquire(app, decision.stream, executor);
}

}  // namespace firstmile::ts_ingest
