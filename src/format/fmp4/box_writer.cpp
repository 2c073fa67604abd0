#include "format/fmp4/box_writer.hpp"

namespace firstmile::format {

void BoxWriter::begin(uint32_t type) {
  open_.push_back(size());
  u32(0);
  u32(type);
}

void BoxWriter::begin_full(uint32_t type, uint8_t version, uint32_t flags) {
  begin(type);
  u8(version);
  u24(flags);
}

size_t BoxWriter::end() {
  assert(!open_.empty());
  const size_t start = open_.back();
  open_.pop_back();
  const size_t box_size = size() - start;
  // Everything this writer frames (moov, moof and their children) is far below 4 GiB; a media
  // data box that could be larger is written by its caller with a 64-bit largesize instead.
  assert(box_size <= UINT32_MAX);
  patch(start, box_size, 4);
  return box_size;
}

void BoxWriter::leaf(uint32_t type, ByteSpan body) {
  begin(type);
  bytes(body);
  end();
}

}  // namespace firstmile::format
