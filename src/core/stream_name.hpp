#pragma once
#include <string_view>

namespace firstmile {

// An app or stream name as it may appear in a URL path and a file name: 1..max_length bytes of
// [A-Za-z0-9._~-], not "." or "..". Anything else (slashes, %, NUL, spaces) is refused, so a
// name can never escape a directory or an HTTP route.
constexpr bool valid_name(std::string_view s, size_t max_length = 256) {
  if (s.empty() || s.size() > max_length || s == "." || s == "..") return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '~' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace firstmile
