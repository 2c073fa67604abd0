#pragma once
// The load generator's RTMP connections (rtmp::ClientConnection: the handshake, commands, and
// the acknowledgements and ping responses a well-behaved client owes, so that neither server
// drops or throttles our players), and a receive that reads the kernel's timestamp.
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
#include "protocol/rtmp/client_connection.hpp"

namespace firstmile::bench {

namespace asio = boost::asio;
namespace amf0 = format::amf0;
using amf0::Value;
using asio::ip::tcp;
inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// The client side of an RTMP connection is the server's own (protocol/rtmp/client_connection).
using RtmpConn = rtmp::ClientConnection;
inline constexpr uint32_t kCommandCsid = rtmp::kClientCommandCsid;
inline constexpr uint32_t kStreamCsid = rtmp::kClientStreamCsid;
inline constexpr uint32_t kAudioCsid = rtmp::kClientAudioCsid;
inline constexpr uint32_t kVideoCsid = rtmp::kClientVideoCsid;
using rtmp::status_code;

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
