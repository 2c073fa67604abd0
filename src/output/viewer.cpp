#include "output/viewer.hpp"

#include <array>
#include <span>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace firstmile::output {

namespace {
// Packets per write: enough to drain a GOP burst in a few system calls, well under IOV_MAX.
constexpr size_t kMaxBuffersPerWrite = 64;
// Coalescing mode: held bytes that are written at once rather than at the next flush tick.
constexpr uint64_t kFlushBytes = 64 * 1024;
// Capacity of the writer's gather lists kept between writes.
constexpr size_t kKeptBuffers = 8;
}  // namespace

Viewer::Viewer(asio::any_io_executor executor, const FanoutConfig& config)
    : config_(config), wake_timer_(executor) {}

void Viewer::push(const Packet& packet) {
  if (closed_ || finished_) return;
  if (need_keyframe_ && !packet.keyframe && !packet.config) {
    ++stats_.packets_dropped;
    return;
  }
  if (packet.keyframe) need_keyframe_ = false;

  bool over_bytes = queued_bytes_ + packet.data.size() > config_.max_queue_bytes;
  bool over_time = false;
  if (!packet.config) {
    // Lag: how much media time is queued ahead of this packet (configuration packets carry no
    // media time and are skipped).
    for (const auto& q : queue_) {
      if (q.config) continue;
      over_time = media::ticks_to_ms(packet.dts - q.dts) > config_.max_lag.count();
      break;
    }
  }
  if (over_bytes || over_time) {
    skip_to_keyframe();
    if (closed_) return;
    if (!packet.keyframe && !packet.config) {
      ++stats_.packets_dropped;
      return;
    }
    // Only a keyframe ends the wait; a configuration packet is queued but does not.
    if (packet.keyframe) need_keyframe_ = false;
  }
  const bool idle = waiting_ && socket_ != nullptr;
  const bool coalescing = config_.coalesce.count() > 0;
  // (Coalescing never delays a viewer's first write: a new viewer gets its picture at once.)
  if (queue_.empty() && idle && (!coalescing || stats_.packets_sent == 0)) {
    write_now(packet);
    return;
  }
  queued_bytes_ += packet.data.size();
  queue_.push_back(packet);
  if (!coalescing) {
    wake();
  } else if (idle && queued_bytes_ >= kFlushBytes) {
    // Enough to fill a large send: no point in holding it until the tick.
    write_queued_now();
  }
  // Otherwise held for the fan-out's flush tick (or, when a write is in flight, taken by the
  // writer when it ends).
}

void Viewer::flush() {
  if (closed_ || queue_.empty() || !waiting_ || socket_ == nullptr) return;
  write_queued_now();
}

void Viewer::write_queued_now() {
  std::array<asio::const_buffer, kMaxBuffersPerWrite> buffers;
  size_t count = 0;
  for (const auto& p : queue_) {
    if (count == buffers.size()) break;
    buffers[count++] = asio::buffer(p.data.data(), p.data.size());
  }
  boost::system::error_code ec;
  size_t n = socket_->write_some(std::span<const asio::const_buffer>(buffers.data(), count), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    close("write: " + ec.message());
    if (on_close) on_close(close_reason_);
    return;
  }
  consume(n);
  if (!queue_.empty()) wake();  // the rest waits for the socket in the writer coroutine
  queue_.shrink_if_empty(kKeptBuffers);
}

void Viewer::consume(size_t n) {
  stats_.bytes_sent += n;
  queued_bytes_ -= n;
  while (n > 0 && !queue_.empty()) {
    Packet& front = queue_.front();
    if (n < front.data.size()) {
      front.data = front.data.slice(n);
      // Part of this packet is already on the wire: the rest must follow whatever happens,
      // so it is never dropped by a skip.
      front.config = true;
      return;
    }
    n -= front.data.size();
    ++stats_.packets_sent;
    queue_.pop_front();
  }
}

