#pragma once
// Big-endian readers and writers for wire formats. ByteReader never reads past its end: a
// short read sets a sticky failure flag and yields zeros, so a parser checks ok() once after a
// group of reads instead of after each one.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace firstmile {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Four ASCII characters as a big-endian code (ISO BMFF box types, Enhanced RTMP FourCCs, MPEG
// registration descriptors): fourcc("hvc1") == 0x68766331.
constexpr uint32_t fourcc(const char (&s)[5]) {
  return (uint32_t(uint8_t(s[0])) << 24) | (uint32_t(uint8_t(s[1])) << 16) |
         (uint32_t(uint8_t(s[2])) << 8) | uint32_t(uint8_t(s[3]));
}

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  bool ok() const { return ok_; }
  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ >= data_.size(); }
  ByteSpan rest() const { return data_.subspan(pos_); }

  uint8_t u8() { return static_cast<uint8_t>(be(1)); }
  uint16_t u16() { return static_cast<uint16_t>(be(2)); }
  uint32_t u24() { return static_cast<uint32_t>(be(3)); }
  uint32_t u32() { return static_cast<uint32_t>(be(4)); }
  uint64_t u64() { return be(8); }
  uint32_t u32le() {
    if (!need(4)) return 0;
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
      v = (v << 8) | data_[pos_ + static_cast<size_t>(i)];
    pos_ += 4;
    return v;
  }
  double f64() {
    uint64_t bits = be(8);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  // Returns the next n bytes, or an empty span (and failure) if fewer remain.
  ByteSpan bytes(size_t n) {
    if (!need(n)) return {};
    ByteSpan s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  void skip(size_t n) {
    if (need(n)) pos_ += n;
  }
  void fail() { ok_ = false; }

 private:
  bool need(size_t n) {
    if (!ok_ || n > remaining()) {
      ok_ = false;
      pos_ = data_.size();
      return false;
    }
    return true;
  }
  uint64_t be(size_t n) {
    if (!need(n)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i)
      v = (v << 8) | data_[pos_ + i];
    pos_ += n;
    return v;
  }

  ByteSpan data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { be(v, 2); }
  void u24(uint32_t v) { be(v, 3); }
  void u32(uint32_t v) { be(v, 4); }
  void u64(uint64_t v) { be(v, 8); }
  void u32le(uint32_t v) {
    for (int i = 0; i < 4; ++i)
      out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void f64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof d);
    be(bits, 8);
  }
  void bytes(ByteSpan s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void bytes(std::string_view s) { bytes(as_bytes(s)); }
  void fill(uint8_t v, size_t n) { out_.insert(out_.end(), n, v); }
  size_t size() const { return out_.size(); }
  // Overwrites n big-endian bytes at an earlier offset (length fields written after the body).
  void patch(size_t offset, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i)
      out_[offset + i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
  }

 private:
  void be(uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i)
      out_.push_back(static_cast<uint8_t>(v >> (8 * (n - 1 - i))));
  }
  Bytes& out_;
};

}  // namespace firstmile
