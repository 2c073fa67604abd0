#pragma once
// Test vectors are written as hex text ("02 00 07 63 6f ..."): spaces, newlines and case do not
// matter. A stray character or an odd digit count fails the test that wrote it.
#include <gtest/gtest.h>

#include <cctype>
#include <string_view>

#include "core/bytes.hpp"

namespace firstmile::test {

inline Bytes from_hex(std::string_view text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
            : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                        : -1;
    if (v < 0) {
      ADD_FAILURE() << "not a hex digit: '" << c << "'";
      return out;
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) ADD_FAILURE() << "odd number of hex digits";
  return out;
}

}  // namespace firstmile::test
