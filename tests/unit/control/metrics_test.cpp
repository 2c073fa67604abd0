#include "control/metrics.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <thread>

namespace firstmile::control {
namespace {

// Go's strconv.ParseFloat decimal syntax (what Prometheus parses values with), without the hex
// and "_" forms: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
bool go_decimal_float(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
      ++i;
    return i > start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool mantissa = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa = digits() || mantissa;
  }
  if (!mantissa) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// The text of one gauge sample's value, as the writer spells it.
std::string value_text(double v) {
  MetricsWriter w;
  w.gauge("g", "", v);
  std::string text = w.take();
  std::string prefix = "# HELP g \n# TYPE g gauge\ng ";
  EXPECT_EQ(text.substr(0, prefix.size()), prefix);
  EXPECT_EQ(text.back(), '\n');
  return text.substr(prefix.size(), text.size() - prefix.size() - 1);
}

TEST(MetricsWriter, CounterAndGaugeWithoutLabels) {
  MetricsWriter w;
  w.counter("firstmile_publish_total", "Publish attempts.", 42);
  w.gauge("firstmile_uptime_seconds", "Seconds since start.", 1.5);
  EXPECT_EQ(w.take(),
            "# HELP firstmile_publish_total Publish attempts.\n"
            "# TYPE firstmile_publish_total counter\n"
            "firstmile_publish_total 42\n"
            "# HELP firstmile_uptime_seconds Seconds since start.\n"
            "# TYPE firstmile_uptime_seconds gauge\n"
            "firstmile_uptime_seconds 1.5\n");
}

TEST(MetricsWriter, SameFamilyWithOtherLabelsHasOneHeader) {
  MetricsWriter w;
  w.gauge("firstmile_viewers", "Connected viewers.", 3, {{"protocol", "rtmp"}});
  w.gauge("firstmile_viewers", "Connected viewers.", 0, {{"protocol", "flv"}});
  w.counter("firstmile:bytes_total", "Bytes.", 7, {{"dir", "in"}, {"proto", "srt"}});
  EXPECT_EQ(w.take(),
            "# HELP firstmile_viewers Connected viewers.\n"
            "# TYPE firstmile_viewers gauge\n"
            "firstmile_viewers{protocol=\"rtmp\"} 3\n"
            "firstmile_viewers{protocol=\"flv\"} 0\n"
            "# HELP firstmile:bytes_total Bytes.\n"
            "# TYPE firstmile:bytes_total counter\n"
            "firstmile:bytes_total{dir=\"in\",proto=\"srt\"} 7\n");
}

TEST(MetricsWriter, InterleavedFamiliesAreGroupedInFirstSeenOrder) {
  MetricsWriter w;
  w.counter("b_total", "B.", 1, {{"s", "x"}});
  w.gauge("a", "A.", 2, {{"s", "x"}});
  w.counter("b_total", "B.", 3, {{"s", "y"}});
  w.gauge("a", "A.", 4, {{"s", "y"}});
  w.counter("b_total", "B.", 5, {{"s", "z"}});
  EXPECT_EQ(w.take(),
            "# HELP b_total B.\n# TYPE b_total counter\n"
            "b_total{s=\"x\"} 1\nb_total{s=\"y\"} 3\nb_total{s=\"z\"} 5\n"
            "# HELP a A.\n# TYPE a gauge\n"
            "a{s=\"x\"} 2\na{s=\"y\"} 4\n");
}

TEST(MetricsWriter, TakeEmptiesTheWriter) {
  MetricsWriter w;
  w.gauge("a", "A.", 1);
  w.take();
  EXPECT_EQ(w.take(), "");
  w.counter("a", "Now a counter.", 2);  // a new scrape may reuse the name freely
  EXPECT_EQ(w.take(), "# HELP a Now a counter.\n# TYPE a counter\na 2\n");
}

TEST(MetricsWriter, EscapesLabelValues) {
  MetricsWriter w;
  w.gauge("s", "S.", 1, {{"name", "a\"b\\c\nd"}, {"e", ""}});
  EXPECT_EQ(w.take(), "# HELP s S.\n# TYPE s gauge\ns{name=\"a\\\"b\\\\c\\nd\",e=\"\"} 1\n");
}

TEST(MetricsWriter, EscapesHelpButNotQuotes) {
  MetricsWriter w;
  w.gauge("s", "Path C:\\live\nsecond \"line\"", 1);
  EXPECT_EQ(w.take(), "# HELP s Path C:\\\\live\\nsecond \"line\"\n# TYPE s gauge\ns 1\n");
}

TEST(MetricsWriter, InvalidUtf8InLabelValueIsReplaced) {
  MetricsWriter w;
  // A peer-chosen stream name: valid "é" (C3 A9) and "€" (E2 82 AC) stay; a lone FF, a
  // truncated sequence (E2 82) and an overlong "/" (C0 AF) become U+FFFD per bad byte.
  w.gauge("s", "S.", 1, {{"stream", "\xC3\xA9\xE2\x82\xAC\xFFx\xC0\xAF\xE2\x82"}});
  EXPECT_EQ(w.take(),
            "# HELP s S.\n# TYPE s gauge\ns{stream=\"\xC3\xA9\xE2\x82\xAC\xEF\xBF\xBDx"
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"} 1\n");
}

TEST(MetricsWriter, IntegersWithoutExponent) {
  EXPECT_EQ(value_text(12345678901234), "12345678901234");
  EXPECT_EQ(value_text(9007199254740992.0), "9007199254740992");  // 2^53
  EXPECT_EQ(value_text(0), "0");
  EXPECT_EQ(value_text(-0.0), "0");
  EXPECT_EQ(value_text(-17), "-17");
  EXPECT_EQ(value_text(1e18), "1000000000000000000");
}

TEST(MetricsWriter, SpecialValuesAsPrometheusSpellsThem) {
  EXPECT_EQ(value_text(INFINITY), "+Inf");
  EXPECT_EQ(value_text(-INFINITY), "-Inf");
  EXPECT_EQ(value_text(NAN), "NaN");
}

TEST(MetricsWriter, DoublesRoundTripInGoFloatSyntax) {
  EXPECT_EQ(value_text(0.005), "0.005");
  EXPECT_EQ(value_text(1e-7), "1e-07");
  EXPECT_EQ(value_text(0.1), "0.1");
  EXPECT_EQ(value_text(-2.5), "-2.5");
  EXPECT_FALSE(go_decimal_float("1e"));
  EXPECT_FALSE(go_decimal_float("."));
  for (double v : {0.005, 1e-7, 0.1, 1.0 / 3, 2.5e-10, 123456.789, 1e20, 1.7976931348623157e308,
                   5e-324, -6.02214076e23, 0.30000000000000004}) {
    std::string text = value_text(v);
    EXPECT_TRUE(go_decimal_float(text)) << text;
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
  }
}

TEST(MetricsWriter, HistogramBucketsCumulativeWithInf) {
  Histogram h({0.005, 0.25, 1});
  for (double v : {0.125, 0.25, 0.75, 2.0, 8.0})
    h.observe(v);  // 0.25 falls in le="0.25"
  MetricsWriter w;
  w.histogram("firstmile_webhook_seconds", "Webhook latency.", h.snapshot(),
              {{"event", "on_publish"}});
  EXPECT_EQ(w.take(),
            "# HELP firstmile_webhook_seconds Webhook latency.\n"
            "# TYPE firstmile_webhook_seconds histogram\n"
            "firstmile_webhook_seconds_bucket{event=\"on_publish\",le=\"0.005\"} 0\n"
            "firstmile_webhook_seconds_bucket{event=\"on_publish\",le=\"0.25\"} 2\n"
            "firstmile_webhook_seconds_bucket{event=\"on_publish\",le=\"1\"} 3\n"
            "firstmile_webhook_seconds_bucket{event=\"on_publish\",le=\"+Inf\"} 5\n"
            "firstmile_webhook_seconds_sum{event=\"on_publish\"} 11.125\n"
            "firstmile_webhook_seconds_count{event=\"on_publish\"} 5\n");
}

TEST(MetricsWriter, HistogramWithoutLabels) {
  Histogram h({1});
  h.observe(0.5);
  MetricsWriter w;
  w.histogram("h", "H.", h.snapshot());
  EXPECT_EQ(w.take(),
            "# HELP h H.\n# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.5\nh_count 1\n");
}

TEST(Histogram, BoundsSortedDedupedAndInfImplicit) {
  Histogram h({1, 0.5, INFINITY, 1, NAN});
  h.observe(NAN);  // ignored
  h.observe(0.7);
  Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.bounds, (std::vector<double>{0.5, 1}));
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.sum, 0.7);
}

