#pragma once
// Prometheus metrics for /metrics: lock-free histograms that media and control threads
// observe into, and a writer producing the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Nothing is global: the
// server owns the histograms and builds a MetricsWriter per scrape.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace firstmile::control {

// A histogram with fixed upper bounds ("le"), safe to observe from any thread. Buckets are
// stored per interval with relaxed atomics and made cumulative only in snapshot().
class Histogram {
 public:
  // Sorted and deduplicated here; non-finite bounds are dropped because +Inf is implicit.
  explicit Histogram(std::vector<double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // NaN is ignored: it would make _sum NaN for the life of the process.
  void observe(double v);

  struct Snapshot {
    std::vector<double> bounds;        // finite upper bounds, increasing
    std::vector<uint64_t> cumulative;  // cumulative[i] = observations <= bounds[i]
    uint64_t count = 0;                // the +Inf bucket
    double sum = 0;
  };
  // count and cumulative come from one pass over the buckets, so they agree with each other
  // even under concurrent observe(); sum may lag them by the observations in flight.
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<uint64_t>> buckets_;  // bounds_.size() + 1, the last for +Inf
  std::atomic<double> sum_{0};
};

// Histograms keyed by one label value (e.g. per webhook event), created on first use. The
// lookup takes a mutex: callers observe a few times per second at most. References returned
// by at() stay valid for the family's lifetime. Label values must come from a bounded set.
class HistogramFamily {
 public:
  explicit HistogramFamily(std::vector<double> bounds) : bounds_(std::move(bounds)) {}
  Histogram& at(const std::string& label_value);
  // Ordered by label value.
  std::vector<std::pair<std::string, Histogram::Snapshot>> snapshot() const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Histogram>> histograms_;
};

using Labels = std::vector<std::pair<std::string, std::string>>;

// Builds one scrape's text. Families come out in first-seen order, each with one # HELP and
// # TYPE and its samples contiguous, whatever order the caller writes them in. Invalid metric
// or label names, a histogram label named "le", and reusing a name with another type are
// programming errors: they assert in debug and the sample is skipped in release. Label values
// may come from peers (stream names): invalid UTF-8 in them is replaced by U+FFFD.
class MetricsWriter {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // Format 0.0.4 does not require the _total suffix, but by convention counters carry it.
  void counter(std::string_view name, std::string_view help, double value,
               const Labels& labels = {});
  void gauge(std::string_view name, std::string_view help, double value, const Labels& labels = {});
  // name_bucket{...,le="..."} (cumulative, ending with le="+Inf"), name_sum, name_count.
  void histogram(std::string_view name, std::string_view help, const Histogram::Snapshot& s,
                 const Labels& labels = {});
  // The text, and the writer is empty again.
  std::string take();

 private:
  struct Family {
    std::string name;
    std::string_view type;
    std::string help;
    std::string samples;
  };
  Family* family(std::string_view name, std::string_view type, std::string_view help,
                 const Labels& labels);

  std::vector<Family> families_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace firstmile::control
