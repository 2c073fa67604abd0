#include "format/fmp4/box_writer.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

namespace firstmile::format {
namespace {

using test::from_hex;

TEST(BoxWriter, PatchesNestedSizesAndWritesFullBoxHeaders) {
  Bytes out;
  {
    BoxWriter w(out);
    w.begin(box_type("moov"));
    w.begin_full(box_type("mvhd"), 1, 0x000203);
    w.u16(0xabcd);
    EXPECT_EQ(w.depth(), 2u);
    EXPECT_EQ(w.end(), 14u);
    w.leaf(box_type("free"), from_hex("0102"));
    EXPECT_EQ(w.end(), 32u);
    EXPECT_EQ(w.depth(), 0u);
  }
  EXPECT_EQ(out, from_hex("00000020 6d6f6f76"
                          "0000000e 6d766864 01000203 abcd"
                          "0000000a 66726565 0102"));
}

}  // namespace
}  // namespace firstmile::format
