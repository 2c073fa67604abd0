#pragma once
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace firstmile {

// A decimal integer as HLS writes them (RFC 8216bis 4.2): digits only, no sign, no spaces, at
// most `max_digits` of them (so that a caller can bound the value well below the type's range
// and do arithmetic on it without overflow). Pure function of peer input.
template <class T>
std::optional<T> parse_decimal(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  T v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Appends v in decimal, independent of the C locale.
inline void append_decimal(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace firstmile
