#include "control/metrics.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

namespace firstmile::control {
namespace {

bool valid_metric_name(std::string_view s, bool allow_colon) {
  auto head = [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (allow_colon && c == ':');
  };
  if (s.empty() || !head(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(),
                     [&](char c) { return head(c) || (c >= '0' && c <= '9'); });
}

// Label names beginning with "__" are reserved for Prometheus' internal use.
bool valid_labels(const Labels& labels) {
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& n = labels[i].first;
    if (!valid_metric_name(n, false) || n.starts_with("__")) return false;
    for (size_t j = 0; j < i; ++j) {
      if (labels[j].first == n) return false;
    }
  }
  return true;
}

// Length of the valid UTF-8 sequence at s[i], or 0 (overlongs, surrogates and code points
// past U+10FFFF are invalid, RFC 3629 section 4).
size_t utf8_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xC2 && c <= 0xDF   ? 2
             : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4
                                      : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint8_t lo = 0x80, hi = 0xBF;
  if (c == 0xE0) lo = 0xA0;
  if (c == 0xED) hi = 0x9F;
  if (c == 0xF0) lo = 0x90;
  if (c == 0xF4) hi = 0x8F;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return n;
}

// Text format 0.0.4: in HELP, "\" and line feed are escaped; label values also escape '"'.
void append_escaped(std::string& out, std::string_view s, bool quote) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD, so one bad byte does not fail the whole scrape
      ++i;
      continue;
    }
    char c = s[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
}

// Prometheus parses values with Go's ParseFloat and spells the specials +Inf, -Inf and NaN.
// Integral values are printed as integers (never 1.2345678901234e+13); others as the
// shortest text that reads back to the same double.
void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    std::to_chars_result r;
    if (v == std::trunc(v) && std::fabs(v) < 9.2e18) {
      r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    } else {
      r = std::to_chars(buf, buf + sizeof buf, v);
    }
    out.append(buf, r.ptr);
  }
}

void append_number(std::string& out, uint64_t v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

template <typename Value>
void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const Labels& labels, const char* le, double le_value, Value value) {
  out.append(name).append(suffix);
  if (!labels.empty() || le) {
    char sep = '{';
    for (const auto& [k, v] : labels) {
      out.append(1, sep).append(k).append("=\"");
      append_escaped(out, v, true);
      out += '"';
      sep = ',';
    }
    if (le) {
      out.append(1, sep).append("le=\"");
      append_number(out, le_value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  append_number(out, value);
  out += '\n';
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  std::erase_if(bounds_, [](double b) { return !std::isfinite(b); });
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  buckets_ = std::vector<std::atomic<uint64_t>>(bounds_.size() + 1);
}

void Histogram::observe(double v) {
  if (std::isnan(v)) return;
  // The bucket "le" b holds v <= b: the first bound not less than v.
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  s.cumulative.reserve(bounds_.size());
  for (size_t i = 0; i < buckets_.size(); ++i) {
    s.count += buckets_[i].load(std::memory_order_relaxed);
    if (i < bounds_.size()) s.cumulative.push_back(s.count);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

Histogram& HistogramFamily::at(const std::string& label_value) {
  std::lock_guard lock(mutex_);
  auto& h = histograms_[label_value];
  if (!h) h = std::make_unique<Histogram>(bounds_);
  return *h;
}

std::vector<std::pair<std::string, Histogram::Snapshot>> HistogramFamily::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, Histogram::Snapshot>> out;
  out.reserve(histograms_.size());
  for (const auto& [label, h] : histograms_)
    out.emplace_back(label, h->snapshot());
  return out;
}

MetricsWriter::Family* MetricsWriter::family(std::string_view name, std::string_view type,
                                             std::string_view help, const Labels& labels) {
  bool ok = valid_metric_name(name, true) && valid_labels(labels);
  assert(ok && "invalid metric or label name");
  if (!ok) return nullptr;
  auto [it, inserted] = index_.try_emplace(std::string(name), families_.size());
  if (inserted) {
    families_.push_back(Family{std::string(name), type, std::string(help), {}});
  }
  Family& f = families_[it->second];
  assert(f.type == type && "metric family written with two types");
  return f.type == type ? &f : nullptr;
}

void MetricsWriter::counter(std::string_view name, std::string_view help, double value,
                            const Labels& labels) {
  if (Family* f = family(name, "counter", help, labels)) {
    append_sample(f->samples, name, "", labels, nullptr, 0, value);
  }
}

void MetricsWriter::gauge(std::string_view name, std::string_view help, double value,
                          const Labels& labels) {
  if (Family* f = family(name, "gauge", help, labels)) {
    append_sample(f->samples, name, "", labels, nullptr, 0, value);
  }
}

void MetricsWriter::histogram(std::string_view name, std::string_view help,
                              const Histogram::Snapshot& s, const Labels& labels) {
  // "le" is the bucket label the format adds itself.
  bool has_le = std::any_of(labels.begin(), labels.end(), [](auto& l) { return l.first == "le"; });
  assert(!has_le && "histogram label named le");
  assert(s.cumulative.size() == s.bounds.size());
  if (has_le) return;
  Family* f = family(name, "histogram", help, labels);
  if (!f) return;
  size_t n = std::min(s.bounds.size(), s.cumulative.size());
  for (size_t i = 0; i < n; ++i) {
    append_sample(f->samples, name, "_bucket", labels, "le", s.bounds[i], s.cumulative[i]);
  }
  append_sample(f->samples, name, "_bucket", labels, "le", INFINITY, s.count);
  append_sample(f->samples, name, "_sum", labels, nullptr, 0, s.sum);
  append_sample(f->samples, name, "_count", labels, nullptr, 0, s.count);
}

std::string MetricsWriter::take() {
  std::string out;
  for (const Family& f : families_) {
    out.append("# HELP ").append(f.name).append(" ");
    append_escaped(out, f.help, false);
    out.append("\n# TYPE ").append(f.name).append(" ").append(f.type).append("\n");
    out += f.samples;
  }
  families_.clear();
  index_.clear();
  return out;
}

}  // namespace firstmile::control
