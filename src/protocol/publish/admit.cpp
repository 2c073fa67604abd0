#include "protocol/publish/admit.hpp"

#include <boost/asio/this_coro.hpp>

namespace firstmile::publish {

boost::asio::awaitable<AdmitResult> admit(
    ServerContext& ctx, control::AccessRequest request,
    std::function<bool(const std::string& name)> still_wanted) {
  const std::string app = request.app;
  // The name asked for may be the stream key, unless credentials carry the key.
  const std::string asked = request.credentials ? std::string() : request.stream;
  AdmitResult r;
  // Named locals around co_await: GCC 12 may destroy a temporary in a co_await expression twice.
  auto task = ctx.admission.authorize_publish(std::move(request));
  auto decision = co_await std::move(task);
  if (!decision.allowed) {
    r.outcome = AdmitResult::Outcome::Refused;
    r.reason = std::move(decision.reason);
    r.status = decision.http_status;
    co_return r;
  }
  r.name = std::move(decision.stream);
  if (still_wanted && !still_wanted(r.name)) {
    r.outcome = AdmitResult::Outcome::Withdrawn;
    co_return r;
  }
  auto executor = co_await boost::asio::this_coro::executor;
  auto stream = ctx.streams.acquire(app, r.name, executor, media::Claim::Publish);
  if (!stream) {
    r.outcome = AdmitResult::Outcome::Unavailable;
    r.reason = stream.error().message;
    co_return r;
  }
  // A name the control plane chose is public: the hub may log it in full.
  if (r.name != asked) (*stream)->mark_name_public();
  r.outcome = AdmitResult::Outcome::Admitted;
  r.stream = std::move(*stream);
  co_return r;
}

}  // namespace firstmile::publish
