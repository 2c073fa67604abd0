#pragma once
// BitWriter: MSB-first bit packing, the counterpart of BitReader, for the few header fields
// written bit by bit (an AudioSpecificConfig, a StreamMuxConfig). The last byte is zero-padded.
#include <cstdint>
#include <utility>

#include "core/bytes.hpp"

namespace firstmile::media {

class BitWriter {
 public:
  // Appends the low n bits (0..32) of value, most significant first.
  void put(uint32_t value, int n) {
    for (int i = n - 1; i >= 0; --i) {
      if (bit_ == 0) out_.push_back(0);
      if ((value >> i) & 1u) out_.back() |= static_cast<uint8_t>(0x80u >> bit_);
      bit_ = (bit_ + 1) & 7;
    }
  }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
  int bit_ = 0;
};

}  // namespace firstmile::media
