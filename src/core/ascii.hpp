#pragma once
// ASCII helpers for protocol text (header names, SDP encodings, URL schemes): case folding of
// the letters A-Z only, whatever the locale.
#include <algorithm>
#include <string_view>

namespace firstmile {

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

// Equal but for the case of ASCII letters.
constexpr bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

// Without leading and trailing optional whitespace (RFC 9110 5.6.3 OWS, RFC 2326: space and
// horizontal tab).
constexpr std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace firstmile
