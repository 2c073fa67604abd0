#pragma once
// RtmpConn: the client side of one RTMP connection for the load generator: TCP connect, the
// digest handshake (what FFmpeg and Flash Player send), AMF0 commands, and the protocol
// control a well-behaved client owes the server: Acknowledgements at the window it announced
// (RTMP specification 5.4.3) and PingResponse to PingRequest (7.1.7), so that neither server
// drops or throttles our players for misbehaving.
#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "format/amf0.hpp"
#include "protocol/rtmp/wire/chunk_reader.hpp"
#include "protocol/rtmp/wire/chunk_writer.hpp"
#include "protocol/rtmp/wire/handshake.hpp"
#include "protocol/rtmp/wire/message.hpp"

namespace firstmile::bench {

namespace asio = boost::asio;
namespace amf0 = format::amf0;
using amf0::Value;
using asio::ip::tcp;
inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Chunk streams as FFmpeg's rtmpproto uses them.
inline constexpr uint32_t kCommandCsid = 3;
inline constexpr uint32_t kStreamCsid = 8;  // play/publish and metadata
inline constexpr uint32_t kAudioCsid = 4;
inline constexpr uint32_t kVideoCsid = 6;

class RtmpConn {
 public:
  explicit RtmpConn(asio::any_io_executor ex) : socket_(ex) {}

  tcp::socket& socket() { return socket_; }
  uint64_t bytes_received() const { return reader_.bytes_received(); }

  asio::awaitable<Status> connect(const tcp::endpoint& ep) {
    auto [ec] = co_await socket_.async_connect(ep, kTuple);
    if (ec) co_return fail("connect: ", ec.message());
    socket_.set_option(tcp::no_delay(true), ec);
    co_return Status{};
  }

  asio::awaitable<Status> handshake() {
    Bytes c0c1 = rtmp::client_c0c1(true);
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(c0c1), kTuple);
    if (ec) co_return fail("handshake write: ", ec.message());
    Bytes s(1 + 2 * rtmp::kHandshakeSize);
    auto [rec, rn] = co_await asio::async_read(socket_, asio::buffer(s), kTuple);
    if (rec) co_return fail("handshake read: ", rec.message());
    if (auto st = rtmp::verify_server_response(s, c0c1); !st) co_return st.error();
    auto c2 = rtmp::client_c2(s, c0c1);
    if (!c2) co_return c2.error();
    auto [wec, wn] = co_await asio::async_write(socket_, asio::buffer(*c2), kTuple);
    if (wec) co_return fail("handshake write: ", wec.message());
    co_return Status{};
  }

  // Queues a message; flush() sends everything queued in one write.
  void queue(uint8_t type, uint32_t csid, uint32_t stream_id, uint32_t timestamp, Bytes payload) {
    rtmp::Message m;
    m.type = type;
    m.csid = csid;
    m.stream_id = stream_id;
    m.timestamp = timestamp;
    m.payload = Buffer::adopt(std::move(payload));
    writer_.write(out_, m);
  }
  // The writer applies it to the messages queued after it, as the peer will.
  void set_chunk_size(uint32_t size) {
    queue(rtmp::msg_type::kSetChunkSize, rtmp::kControlCsid, 0, 0,
          rtmp::encode_set_chunk_size(size));
  }
  void command(uint32_t csid, uint32_t stream_id, const std::vector<Value>& values) {
    queue(rtmp::msg_type::kCommandAmf0, csid, stream_id, 0, amf0::encode_all(values));
  }
  bool has_output() const { return !out_.empty(); }

  // Safe to call while another coroutine queues more: the queued bytes are taken first.
  asio::awaitable<Status> flush() {
    if (out_.empty()) co_return Status{};
    Bytes data = std::move(out_);
    out_.clear();
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(data), kTuple);
    if (ec) co_return fail("write: ", ec.message());
    co_return Status{};
  }

  // Parses received bytes; protocol control is answered (queued) here, everything else is
  // appended to `out`.
  Status feed(ByteSpan data, std::vector<rtmp::Message>& out) {
    size_t first = out.size();
    auto fed = reader_.feed(data, out);
    if (!fed) return fed.error();
    for (size_t i = first; i < out.size(); ++i) {
      const auto& m = out[i];
      if (m.type == rtmp::msg_type::kWindowAckSize) {
        if (auto w = rtmp::parse_window_ack_size(m.payload.span())) ack_window_ = *w;
      } else if (m.type == rtmp::msg_type::kUserControl) {
        auto uc = rtmp::parse_user_control(m.payload.span());
        if (uc && uc->event == rtmp::UserControlEvent::kPingRequest) {
          queue(rtmp::msg_type::kUserControl, rtmp::kControlCsid, 0, 0,
                rtmp::encode_user_control(rtmp::UserControlEvent::kPingResponse, uc->value));
        }
      }
    }
    if (ack_window_ > 0 && reader_.bytes_received() - last_ack_ >= ack_window_) {
      last_ack_ = reader_.bytes_received();
      queue(rtmp::msg_type::kAcknowledgement, rtmp::kControlCsid, 0, 0,
            rtmp::encode_acknowledgement(static_cast<uint32_t>(last_ack_)));
    }
    return Status{};
  }

  // Reads until the answer to transaction `txn` (_result or _error), or with txn < 0 until an
  // onStatus; returns the command's values. Other messages are dropped (control is answered).
  asio::awaitable<Result<std::vector<Value>>> wait_command(double txn) {
    Bytes buf(16 * 1024);
    std::vector<rtmp::Message> msgs;
    for (;;) {
      for (auto& m : msgs) {
        if (m.type != rtmp::msg_type::kCommandAmf0) continue;
        auto v = amf0::decode_all(m.payload.span());
        if (!v || v->empty()) continue;
        auto name = (*v)[0].as_string();
        bool answer = txn >= 0 ? (name == "_result" || name == "_error") && v->size() > 1 &&
                                     (*v)[1].as_number() == txn
                               : name == "onStatus";
        if (answer) co_return std::move(*v);
      }
      msgs.clear();
      if (auto st = co_await flush(); !st) co_return st.error();
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf), kTuple);
      if (ec) co_return fail("read: ", ec.message());
      if (auto st = feed(ByteSpan(buf.data(), n), msgs); !st) co_return st.error();
    }
  }

 private:
  tcp::socket socket_;
  rtmp::ChunkReader reader_;
  rtmp::ChunkWriter writer_;
  Bytes out_;
  uint32_t ack_window_ = 0;
  uint64_t last_ack_ = 0;
};

// The "code" of an onStatus command, or of an _error's info object.
inline std::string status_code(const std::vector<Value>& v) {
  return v.size() > 3 ? std::string(v[3].get_string("code")) : std::string();
}

// One non-blocking recvmsg() that also returns the kernel's receive timestamp (SO_TIMESTAMPNS,
// CLOCK_REALTIME) of the last segment read: the time the bytes reached this socket, which does
// not depend on how soon the load generator got round to reading them.
struct StampedRead {
  ssize_t n = 0;
  int error = 0;
  int64_t kernel_ns = 0;
};

inline StampedRead recv_stamped(int fd, uint8_t* buf, size_t cap) {
  iovec iov{buf, cap};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec)) * 2];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  StampedRead r;
  r.n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
  if (r.n < 0) {
    r.error = errno;
    return r;
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec t{};
      std::memcpy(&t, CMSG_DATA(c), sizeof(t));
      r.kernel_ns = static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
    }
  }
  return r;
}

}  // namespace firstmile::bench
