#pragma once
// Puts RTP packets that arrive over UDP back in sequence order. A packet that arrives in order
// passes straight through; one after a gap waits until the gap fills, or until the buffer holds
// `max_packets` or the oldest waiting packet is `max_delay_ms` old, when the gap is given up as
// lost (the depacketizer then sees the jump and marks what it cut). Duplicates and packets that
// arrive after their place was given up are dropped and counted. The holder calls poll() on a
// timer so a gap at the end of a burst does not hold packets forever.
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "format/rtp/packet.hpp"

namespace firstmile::format::rtp {

class ReorderBuffer {
 public:
  struct Limits {
    size_t max_packets = 256;   // waiting packets (a 1080p keyframe is ~200 packets)
    int64_t max_delay_ms = 60;  // how long a gap may hold the packets behind it
  };
  struct Counters {
    uint64_t reordered = 0;   // arrived after a later packet, placed in order
    uint64_t lost = 0;        // sequence numbers given up
    uint64_t duplicates = 0;  // a second copy of a waiting packet; dropped
    // Arrived after their place was passed (given up, or a copy of one released); dropped.
    uint64_t late = 0;
  };

  ReorderBuffer() : ReorderBuffer(Limits{}) {}
  explicit ReorderBuffer(Limits limits) : limits_(limits) {
    if (limits_.max_packets < 2) limits_.max_packets = 2;
  }

  // One datagram holding an RTP packet with sequence number `sequence`, received at `now_ms`.
  // Appends the datagrams now in order to `out`.
  void push(uint16_t sequence, Bytes datagram, int64_t now_ms, std::vector<Bytes>& out);

  // Gives up gaps that have held packets longer than max_delay_ms; appends what that releases.
  void poll(int64_t now_ms, std::vector<Bytes>& out);

  // How long until poll() has something to do (nullopt: nothing waits).
  std::optional<int64_t> next_deadline() const;

  size_t waiting() const { return waiting_; }
  const Counters& counters() const { return counters_; }

 private:
  struct Slot {
    bool filled = false;
    int64_t arrival_ms = 0;
    Bytes datagram;
  };
  void release(std::vector<Bytes>& out);
  void skip_gap(std::vector<Bytes>& out);

  Limits limits_;
  Counters counters_;
  SequenceUnwrapper unwrap_;
  std::optional<uint64_t> next_;  // the sequence number expected next
  std::deque<Slot> slots_;        // slots_[i] holds sequence next_ + i
  size_t waiting_ = 0;
};

}  // namespace firstmile::format::rtp
