// AMF0 decoder: must never crash on peer bytes, and whatever it accepts must survive an
// encode/decode round trip unchanged (encoding is canonical after one pass).
#include <cstddef>
#include <cstdint>

#include "format/amf0.hpp"

using namespace firstmile;
using namespace firstmile::format;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);

  // One value with tight limits, as an RTMP session might decode a single argument.
  ByteReader reader(input);
  (void)amf0::decode(reader, {.max_depth = 4, .max_elements = 64});

  auto values = amf0::decode_all(input);
  if (!values.ok()) return 0;
  for (const auto& v : *values)
    (void)v.debug_string(256);

  const Bytes encoded = amf0::encode_all(*values);
  auto back = amf0::decode_all(encoded);
  if (!back.ok()) __builtin_trap();
  if (*back != *values) __builtin_trap();
  if (amf0::encode_all(*back) != encoded) __builtin_trap();
  return 0;
}
