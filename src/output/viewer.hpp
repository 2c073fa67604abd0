#pragma once
// One viewer of a fan-out output (an RTMP player, an HTTP-FLV client). The stream's executor
// pushes shared packets; an idle viewer's bytes go to the kernel at once with one non-blocking
// send (or, with fanout.coalesce, at the fan-out's next flush tick, several packets per send).
// What the kernel does not take waits in a queue bounded in bytes and in time, drained by a
// writer coroutine with scatter/gather writes. A viewer that falls behind skips to the next
// keyframe; one that keeps falling behind is disconnected. It never slows the publisher or
// other viewers.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/ring_queue.hpp"
#include "output/fanout_config.hpp"
#include "output/packet.hpp"
#include "output/skip_policy.hpp"
#include "output/subscriber.hpp"

namespace firstmile::output {

namespace asio = boost::asio;

struct ViewerStats {
  uint64_t bytes_sent = 0;
  uint64_t packets_sent = 0;
  uint64_t packets_dropped = 0;
  uint32_t skips = 0;
};

class Viewer final : public Subscriber {
 public:
  Viewer(asio::any_io_executor executor, const FanoutConfig& config);
  Viewer(const Viewer&) = delete;
  Viewer& operator=(const Viewer&) = delete;

  // Stream side (stream executor).
  void push(const Packet& packet) override;
  // Drop media until the next keyframe (a viewer that joins before any keyframe is cached).
  void wait_for_keyframe() override { need_keyframe_ = true; }
  // on_stream_end if set, else finish().
  void end_of_stream() override;
  // The stream ended: write what is queued, then let write_loop() return.
  void finish();
  // Stop at once (kick, slow viewer, shutdown); write_loop() returns promptly.
  void close(std::string reason) override;
  // Coalescing mode: one non-blocking gather write of what push() held back.
  void flush() override;

  // Connection side: drains the queue into the socket until finish()/close() or a write error.
  asio::awaitable<void> write_loop(asio::ip::tcp::socket& socket);

  bool closed() const { return closed_; }
  const std::string& close_reason() const { return close_reason_; }
  const ViewerStats& stats() const { return stats_; }
  uint64_t queued_bytes() const { return queued_bytes_; }

  // The stream's publisher left. Unset: finish() (write what is queued, then end). RTMP players
  // instead get end-of-stream messages and stay connected, waiting for a new publisher.
  std::function<void()> on_stream_end;
  // Called once when the viewer closes itself (slow viewer), so the session can log and clean up.
  std::function<void(const std::string& reason)> on_close;

 private:
  void skip_to_keyframe();
  void write_now(const Packet& packet);
  void write_queued_now();
  // The queue's front `n` bytes reached the kernel (a non-blocking write took them).
  void consume(size_t n);
  void wake();

  const FanoutConfig& config_;
  asio::ip::tcp::socket* socket_ = nullptr;  // set while write_loop() runs
  asio::steady_timer wake_timer_;
  RingQueue<Packet> queue_;
  std::vector<Packet> in_flight_;
  uint64_t queued_bytes_ = 0;
  bool need_keyframe_ = false;
  bool waiting_ = false;  // the writer coroutine is idle: a write from push()/flush() is safe
  bool finished_ = false;
  bool closed_ = false;
  std::string close_reason_;
  SkipPolicy skip_policy_;
  ViewerStats stats_;
};

}  // namespace firstmile::output
