#pragma once
// The SRT stream id (SRTO_STREAMID), which says what a caller wants: publish or play, and
// which stream. Encoders write it in three ways, all accepted:
//   "#!::r=live/mykey,m=publish"   the SRT access-control syntax (SRT's AccessControl.md)
//   "publish:live/mykey"           MediaMTX's form ("read:live/mykey" to play)
//   "live/mykey"                   a bare resource: publish
// Pure and bounded: it parses peer input (the fuzz target drives it).
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace firstmile::srt {

enum class SrtMode { Publish, Request };

struct SrtStreamId {
  SrtMode mode = SrtMode::Publish;
  std::string app;     // "live" when the resource names only a stream
  std::string stream;  // the key for a publisher
  // Everything else the caller sent, as a URL query string ("u=alice&token=abc"), for auth.
  std::string query;
};

// libsrt caps the stream id at 512 bytes.
constexpr size_t kMaxStreamIdLength = 512;
constexpr std::string_view kDefaultApp = "live";

Result<SrtStreamId> parse_stream_id(std::string_view id, size_t max_name_length = 256);

}  // namespace firstmile::srt
