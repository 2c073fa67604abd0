#pragma once
// The admission step SRT and UDP publishes share once their connection is there: the control
// plane's decision (static keys, then the on_publish webhook, which may rename the stream), then
// the stream it names from the registry. Only then is a stream looked up or created, so a
// refused publisher leaves no trace in the registry (docs/architecture.md, "Publish auth").
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>

#include "control/admission.hpp"
#include "core/result.hpp"
#include "media/stream.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::ts_ingest {

// Runs on the caller's worker and resumes there; a new stream is created on that executor.
// After an allowed decision, `proceed(name)` (name: the stream the control plane chose) says
// whether the publish still wants it (false: it ended meanwhile, and nothing is acquired; the
// result is then an empty pointer). An error is a refusal, its message the reason to log and
// to close with.
boost::asio::awaitable<Result<std::shared_ptr<media::Stream>>> authorize_and_acquire(
    ServerContext& ctx, control::AccessRequest request,
    std::function<bool(const std::string& name)> proceed);

}  // namespace firstmile::ts_ingest
