#pragma once
// Test harness for Viewer / FanoutOutput: a real io_context run in the test thread, a connected
// pair of loopback TCP sockets, and a Viewer whose write_loop() drains into the server side.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "output/fanout_config.hpp"
#include "output/packet.hpp"
#include "output/viewer.hpp"

namespace firstmile::output::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

inline Bytes to_bytes(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

// A packet whose bytes are `size` copies of a pattern seeded by `tag`, so reordering or
// corruption shows in a byte comparison.
inline Packet make_packet(uint8_t tag, size_t size, int64_t dts_ms = 0, bool keyframe = false,
                          bool config = false) {
  Bytes b(size);
  for (size_t i = 0; i < size; ++i)
    b[i] = static_cast<uint8_t>(tag * 31 + i * 7 + (i >> 9));
  Packet p;
  p.data = Buffer::adopt(std::move(b));
  p.dts = dts_ms * 90;
  p.keyframe = keyframe;
  p.config = config;
  return p;
}

inline Bytes bytes_of(const Packet& p) {
  return Bytes(p.data.span().begin(), p.data.span().end());
}

inline void append(Bytes& out, const Packet& p) {
  out.insert(out.end(), p.data.span().begin(), p.data.span().end());
}

class LoopbackFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    // Small kernel buffers (set before the handshake, so no window autotuning) make a peer
    // that stops reading block the writer after a few KiB instead of a few MiB.
    client_.open(tcp::v4());
    client_.set_option(asio::socket_base::receive_buffer_size(8192));
    client_.connect(acceptor.local_endpoint());
    acceptor.accept(server_);
    server_.set_option(asio::socket_base::send_buffer_size(8192));
    client_.non_blocking(true);
  }

  void TearDown() override {
    // The writer coroutine refers to the viewer and the socket: end it before they go.
    for (auto& v : viewers_) {
      if (v) v->close("test teardown");
    }
    run_until([&] { return running_ == 0; }, 2s);
    EXPECT_EQ(running_, 0) << "a write_loop did not return";
    EXPECT_FALSE(loop_error_) << "write_loop threw";
  }

  std::shared_ptr<Viewer> make_viewer() {
    auto v = std::make_shared<Viewer>(ioc_.get_executor(), config_);
    viewers_.push_back(v);
    return v;
  }

  // Starts v->write_loop(socket); `done` counts returns.
  void start_loop(const std::shared_ptr<Viewer>& v, tcp::socket& socket) {
    ++running_;
    asio::co_spawn(
        ioc_,
        [this, v, &socket]() -> asio::awaitable<void> {
          co_await v->write_loop(socket);
          ++loops_returned_;
        },
        [this](std::exception_ptr e) {
          if (e) loop_error_ = true;
          --running_;
        });
  }
  void start_loop(const std::shared_ptr<Viewer>& v) { start_loop(v, server_); }

  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      ioc_.restart();
      ioc_.run_for(1ms);
    }
    return true;
  }

  void run_for(std::chrono::milliseconds d) {
    ioc_.restart();
    ioc_.run_for(d);
  }

  // Reads exactly n bytes from the client side, running the io_context meanwhile.
  Bytes read_exact(size_t n, std::chrono::milliseconds timeout = 2s) {
    Bytes out;
    out.reserve(n);
    uint8_t buf[65536];
    run_until(
        [&] {
          while (out.size() < n) {
            boost::system::error_code ec;
            size_t want = std::min(sizeof(buf), n - out.size());
            size_t got = client_.read_some(asio::buffer(buf, want), ec);
            if (ec) break;
            out.insert(out.end(), buf, buf + got);
          }
          return out.size() >= n;
        },
        timeout);
    return out;
  }

  // Whatever the client can read right now (after running the io_context briefly).
  Bytes read_available(std::chrono::milliseconds settle = 20ms) {
    run_for(settle);
    Bytes out;
    uint8_t buf[65536];
    for (;;) {
      boost::system::error_code ec;
      size_t got = client_.read_some(asio::buffer(buf), ec);
      if (ec || got == 0) break;
      out.insert(out.end(), buf, buf + got);
    }
    return out;
  }

  asio::io_context ioc_;
  tcp::socket server_{ioc_};
  tcp::socket client_{ioc_};
  // Immediate writes (coalesce 0) unless a test sets an interval: the coalescing tests drive
  // flush() or the fan-out's tick themselves.
  FanoutConfig config_ = [] {
    FanoutConfig c;
    c.coalesce = Duration(0);
    return c;
  }();
  std::vector<std::shared_ptr<Viewer>> viewers_;
  int running_ = 0;
  int loops_returned_ = 0;
  bool loop_error_ = false;
};

}  // namespace firstmile::output::testing
