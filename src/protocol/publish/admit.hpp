#pragma once
// The first steps of the one publish path, for every ingest (RTMP, SRT, UDP; RTSP RECORD, WHIP
// and server-started pulls next): admission (static keys, signed URLs, the on_publish webhook,
// which may rename the stream), then the stream from the directory. Only then is a stream
// looked up or created, so a refused publisher leaves no trace (docs/architecture.md, "Publish
// path"). The next steps are the protocol's hop to the stream's executor and
// Publication::attach there.
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>

#include "control/admission.hpp"
#include "media/stream.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::publish {

struct AdmitResult {
  enum class Outcome {
    Admitted,     // `stream` is the stream to attach to, on its executor
    Refused,      // the control plane said no (`reason` is safe to show the client)
    Unavailable,  // allowed, but no stream could be had (`reason`: bad name, too many streams)
    Withdrawn,    // allowed, but the publisher no longer wants it (it left meanwhile)
  };
  Outcome outcome = Outcome::Refused;
  std::shared_ptr<media::Stream> stream;
  std::string name;  // the stream's name; the control plane may have renamed the publish
  std::string reason;
  int status = 0;  // refused: the decision's HTTP-style status (401, 403, 429, 503)

  bool admitted() const { return outcome == Outcome::Admitted; }
  bool renamed(const std::string& requested) const { return !name.empty() && name != requested; }
};

// Runs on the caller's executor and resumes there; a new stream is created on that executor.
// `still_wanted(name)` runs after an allowed decision: false means the publish ended meanwhile
// (nothing is acquired).
boost::asio::awaitable<AdmitResult> admit(
    ServerContext& ctx, control::AccessRequest request,
    std::function<bool(const std::string& name)> still_wanted = {});

}  // namespace firstmile::publish
