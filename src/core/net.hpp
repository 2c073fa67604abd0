#pragma once
// Small networking helpers shared by the protocol servers.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/result.hpp"

namespace firstmile {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// "0.0.0.0:1935", "[::]:8080", ":1935" (all IPv4 addresses), "127.0.0.1:0".
Result<tcp::endpoint> parse_listen_address(const std::string& text);

// "address:port" ("[v6]:port"), or "?" when the endpoint cannot be read.
std::string endpoint_string(const tcp::endpoint& ep);
std::string peer_string(const tcp::socket& socket);

// Moves an open socket to another executor (the stream's worker): the descriptor leaves this
// io_context's reactor and joins the other's. No operation may be pending on the socket.
Result<tcp::socket> move_socket(tcp::socket& socket, const asio::any_io_executor& executor);

// True for 127.0.0.0/8, ::1 and their IPv4-mapped forms; false for anything unparsable.
bool is_loopback_address(std::string_view address);

// Counts open connections across all protocols against limits.max_connections, and those of
// one peer address against limits.max_connections_per_ip, so that one host cannot hold every
// connection the server allows. Viewers (HTTP connections, RTMP and SRT players) have a share
// of their own: limits.reserved_for_publishers slots (at most half the total) are kept from
// them, so that however many viewers come, a publisher can still connect.
class ConnectionLimiter {
 public:
  // `max_per_address` 0: no per-address limit. `reserved` 0: viewers may take every slot.
  explicit ConnectionLimiter(uint32_t max, uint32_t max_per_address = 0, uint32_t reserved = 0)
      : max_(max), max_per_address_(max_per_address), reserved_(reserved) {}
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& o) noexcept
        : limiter_(std::exchange(o.limiter_, nullptr)),
          address_(std::move(o.address_)),
          viewer_(std::exchange(o.viewer_, false)) {}
    Slot& operator=(Slot&& o) noexcept {
      release();
      limiter_ = std::exchange(o.limiter_, nullptr);
      address_ = std::move(o.address_);
      viewer_ = std::exchange(o.viewer_, false);
      return *this;
    }
    ~Slot() { release(); }
    explicit operator bool() const { return limiter_ != nullptr; }
    // The connection turns out to be a viewer's (an RTMP or SRT play, an HTTP request): it
    // now counts against the viewers' share too. False (and the connection should be refused)
    // when that share is full; true for an empty slot (nothing to count) or one already counted.
    bool become_viewer() {
      if (!limiter_ || viewer_) return true;
      viewer_ = limiter_->take_viewer();
      return viewer_;
    }
    bool viewer() const { return viewer_; }

   private:
    friend class ConnectionLimiter;
    Slot(ConnectionLimiter* l, std::string address) : limiter_(l), address_(std::move(address)) {}
    void release() {
      if (limiter_) limiter_->release(address_, viewer_);
      limiter_ = nullptr;
      viewer_ = false;
    }
    ConnectionLimiter* limiter_ = nullptr;
    std::string address_;  // counted per address; empty: not
    bool viewer_ = false;  // counted in the viewers' share
  };

  enum class Refusal { None, Total, PerAddress };

  // A connection without a peer address (a configured UDP input): the total only. An empty
  // Slot when the limit is reached.
  Slot try_acquire() {
    Refusal ignored;
    return acquire(std::string(), ignored);
  }
  // A peer's connection: the total and the peer's own count (except 127.0.0.1 and ::1: a
  // reverse proxy or a tool on the server's host). An empty Slot, and why, when either is
  // reached.
  Slot try_acquire(const asio::ip::address& peer, Refusal& why);

  uint32_t count() const { return count_.load(std::memory_order_relaxed); }
  uint32_t viewers() const { return viewers_.load(std::memory_order_relaxed); }
  // The most viewers' connections allowed now: the total less the publishers' reserve (which
  // is capped at half the total, so that a small limits.max_connections still serves viewers).
  uint32_t max_viewers() const;
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  // Open connections of one address (0 when it has none or is not counted).
  uint32_t count_of(const asio::ip::address& peer) const;
  // Hot reload; connections already open above a lowered limit stay.
  void set_max(uint32_t max) { max_.store(max, std::memory_order_relaxed); }
  void set_max_per_address(uint32_t max) { max_per_address_.store(max, std::memory_order_relaxed); }
  void set_reserved(uint32_t reserved) { reserved_.store(reserved, std::memory_order_relaxed); }

 private:
  Slot acquire(std::string address, Refusal& why);
  bool take_viewer();
  void release(const std::string& address, bool viewer);

  std::atomic<uint32_t> count_{0};
  std::atomic<uint32_t> viewers_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint32_t> max_;
  std::atomic<uint32_t> max_per_address_;
  std::atomic<uint32_t> reserved_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, uint32_t> per_address_;  // under mutex_
};

}  // namespace firstmile
