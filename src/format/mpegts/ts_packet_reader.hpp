#pragma once
// Cuts a byte stream into 188-byte transport packets (ISO/IEC 13818-1 2.4.3.2) whatever the
// size of the pieces it arrives in (SRT: 1316-byte datagrams; UDP: anything), and finds the
// packet boundaries again after garbage or a cut.
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "format/mpegts/ts_muxer.hpp"

namespace firstmile::format {

class TsPacketReader {
 public:
  // Calls on_packet(ByteSpan) for each whole packet; keeps a partial one for the next call.
  template <class F>
  void feed(ByteSpan data, F&& on_packet) {
    if (carry_.empty()) {
      // The common case (SRT, aligned UDP): packets are handed out from `data` directly.
      const size_t used = scan(data, on_packet);
      carry_.assign(data.begin() + static_cast<ptrdiff_t>(used), data.end());
      return;
    }
    carry_.insert(carry_.end(), data.begin(), data.end());
    const size_t used = scan(carry_, on_packet);
    carry_.erase(carry_.begin(), carry_.begin() + static_cast<ptrdiff_t>(used));
  }

  // End of input: a last packet after garbage has no next sync byte to confirm it, so it is
  // taken if it starts with one.
  template <class F>
  void flush(F&& on_packet) {
    if (carry_.size() >= kTsPacketSize && carry_[0] == kTsSyncByte) {
      on_packet(ByteSpan(carry_).first(kTsPacketSize));
    }
    carry_.clear();
    synced_ = false;
  }

  // Times bytes had to be skipped to find the packet boundaries again.
  uint64_t sync_errors() const { return sync_errors_; }

 private:
  // Hands out the packets in `d`; returns the bytes used (what is left is kept: at most a
  // packet, or a packet and one byte while a sync candidate waits for its confirmation).
  template <class F>
  size_t scan(ByteSpan d, F& on_packet) {
    size_t pos = 0;
    for (;;) {
      if (synced_) {
        if (d.size() - pos < kTsPacketSize) return pos;
        if (d[pos] == kTsSyncByte) {
          on_packet(d.subspan(pos, kTsPacketSize));
          pos += kTsPacketSize;
          continue;
        }
        synced_ = false;
        counted_ = false;
      }
      // 2.4.3.3: sync_byte is 0x47, but so may be any payload byte. A candidate is taken only
      // when the byte one packet later is a sync byte too. The decision depends on the bytes
      // alone, so the packets do not depend on how the input was cut into calls.
      while (pos < d.size()) {
        if (d[pos] == kTsSyncByte) {
          if (d.size() - pos <= kTsPacketSize) return pos;  // wait for the confirming byte
          if (d[pos + kTsPacketSize] == kTsSyncByte) break;
        }
        if (!counted_) {
          ++sync_errors_;
          counted_ = true;
        }
        ++pos;
      }
      if (pos >= d.size()) return pos;
      synced_ = true;
      counted_ = false;
    }
  }

  Bytes carry_;
  bool synced_ = false;
  bool counted_ = false;  // this loss of sync is already in sync_errors_
  uint64_t sync_errors_ = 0;
};

}  // namespace firstmile::format