void Viewer::write_now(const Packet& packet) {
  // Nothing queued and no write in flight: hand the bytes to the kernel at once with one
  // non-blocking send (what nginx-rtmp does), instead of waking the writer coroutine for
  // every packet. Whatever the kernel does not take goes to the queue for the writer.
  boost::system::error_code ec;
  size_t n = socket_->write_some(asio::buffer(packet.data.data(), packet.data.size()), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    close("write: " + ec.message());
    if (on_close) on_close(close_reason_);
    return;
  }
  stats_.bytes_sent += n;
  if (n == packet.data.size()) {
    ++stats_.packets_sent;
    return;
  }
  Packet rest = packet;
  rest.data = packet.data.slice(n);
  // Part of this packet is already on the wire: the rest must follow whatever happens, so it
  // is never dropped by a skip.
  rest.config = rest.config || n > 0;
  queued_bytes_ += rest.data.size();
  queue_.push_back(std::move(rest));
  wake();
}

void Viewer::skip_to_keyframe() {
  std::string reason;
  const bool disconnect = skip_policy_.fell_behind(config_, reason);
  stats_.skips = skip_policy_.skips();
  if (disconnect) {
    close(std::move(reason));
    if (on_close) on_close(close_reason_);
    return;
  }
  // Drop queued media but keep configuration packets: the viewer resumes at the next keyframe
  // with the decoder set-up it needs.
  RingQueue<Packet> kept;
  uint64_t kept_bytes = 0;
  for (auto& p : queue_) {
    if (p.config) {
      kept_bytes += p.data.size();
      kept.push_back(std::move(p));
    } else {
      ++stats_.packets_dropped;
    }
  }
  queue_ = std::move(kept);
  queued_bytes_ = kept_bytes;
  need_keyframe_ = true;
}

void Viewer::finish() {
  finished_ = true;
  wake();
}

void Viewer::end_of_stream() {
  if (on_stream_end)
    on_stream_end();
  else
    finish();
}

void Viewer::close(std::string reason) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = std::move(reason);
  queue_.clear(/*release=*/true);
  queued_bytes_ = 0;
  wake();
  // A write may be stuck on a peer that stopped reading: cancelling makes it (and the
  // session's reads on the same socket) return, so the connection ends now.
  if (socket_ != nullptr) {
    boost::system::error_code ignored;
    socket_->cancel(ignored);
  }
}

void Viewer::wake() {
  if (waiting_) wake_timer_.cancel();
}

asio::awaitable<void> Viewer::write_loop(asio::ip::tcp::socket& socket) {
  socket_ = &socket;
  if (config_.send_buffer > 0) {
    boost::system::error_code ignored;
    socket.set_option(asio::socket_base::send_buffer_size(static_cast<int>(config_.send_buffer)),
                      ignored);
  }
  struct Reset {
    asio::ip::tcp::socket*& s;
    ~Reset() { s = nullptr; }
  } reset{socket_};
  // The fast path in push() writes without blocking the stream's thread.
  boost::system::error_code nb_ec;
  socket.non_blocking(true, nb_ec);
  std::vector<asio::const_buffer> buffers;
  while (!closed_) {
    if (queue_.empty()) {
      if (finished_) break;
      waiting_ = true;
      wake_timer_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      waiting_ = false;
      continue;
    }
    buffers.clear();
    in_flight_.clear();
    while (!queue_.empty() && buffers.size() < kMaxBuffersPerWrite) {
      Packet& p = queue_.front();
      queued_bytes_ -= p.data.size();
      buffers.emplace_back(p.data.data(), p.data.size());
      in_flight_.push_back(std::move(p));
      queue_.pop_front();
    }
    auto [ec, n] = co_await asio::async_write(socket, buffers, asio::as_tuple(asio::use_awaitable));
    in_flight_.clear();
    if (ec) {
      if (!closed_) {
        closed_ = true;
        close_reason_ = "write: " + ec.message();
      }
      break;
    }
    stats_.bytes_sent += n;
    stats_.packets_sent += buffers.size();
    if (buffers.capacity() > kKeptBuffers) {
      // A burst (a join's GOP, a slow patch) grew these; most viewers then write straight from
      // push() for a long while, so keeping 64 entries each would cost kilobytes per viewer.
      std::vector<asio::const_buffer>().swap(buffers);
      std::vector<Packet>().swap(in_flight_);
    }
    queue_.shrink_if_empty(kKeptBuffers);
  }
}

}  // namespace firstmile::output
