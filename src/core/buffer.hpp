#pragma once
// Buffer: an immutable, reference-counted byte range. Frames and packaged output (RTMP chunks,
// FLV tags, TS segments) are Buffers so that one copy is shared by every reader; slicing
// shares the same storage.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/bytes.hpp"

namespace firstmile {

class Buffer {
 public:
  Buffer() = default;

  static Buffer adopt(Bytes&& bytes) {
    Buffer b;
    auto store = std::make_shared<const Bytes>(std::move(bytes));
    b.data_ = store->data();
    b.size_ = store->size();
    b.store_ = std::move(store);
    return b;
  }
  static Buffer copy(ByteSpan bytes) { return adopt(Bytes(bytes.begin(), bytes.end())); }

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ByteSpan span() const { return {data_, size_}; }
  const uint8_t& operator[](size_t i) const { return data_[i]; }

  // A view of [offset, offset+length) sharing this buffer's storage; clamped to the end.
  Buffer slice(size_t offset, size_t length = SIZE_MAX) const {
    Buffer b;
    if (offset > size_) offset = size_;
    if (length > size_ - offset) length = size_ - offset;
    b.store_ = store_;
    b.data_ = data_ + offset;
    b.size_ = length;
    return b;
  }

  friend bool operator==(const Buffer& a, const Buffer& b) {
    return a.size_ == b.size_ && (a.size_ == 0 || std::equal(a.data_, a.data_ + a.size_, b.data_));
  }

 private:
  std::shared_ptr<const Bytes> store_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace firstmile
