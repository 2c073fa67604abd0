#pragma once
// Datagrams in one packet. A datagram format (RTP for RTSP play and WHEP: one frame is several
// RTP packets) packages a frame once, as one Buffer that holds each datagram behind its 16-bit
// big-endian length (the framing of RFC 4571, RTP over a byte stream), and every viewer of the
// fan-out shares that Buffer: a UDP player sends each datagram on its own, an RTSP player
// interleaved over TCP writes its `$ channel` marker before each length. Nothing is copied per
// viewer to find the boundaries.
#include <cstddef>
#include <cstdint>

#include "core/buffer.hpp"
#include "core/bytes.hpp"

namespace firstmile::output {

// Largest datagram the framing carries (the 16-bit length).
inline constexpr size_t kMaxDatagram = 0xFFFF;

// Builds one framed Buffer from datagrams.
class DatagramPacker {
 public:
  // False (and nothing added) for an empty datagram or one over kMaxDatagram.
  bool add(ByteSpan datagram) {
    if (datagram.empty() || datagram.size() > kMaxDatagram) return false;
    bytes_.push_back(static_cast<uint8_t>(datagram.size() >> 8));
    bytes_.push_back(static_cast<uint8_t>(datagram.size() & 0xFF));
    bytes_.insert(bytes_.end(), datagram.begin(), datagram.end());
    ++count_;
    return true;
  }
  size_t count() const { return count_; }
  // The framed bytes; the packer is empty afterwards.
  Buffer finish() {
    count_ = 0;
    return Buffer::adopt(std::move(bytes_));
  }

 private:
  Bytes bytes_;
  size_t count_ = 0;
};

// Calls f(ByteSpan) for each datagram of a framed Buffer, in order. Returns false, having
// called f for the whole datagrams before it, when the framing is cut short or holds an empty
// datagram (never for what DatagramPacker made).
template <class F>
bool for_each_datagram(ByteSpan framed, F&& f) {
  size_t at = 0;
  while (at < framed.size()) {
    if (framed.size() - at < 2) return false;
    size_t n = (size_t{framed[at]} << 8) | framed[at + 1];
    at += 2;
    if (n == 0 || n > framed.size() - at) return false;
    f(framed.subspan(at, n));
    at += n;
  }
  return true;
}

}  // namespace firstmile::output
