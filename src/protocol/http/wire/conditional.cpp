#include "protocol/http/wire/conditional.hpp"

#include <array>
#include <cstdio>

#include "core/ascii.hpp"

namespace firstmile::http {

namespace {

using Clock = std::chrono::system_clock;

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

// Exactly `n` decimal digits at `s[at]`.
std::optional<int> digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

template <size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& names) {
  for (auto n : names)
    if (s == n) return true;
  return false;
}

std::optional<unsigned> month_of(std::string_view s) {
  for (unsigned i = 0; i < kMonths.size(); ++i)
    if (s == kMonths[i]) return i + 1;
  return std::nullopt;
}

// "hh:mm:ss" at `s[at]`.
std::optional<std::chrono::seconds> time_of_day(std::string_view s, size_t at) {
  auto h = digits(s, at, 2), m = digits(s, at + 3, 2), sec = digits(s, at + 6, 2);
  if (!h || !m || !sec || s[at + 2] != ':' || s[at + 5] != ':') return std::nullopt;
  if (*h > 23 || *m > 59 || *sec > 60) return std::nullopt;
  // A leap second (60) is read as the last second of its minute.
  return std::chrono::hours(*h) + std::chrono::minutes(*m) +
         std::chrono::seconds(std::min(*sec, 59));
}

std::optional<Clock::time_point> make_time(int year, unsigned month, int day,
                                           std::chrono::seconds time) {
  // system_clock counts nanoseconds in 64 bits: 1678 to 2262. Dates outside 1900..2200 mean
  // nothing to a cache anyway; they are read as no date (the header is then ignored).
  if (year < 1900 || year > 2200 || day < 1 || day > 31) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  return Clock::time_point(std::chrono::sys_days(ymd).time_since_epoch() + time);
}

// The entity-tag at the front of `s` ([W/] DQUOTE *etagc DQUOTE); on success `s` is moved past
// it and `weak` tells the prefix. The tag returned includes its quotes.
std::optional<std::string_view> take_entity_tag(std::string_view& s, bool& weak) {
  weak = s.size() >= 2 && s[0] == 'W' && s[1] == '/';
  std::string_view rest = weak ? s.substr(2) : s;
  if (rest.empty() || rest[0] != '"') return std::nullopt;
  size_t i = 1;
  for (; i < rest.size() && rest[i] != '"'; ++i) {
    const auto c = static_cast<unsigned char>(rest[i]);
    if (c < 0x21 || c == 0x7f) return std::nullopt;  // etagc: %x21 / %x23-7E / obs-text
  }
  if (i == rest.size()) return std::nullopt;
  auto tag = rest.substr(0, i + 1);
  s = rest.substr(i + 1);
  return tag;
}

std::string_view opaque(std::string_view etag) {
  return etag.size() >= 2 && etag[0] == 'W' && etag[1] == '/' ? etag.substr(2) : etag;
}

// A decimal number that fits 64 bits, the whole of `s`.
std::optional<uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// qvalue (12.4.2): "0" ["." 0*3DIGIT] or "1" ["." 0*3("0")]; true when above zero.
std::optional<bool> qvalue_positive(std::string_view q) {
  if (q.empty() || q.size() > 5 || (q[0] != '0' && q[0] != '1')) return std::nullopt;
  if (q.size() > 1 && q[1] != '.') return std::nullopt;
  bool nonzero = q[0] == '1';
  for (size_t i = 2; i < q.size(); ++i) {
    if (q[i] < '0' || q[i] > '9') return std::nullopt;
    if (q[0] == '1' && q[i] != '0') return std::nullopt;
    nonzero = nonzero || q[i] != '0';
  }
  return nonzero;
}

}  // namespace

uint64_t fnv1a64(std::string_view bytes, uint64_t hash) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string entity_tag(uint64_t hash, std::string_view suffix) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  std::string out;
  out.reserve(18 + suffix.size());
  out.push_back('"');
  out.append(hex, 16);
  out.append(suffix);
  out.push_back('"');
  return out;
}

std::string http_date(Clock::time_point t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto days = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd(days);
  const std::chrono::hh_mm_ss hms(secs - days);
  const std::chrono::weekday wd(days);
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                kDays[wd.c_encoding()].data(), static_cast<unsigned>(ymd.day()),
                kMonths[static_cast<unsigned>(ymd.month()) - 1].data(),
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return out;
}

