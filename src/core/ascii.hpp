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

}  // namespace firstmile
