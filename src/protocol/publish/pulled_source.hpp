#pragma once
// A publisher the server starts itself rather than one that connects to it: an RTSP camera the
// server pulls from, a stream an edge node pulls from its owner (cluster), later an HTTP or SRT
// pull. Each attempt goes through the one publish path like a socket's publish (admit, acquire,
// hop to the stream's executor, Publication::attach) and ends exactly once; the
// SourceSupervisor runs attempts again after a back-off.
#include <boost/asio/awaitable.hpp>

#include <string>

#include "core/result.hpp"

namespace firstmile::publish {

class PulledSource {
 public:
  virtual ~PulledSource() = default;
  // "app/stream <- where from", for logs.
  virtual std::string label() const = 0;
  // One attempt: connect, publish, serve until the source ends. The Status says why it ended
  // (an error: it failed; ok: it ended cleanly, e.g. the camera closed). Cancelled (terminal)
  // by SourceSupervisor::stop(): it then ends its publication and returns promptly.
  virtual boost::asio::awaitable<Status> run_once() = 0;
};

}  // namespace firstmile::publish
