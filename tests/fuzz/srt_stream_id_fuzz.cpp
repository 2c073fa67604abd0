// SRT stream ids arrive from any caller before it is authenticated.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/stream_name.hpp"
#include "protocol/srt/wire/stream_id.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view id(reinterpret_cast<const char*>(data), size);
  auto r = firstmile::srt::parse_stream_id(id);
  // Whatever is accepted names a stream that is safe as a path segment.
  if (r && (!firstmile::valid_name(r->app) || !firstmile::valid_name(r->stream))) __builtin_trap();
  return 0;
}
