// A spool file as the object uploader reads it back at start (the disk may hold anything a
// crash or an operator left).
// Checks: a file that decodes encodes to one that decodes to the same operation; the header
// read alone agrees with the whole read.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "storage/spool.hpp"

using namespace firstmile::storage;

namespace {
bool same(const ObjectOp& a, const ObjectOp& b) {
  return a.kind == b.kind && a.lane == b.lane && a.key == b.key &&
         a.content_type == b.content_type && a.cache_control == b.cache_control &&
         a.body == b.body && a.after_earlier == b.after_earlier &&
         a.not_before_ms == b.not_before_ms;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  uint64_t body_size = 0;
  auto head = decode_spool_entry(text, true, &body_size);
  auto op = decode_spool_entry(text);
  if (!op) return 0;
  if (!head || body_size != op->body.size() || head->key != op->key) __builtin_trap();
  auto again = decode_spool_entry(encode_spool_entry(*op));
  if (!again || !same(*again, *op)) __builtin_trap();
  return 0;
}
