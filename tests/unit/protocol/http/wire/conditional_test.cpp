#include "protocol/http/wire/conditional.hpp"

#include <gtest/gtest.h>

namespace firstmile::http {
namespace {

using Clock = std::chrono::system_clock;
using RangeKind = RangeAnswer::Kind;

// RFC 9110 5.6.7's example instant: Sun, 06 Nov 1994 08:49:37 GMT = 784111777 s.
const Clock::time_point kExample{std::chrono::seconds(784111777)};

TEST(HttpDate, FormatsImfFixdate) {
  EXPECT_EQ(http_date(kExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(http_date(kExample + std::chrono::milliseconds(999)), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(http_date(Clock::time_point{}), "Thu, 01 Jan 1970 00:00:00 GMT");
  // 2024-02-29 (a leap day) 23:59:59 = 1709251199.
  EXPECT_EQ(http_date(Clock::time_point{std::chrono::seconds(1709251199)}),
            "Thu, 29 Feb 2024 23:59:59 GMT");
}

TEST(HttpDate, ParsesTheThreeFormsOfTheRfc) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kExample);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kExample);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kExample);
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT"),
            Clock::time_point{std::chrono::seconds(1709251199)});
  // Round trip of whatever the server sends.
  const Clock::time_point t{std::chrono::seconds(1796640000)};
  EXPECT_EQ(parse_http_date(http_date(t)), t);
}

TEST(HttpDate, RefusesAnythingElse) {
  for (const char* bad :
       {"", "yesterday", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT", "Sun, 31 Nov 1994 08:49:37 GMT",
        "Fri, 29 Feb 2023 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sunday, 06-Nov-94 08:49:37 GMTX", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994", "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 199a 08:49:37 GMT",
        // Past what the clock holds (a fuzzer's find: it overflowed).
        "Sun Nov  7 08:49:37 3988", "Sun, 06 Nov 9999 08:49:37 GMT",
        "Sun, 06 Nov 1000 08:49:37 GMT"}) {
    EXPECT_EQ(parse_http_date(bad), std::nullopt) << bad;
  }
}

TEST(EntityTag, QuotedHexWithSuffix) {
  EXPECT_EQ(entity_tag(0x0123456789abcdefULL), "\"0123456789abcdef\"");
  EXPECT_EQ(entity_tag(1, "-gz"), "\"0000000000000001-gz\"");
  // FNV-1a's published values: "" is the offset basis, "a" is af63dc4c8601ec8c.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("b", fnv1a64("a")), fnv1a64("ab"));
}

TEST(IfNoneMatch, WeakComparisonOverTheList) {
  const std::string tag = "\"abc\"";
  EXPECT_TRUE(none_match_hits("\"abc\"", tag));
  EXPECT_TRUE(none_match_hits("W/\"abc\"", tag));
  EXPECT_TRUE(none_match_hits("\"x\", \"abc\"", tag));
  EXPECT_TRUE(none_match_hits("\"x\",W/\"abc\" ,", tag));
  EXPECT_TRUE(none_match_hits(" * ", tag));
  EXPECT_TRUE(none_match_hits("\"abc\"", "W/\"abc\""));
  EXPECT_FALSE(none_match_hits("\"abcd\"", tag));
  EXPECT_FALSE(none_match_hits("\"ab\"", tag));
  EXPECT_FALSE(none_match_hits("abc", tag));                  // not quoted
  EXPECT_FALSE(none_match_hits("\"abc", tag));                // not closed
  EXPECT_FALSE(none_match_hits("\"abc\" \"x\"", tag));        // no comma between
  EXPECT_FALSE(none_match_hits("\"x\", abc, \"abc\"", tag));  // malformed: nothing matches
  EXPECT_FALSE(none_match_hits("", tag));
  EXPECT_FALSE(none_match_hits("\"a bc\"", "\"a bc\""));  // a space is no etagc
}

TEST(IfRange, StrongTagOrExactDate) {
  const std::string tag = "\"abc\"";
  EXPECT_TRUE(if_range_holds("\"abc\"", tag, std::nullopt));
  EXPECT_FALSE(if_range_holds("W/\"abc\"", tag, std::nullopt));  // weak never matches strongly
  EXPECT_FALSE(if_range_holds("\"abd\"", tag, std::nullopt));
  EXPECT_FALSE(if_range_holds("\"abc\" x", tag, std::nullopt));
  EXPECT_TRUE(if_range_holds("Sun, 06 Nov 1994 08:49:37 GMT", tag,
                             kExample + std::chrono::milliseconds(500)));
  EXPECT_FALSE(if_range_holds("Sun, 06 Nov 1994 08:49:36 GMT", tag, kExample));
  EXPECT_FALSE(if_range_holds("Sun, 06 Nov 1994 08:49:37 GMT", tag, std::nullopt));
  EXPECT_FALSE(if_range_holds("garbage", tag, kExample));
}

TEST(Range, OneRangeOfEachForm) {
  auto r = select_range("bytes=0-99", 1000);
  EXPECT_EQ(r.kind, RangeKind::Partial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 100u);
  r = select_range("bytes=900-", 1000);
  EXPECT_EQ(r.kind, RangeKind::Partial);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.length, 100u);
  r = select_range("bytes=-10", 1000);
  EXPECT_EQ(r.kind, RangeKind::Partial);
  EXPECT_EQ(r.first, 990u);
  EXPECT_EQ(r.length, 10u);
  r = select_range("bytes=-5000", 1000);  // longer than the object: all of it
  EXPECT_EQ(r.kind, RangeKind::Partial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 1000u);
  r = select_range("bytes=990-5000", 1000);  // the end is clamped
  EXPECT_EQ(r.kind, RangeKind::Partial);
  EXPECT_EQ(r.first, 990u);
  EXPECT_EQ(r.length, 10u);
  r = select_range("Bytes= 5-5 ,", 1000);  // unit case-insensitive, empty elements allowed
  EXPECT_EQ(r.kind, RangeKind::Partial);
  EXPECT_EQ(r.first, 5u);
  EXPECT_EQ(r.length, 1u);
}

TEST(Range, PastTheEndIsUnsatisfiable) {
  EXPECT_EQ(select_range("bytes=1000-", 1000).kind, RangeKind::Unsatisfiable);
  EXPECT_EQ(select_range("bytes=1000-2000", 1000).kind, RangeKind::Unsatisfiable);
  EXPECT_EQ(select_range("bytes=-0", 1000).kind, RangeKind::Unsatisfiable);
  EXPECT_EQ(select_range("bytes=0-", 0).kind, RangeKind::Unsatisfiable);
}

TEST(Range, WhatIsNotOneValidRangeIsServedWhole) {
  for (const char* whole :
       {"", "bytes", "bytes=", "items=0-1", "bytes=0-1,5-6", "bytes=5-1", "bytes=a-b", "bytes=1",
        "bytes=--1", "bytes=+1-2", "bytes=99999999999999999999-", "bytes=0-99999999999999999999",
        "bytes=- 1", "bytes 0-1"}) {
    EXPECT_EQ(select_range(whole, 1000).kind, RangeKind::Whole) << whole;
  }
}

TEST(AcceptEncoding, GzipWhenListedOrCoveredWithAWeight) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip("identity, *;q=0.1"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("br, deflate"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.000, *"));  // refused by name, whatever "*" says
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=2"));  // malformed weight: the element is ignored
  EXPECT_FALSE(accepts_gzip("gzip;q=1.5"));
  EXPECT_FALSE(accepts_gzip("gzip;level=9"));
}

}  // namespace
}  // namespace firstmile::http
