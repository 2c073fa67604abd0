#pragma once
// What a protocol needs of the server's streams: find one by name, or find-or-create it for a
// publisher (or a player that waits for one). The StreamRegistry implements it; a cluster later
// wraps it ("here, or pulled from the node that owns it") without the protocols noticing.
#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace firstmile::media {

class Stream;

// Why a stream is acquired: a publisher claims the name (stream.max_streams), a player of a
// name nobody publishes waits on it (stream.max_waiting, counted apart).
enum class Claim { Publish, Play };

class StreamDirectory {
 public:
  virtual ~StreamDirectory() = default;
  // Any thread.
  virtual std::shared_ptr<Stream> find(const std::string& app, const std::string& name) const = 0;
  // Finds the stream or creates it on `executor` (the caller's worker). Refuses invalid names
  // and more streams than the server allows for `claim`.
  virtual Result<std::shared_ptr<Stream>> acquire(const std::string& app, const std::string& name,
                                                  const boost::asio::any_io_executor& executor,
                                                  Claim claim) = 0;
  virtual std::vector<std::shared_ptr<Stream>> list() const = 0;

  // A viewer asked for `app/name` and nobody publishes it: true when a source will publish it
  // on demand (an on-demand pull, started by this call if it was not running), so the viewer
  // may wait for it a while. Any thread.
  virtual bool demand(const std::string& app, const std::string& name) {
    std::lock_guard lock(demand_mutex_);
    return demand_handler_ && demand_handler_(app, name);
  }
  // Who starts sources on demand (the pulls); set once before the streams are served.
  using DemandHandler = std::function<bool(const std::string& app, const std::string& name)>;
  void set_demand_handler(DemandHandler handler) {
    std::lock_guard lock(demand_mutex_);
    demand_handler_ = std::move(handler);
  }

 private:
  std::mutex demand_mutex_;
  DemandHandler demand_handler_;
};

}  // namespace firstmile::media