TEST(Histogram, ConcurrentObserveCountsExactly) {
  Histogram h({1, 2});
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < kPerThread; ++i)
        h.observe(t);  // 0, 1, 2, 3
    });
  }
  // A reader scraping meanwhile sees buckets consistent with count.
  for (int i = 0; i < 100; ++i) {
    Histogram::Snapshot s = h.snapshot();
    ASSERT_LE(s.cumulative[0], s.cumulative[1]);
    ASSERT_LE(s.cumulative[1], s.count);
  }
  for (auto& t : threads)
    t.join();
  Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.count, 4u * kPerThread);
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{2 * kPerThread, 3 * kPerThread}));
  EXPECT_EQ(s.sum, 6.0 * kPerThread);  // small integers: the double sum is exact
}

TEST(HistogramFamily, CreatedOnFirstUseAndStable) {
  HistogramFamily family({0.1, 1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&family, t] {
      for (int i = 0; i < 1000; ++i)
        family.at(t % 2 ? "on_publish" : "on_play").observe(0.5);
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(&family.at("on_play"), &family.at("on_play"));
  auto snap = family.snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].first, "on_play");
  EXPECT_EQ(snap[1].first, "on_publish");
  EXPECT_EQ(snap[0].second.count, 2000u);
  EXPECT_EQ(snap[1].second.cumulative, (std::vector<uint64_t>{0, 2000}));
}

TEST(MetricsWriterDeathTest, ProgrammingErrorsAssertInDebugAndSkipInRelease) {
  MetricsWriter w;
  w.counter("x_total", "X.", 1);
  EXPECT_DEBUG_DEATH(w.gauge("x_total", "X.", 2), "two types");
  EXPECT_DEBUG_DEATH(w.gauge("1x", "Bad name.", 1), "invalid");
  EXPECT_DEBUG_DEATH(w.gauge("x-y", "Bad name.", 1), "invalid");
  EXPECT_DEBUG_DEATH(w.gauge("g", "Bad label.", 1, {{"a:b", "v"}}), "invalid");
  EXPECT_DEBUG_DEATH(w.gauge("g", "Reserved label.", 1, {{"__name", "v"}}), "invalid");
  EXPECT_DEBUG_DEATH(w.gauge("g", "Twice.", 1, {{"a", "1"}, {"a", "2"}}), "invalid");
  EXPECT_DEBUG_DEATH(w.histogram("h", "le.", Histogram({1}).snapshot(), {{"le", "1"}}), "le");
  // Whichever build this is, none of the bad samples reached the output.
  EXPECT_EQ(w.take(), "# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n");
}

}  // namespace
}  // namespace firstmile::control
