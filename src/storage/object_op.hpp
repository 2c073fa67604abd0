#pragma once
// One thing to do in an object store: put an object or delete one, with what orders it.
#include <cstdint>
#include <string>
#include <string_view>

namespace firstmile::storage {

struct ObjectOp {
  enum class Kind : uint8_t { Put, Delete };
  Kind kind = Kind::Put;
  std::string lane;  // a stream: objects of one lane keep their order where it matters
  std::string key;
  std::string content_type;
  std::string cache_control;
  std::string body;
  bool after_earlier = false;  // starts once every earlier upload of the lane is stored
  int64_t not_before_ms = 0;   // Unix ms; not started earlier (deletes after a retention)
};

// The content type of an HLS/DASH/MP4 object from its name.
std::string content_type_for(std::string_view name);

}  // namespace firstmile::storage
