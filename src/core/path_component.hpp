#pragma once
// A name the server will use as one component of a path it creates (a file under the HLS disk
// copy's directory, an object key's segment): not empty, not "." or "..", no "/", no "..", no
// NUL.
#include <string_view>

namespace firstmile {

inline bool is_safe_path_component(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  if (name.find('/') != std::string_view::npos) return false;
  if (name.find('\0') != std::string_view::npos) return false;
  return name.find("..") == std::string_view::npos;
}

}  // namespace firstmile
