#pragma once
// Writes ISO BMFF boxes (ISO/IEC 14496-12 section 4.2): a box is opened with a placeholder
// 32-bit size, its body appended, and the size patched when it is closed, so nested boxes need
// no size precomputation. Pure byte code, no I/O. Namespace: firstmile::format.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"

namespace firstmile::format {

// A box type as its big-endian FourCC: box_type("moov") == 0x6d6f6f76.
constexpr uint32_t box_type(const char (&s)[5]) {
  return fourcc(s);
}

class BoxWriter : public ByteWriter {
 public:
  explicit BoxWriter(Bytes& out) : ByteWriter(out) {}
  ~BoxWriter() { assert(open_.empty() && "every begin() needs its end()"); }
  BoxWriter(const BoxWriter&) = delete;
  BoxWriter& operator=(const BoxWriter&) = delete;

  // Box header: size (patched by end()) and type.
  void begin(uint32_t type);
  // FullBox header (4.2): a Box followed by version (8 bits) and flags (24 bits).
  void begin_full(uint32_t type, uint8_t version, uint32_t flags);
  // Closes the innermost open box, writes its size and returns it.
  size_t end();
  size_t depth() const { return open_.size(); }

  // A whole box whose body is given: header + body.
  void leaf(uint32_t type, ByteSpan body);

 private:
  std::vector<size_t> open_;  // offsets of the open boxes' size fields
};

}  // namespace firstmile::format