std::optional<Clock::time_point> parse_http_date(std::string_view s) {
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (s.size() == 29 && s[3] == ',' && one_of(s.substr(0, 3), kDays)) {
    if (s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[25] != ' ' ||
        s.substr(26) != "GMT")
      return std::nullopt;
    auto day = digits(s, 5, 2), year = digits(s, 12, 4);
    auto month = month_of(s.substr(8, 3));
    auto time = time_of_day(s, 17);
    if (!day || !year || !month || !time) return std::nullopt;
    return make_time(*year, *month, *day, *time);
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
  if (const size_t comma = s.find(',');
      comma != std::string_view::npos && comma >= 6 && one_of(s.substr(0, comma), kLongDays)) {
    auto rest = s.substr(comma);
    if (rest.size() != 24 || rest[1] != ' ' || rest[4] != '-' || rest[8] != '-' ||
        rest[11] != ' ' || rest[20] != ' ' || rest.substr(21) != "GMT")
      return std::nullopt;
    auto day = digits(rest, 2, 2), yy = digits(rest, 9, 2);
    auto month = month_of(rest.substr(5, 3));
    auto time = time_of_day(rest, 12);
    if (!day || !yy || !month || !time) return std::nullopt;
    // Two-digit years: 70..99 are 1970..1999, the rest 2000..2069 (5.6.7 asks for the most
    // recent past year with those digits; this server's dates are all after 1970).
    return make_time(*yy >= 70 ? 1900 + *yy : 2000 + *yy, *month, *day, *time);
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (s.size() == 24 && s[3] == ' ' && one_of(s.substr(0, 3), kDays)) {
    if (s[7] != ' ' || s[10] != ' ' || s[19] != ' ') return std::nullopt;
    auto month = month_of(s.substr(4, 3));
    auto day = s[8] == ' ' ? digits(s, 9, 1) : digits(s, 8, 2);
    auto time = time_of_day(s, 11);
    auto year = digits(s, 20, 4);
    if (!day || !year || !month || !time) return std::nullopt;
    return make_time(*year, *month, *day, *time);
  }
  return std::nullopt;
}

bool none_match_hits(std::string_view list, std::string_view etag) {
  list = trim_ows(list);
  if (list == "*") return true;
  const std::string_view want = opaque(etag);
  bool hit = false;
  bool any = false;
  while (!list.empty()) {
    if (list.front() == ',' || is_ows(list.front())) {
      list.remove_prefix(1);
      continue;
    }
    bool weak = false;
    auto tag = take_entity_tag(list, weak);
    if (!tag) return false;
    any = true;
    hit = hit || *tag == want;
    // The next element, if any, follows a comma.
    size_t i = 0;
    while (i < list.size() && is_ows(list[i]))
      ++i;
    if (i < list.size() && list[i] != ',') return false;
    list.remove_prefix(i);
  }
  return any && hit;
}

bool if_range_holds(std::string_view if_range, std::string_view etag,
                    std::optional<Clock::time_point> last_modified) {
  if_range = trim_ows(if_range);
  if (!if_range.empty() && (if_range[0] == '"' || if_range[0] == 'W')) {
    std::string_view rest = if_range;
    bool weak = false;
    auto tag = take_entity_tag(rest, weak);
    // Strong comparison: both strong and equal.
    return tag && rest.empty() && !weak && !etag.starts_with("W/") && *tag == etag;
  }
  auto date = parse_http_date(if_range);
  return date && last_modified && *date == std::chrono::floor<std::chrono::seconds>(*last_modified);
}

RangeAnswer select_range(std::string_view range, uint64_t size) {
  const RangeAnswer whole;
  const size_t eq = range.find('=');
  if (eq == std::string_view::npos || !iequals(range.substr(0, eq), "bytes")) return whole;
  std::string_view set = range.substr(eq + 1);
  // One range-spec; empty list elements are allowed (5.6.1), several specs are served whole.
  std::string_view spec;
  while (!set.empty()) {
    const size_t comma = set.find(',');
    auto element = trim_ows(set.substr(0, comma));
    set = comma == std::string_view::npos ? std::string_view{} : set.substr(comma + 1);
    if (element.empty()) continue;
    if (!spec.empty()) return whole;
    spec = element;
  }
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const auto first_text = spec.substr(0, dash), last_text = spec.substr(dash + 1);
  RangeAnswer out;
  if (first_text.empty()) {
    // suffix-range: the last n bytes.
    auto n = number(last_text);
    if (!n) return whole;
    if (*n == 0 || size == 0) return {RangeAnswer::Kind::Unsatisfiable};
    out.length = std::min(*n, size);
    out.first = size - out.length;
  } else {
    auto first = number(first_text);
    if (!first) return whole;
    uint64_t last = UINT64_MAX;
    if (!last_text.empty()) {
      auto l = number(last_text);
      if (!l || *l < *first) return whole;  // 14.1.1: an invalid range-set is ignored
      last = *l;
    }
    if (*first >= size) return {RangeAnswer::Kind::Unsatisfiable};
    out.first = *first;
    out.length = std::min(last, size - 1) - *first + 1;
  }
  out.kind = RangeAnswer::Kind::Partial;
  return out;
}

bool accepts_gzip(std::string_view field) {
  std::optional<bool> gzip, any;
  while (!field.empty()) {
    const size_t comma = field.find(',');
    auto element = trim_ows(field.substr(0, comma));
    field = comma == std::string_view::npos ? std::string_view{} : field.substr(comma + 1);
    if (element.empty()) continue;
    const size_t semi = element.find(';');
    auto coding = trim_ows(element.substr(0, semi));
    std::optional<bool> positive = true;
    if (semi != std::string_view::npos) {
      auto weight = trim_ows(element.substr(semi + 1));
      if (weight.size() < 2 || ascii_lower(weight[0]) != 'q' || weight[1] != '=') continue;
      positive = qvalue_positive(weight.substr(2));
      if (!positive) continue;  // a malformed weight: the element is ignored
    }
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip"))
      gzip = *positive;
    else if (coding == "*")
      any = *positive;
  }
  if (gzip) return *gzip;
  return any.value_or(false);
}

}  // namespace firstmile::http
