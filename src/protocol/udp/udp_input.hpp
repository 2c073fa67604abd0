#pragma once
// One plain UDP / MPEG-TS input (udp.inputs): a socket bound to a fixed address that publishes
// one configured stream. UDP has no connection and no stream id, so the input makes its own
// sessions: the first datagram from a source starts a publish (authorized like an RTMP or SRT
// publish, with the configured stream name as the key), silence for udp.idle_timeout ends it,
// and while one source publishes every other source is dropped and counted.
//
// Everything here runs on the input's worker (its socket's io_context), except the demuxer,
// which lives on the stream's executor like any publisher's state.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "protocol/server_context.hpp"

namespace firstmile::udp {

using udp_endpoint = asio::ip::udp::endpoint;

struct UdpInputStats {
  uint64_t datagrams = 0;          // all datagrams received
  uint64_t bytes = 0;              // their bytes
  uint64_t foreign_datagrams = 0;  // from another source while one publishes
  uint64_t discarded_bytes = 0;    // not passed to a demuxer (foreign, waiting, held back)
  uint64_t publishes = 0;          // publishes started (attached to the stream)
  uint64_t refusals = 0;           // publishes refused (auth, limits, stream busy)
};

class UdpInput : public std::enable_shared_from_this<UdpInput> {
 public:
  // `path` is "app/stream" and `address` its listen address, both validated by the config.
  UdpInput(ServerContext& ctx, std::string path, std::string address);
  ~UdpInput();
  UdpInput(const UdpInput&) = delete;
  UdpInput& operator=(const UdpInput&) = delete;

  // Binds (joining the group for a multicast address) and starts the receive loop. Throws
  // std::runtime_error naming the input and the address on failure. Any thread, before the
  // workers run or on them.
  void start();
  // Closes the socket and ends the current publish ("server shutting down"). Any thread.
  void stop();

  udp_endpoint local_endpoint() const { return bound_; }
  // The input's worker only (or after it stopped).
  const UdpInputStats& stats() const { return stats_; }

 private:
  struct Publish;

  // Member coroutines take `self` by value: it keeps the input alive while they run.
  asio::awaitable<void> receive_loop(std::shared_ptr<UdpInput> self);
  asio::awaitable<void> idle_loop(std::shared_ptr<UdpInput> self);
  asio::awaitable<void> authorize_task(std::shared_ptr<UdpInput> self, std::shared_ptr<Publish> p);
  // One datagram of `size` bytes, in buf_; appends to `batch` what goes to the current publish.
  void handle(size_t size, const udp_endpoint& source, std::chrono::steady_clock::time_point now,
              Bytes& batch);
  void send_batch(Bytes&& batch);
  void start_publish(const udp_endpoint& source);
  void refuse(std::shared_ptr<Publish> p, const std::string& reason);
  // Ends `p` if it is still the current publish: tells the stream (if attached) and holds its
  // source back for `hold` (kick, refusal) so that its next datagrams do not restart it at once.
  void finish(std::shared_ptr<Publish> p, const std::string& reason,
              std::chrono::milliseconds hold);
  void hold_source(const udp_endpoint& source, std::chrono::steady_clock::time_point until);
  bool held(const udp_endpoint& source, std::chrono::steady_clock::time_point now);
  void note_foreign(const udp_endpoint& source, std::chrono::steady_clock::time_point now);
  // On the stream's executor, once the control plane allowed the publish.
  static void attach(const std::shared_ptr<Publish>& p, const std::shared_ptr<media::Stream>& s,
                     const std::weak_ptr<UdpInput>& input, const Logger& log);

  ServerContext& ctx_;
  std::string app_, stream_;
  std::string address_;
  std::string label_;  // "app/stream" with the stream shortened (it may be a key), for logs
  asio::io_context& io_;
  asio::ip::udp::socket socket_;
  asio::steady_timer idle_timer_;
  udp_endpoint bound_;
  bool stopped_ = false;

  // Input worker only.
  std::shared_ptr<Publish> current_;
  std::map<udp_endpoint, std::chrono::steady_clock::time_point> held_;     // source -> until
  std::map<udp_endpoint, std::chrono::steady_clock::time_point> foreign_;  // last logged
  UdpInputStats stats_;
  Bytes buf_;  // one datagram
};

}  // namespace firstmile::udp
