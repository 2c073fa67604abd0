#pragma once
// BitReader: an MSB-first bit reader over an RBSP (emulation prevention already removed), with
// the Exp-Golomb codes of ITU-T H.264 / H.265 section 9.2. Like ByteReader it has a sticky
// failure: a read past the end or a value out of its allowed range fails the reader, returns 0
// from then on, and keeps the first reason, so a parser reads a group of fields and checks ok()
// once. Returning 0 after a failure also keeps loop counts read from the stream small.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::media {

class BitReader {
 public:
  explicit BitReader(ByteSpan data) : data_(data) {}

  bool ok() const { return ok_; }
  // The first failure's reason ("" while ok).
  const std::string& error() const { return error_; }
  size_t bits_left() const { return data_.size() * 8 - pos_; }
  size_t position() const { return pos_; }

  // Reads n bits (0..32) as an unsigned value.
  uint32_t bits(int n, std::string_view what = "bits") {
    if (!ok_) return 0;
    if (n < 0 || n > 32) {
      set_error(fail("bad bit count ", n, " for ", what));
      return 0;
    }
    if (static_cast<size_t>(n) > bits_left()) {
      set_error(fail("truncated at ", what));
      return 0;
    }
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      v = (v << 1) | ((data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1u);
      ++pos_;
    }
    return v;
  }
  bool flag(std::string_view what = "flag") { return bits(1, what) != 0; }
  void skip(size_t n, std::string_view what = "bits") {
    if (!ok_) return;
    if (n > bits_left()) {
      set_error(fail("truncated at ", what));
      return;
    }
    pos_ += n;
  }

  // ue(v): unsigned Exp-Golomb (section 9.2). At most 31 leading zeros, so the value fits in
  // 32 bits (up to 2^32 - 2); more is not a valid code.
  uint32_t ue(std::string_view what = "ue(v)") {
    if (!ok_) return 0;
    int zeros = 0;
    while (true) {
      if (bits_left() == 0) {
        set_error(fail("truncated at ", what));
        return 0;
      }
      if (bits(1, what) != 0) break;
      if (++zeros > 31) {
        set_error(fail("bad Exp-Golomb code at ", what));
        return 0;
      }
    }
    const uint64_t rest = bits(zeros, what);
    if (!ok_) return 0;
    return static_cast<uint32_t>((uint64_t{1} << zeros) - 1 + rest);
  }
  // se(v): signed Exp-Golomb (section 9.2.2): k -> (-1)^(k+1) * Ceil(k / 2).
  int64_t se(std::string_view what = "se(v)") {
    const uint64_t k = ue(what);
    return (k & 1) ? static_cast<int64_t>((k + 1) / 2) : -static_cast<int64_t>(k / 2);
  }

  // Range-checked forms: a value outside [lo, hi] fails the reader (the semantics sections give
  // each syntax element's range) and yields 0.
  uint32_t ue(std::string_view what, uint32_t hi) {
    const uint32_t v = ue(what);
    if (ok_ && v > hi) {
      set_error(fail(what, " = ", v, " out of range 0..", hi));
      return 0;
    }
    return v;
  }
  int64_t se(std::string_view what, int64_t lo, int64_t hi) {
    const int64_t v = se(what);
    if (ok_ && (v < lo || v > hi)) {
      set_error(fail(what, " = ", v, " out of range ", lo, "..", hi));
      return 0;
    }
    return v;
  }

  // Fails the reader with a reason found by the parser (first reason wins).
  void set_error(Error e) {
    if (!ok_) return;
    ok_ = false;
    error_ = std::move(e.message);
  }

 private:
  ByteSpan data_;
  size_t pos_ = 0;
  bool ok_ = true;
  std::string error_;
};

}  // namespace firstmile::media
