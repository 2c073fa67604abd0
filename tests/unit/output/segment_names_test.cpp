#include "output/segment_names.hpp"

#include <gtest/gtest.h>

namespace firstmile::output {
namespace {

TEST(PartName, SequenceAndIndex) {
  auto p = parse_part_name("k3x9-12.4.m4s", "k3x9-");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sequence, 12u);
  EXPECT_EQ(p->index, 4u);
  auto big = parse_part_name("k3x9-9999999999999999999.0.m4s", "k3x9-");  // 19 digits at most
  ASSERT_TRUE(big);
  EXPECT_EQ(big->sequence, 9999999999999999999u);
  for (const char* bad :
       {"k3x9-12.m4s", "k3x9-12.4.ts", "other-12.4.m4s", "k3x9-.4.m4s", "k3x9-12..m4s",
        "k3x9-12.4.5.m4s", "k3x9-1a.4.m4s", "k3x9-12.-4.m4s", "k3x9-18446744073709551616.0.m4s",
        "k3x9-1.4294967296.m4s", ".m4s", "k3x9-.m4s", ""}) {
    EXPECT_FALSE(parse_part_name(bad, "k3x9-")) << bad;
  }
}

TEST(DashMediaName, KindAndNumber) {
  auto v = parse_dash_media_name("p7-v-42.m4s", "p7-");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->kind, 'v');
  EXPECT_EQ(v->number, 42u);
  EXPECT_EQ(parse_dash_media_name("p7-a-0.m4s", "p7-")->kind, 'a');
  for (const char* bad : {"p7-x-1.m4s", "p7-v1.m4s", "p7-v-.m4s", "p7-v--1.m4s", "p7-v-1.mp4",
                          "q7-v-1.m4s", "p7-v-1000000000000000.m4s", "p7-.m4s"}) {
    EXPECT_FALSE(parse_dash_media_name(bad, "p7-")) << bad;
  }
}

}  // namespace
}  // namespace firstmile::output
