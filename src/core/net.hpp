#pragma once
// Small networking helpers shared by the protocol servers.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

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

// Counts open connections across all protocols against limits.max_connections.
class ConnectionLimiter {
 public:
  explicit ConnectionLimiter(uint32_t max) : max_(max) {}

  class Slot {
   public:
    Slot() = default;
    explicit Slot(ConnectionLimiter* l) : limiter_(l) {}
    Slot(Slot&& o) noexcept : limiter_(std::exchange(o.limiter_, nullptr)) {}
    Slot& operator=(Slot&& o) noexcept {
      release();
      limiter_ = std::exchange(o.limiter_, nullptr);
      return *this;
    }
    ~Slot() { release(); }
    explicit operator bool() const { return limiter_ != nullptr; }

   private:
    void release() {
      if (limiter_) limiter_->count_.fetch_sub(1, std::memory_order_relaxed);
      limiter_ = nullptr;
    }
    ConnectionLimiter* limiter_ = nullptr;
  };

  // An empty Slot when the limit is reached.
  Slot try_acquire() {
    if (count_.fetch_add(1, std::memory_order_relaxed) >= max_.load(std::memory_order_relaxed)) {
      count_.fetch_sub(1, std::memory_order_relaxed);
      refused_.fetch_add(1, std::memory_order_relaxed);
      return Slot();
    }
    return Slot(this);
  }
  uint32_t count() const { return count_.load(std::memory_order_relaxed); }
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  // Hot reload; connections already open above a lowered limit stay.
  void set_max(uint32_t max) { max_.store(max, std::memory_order_relaxed); }

 private:
  std::atomic<uint32_t> count_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint32_t> max_;
};

}  // namespace firstmile
