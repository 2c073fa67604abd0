#pragma once
// A path pattern of the HTTP route table, matched against a request's decoded path segments.
// Pure code (no sockets): unit-tested and fuzzed on its own.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace firstmile::http {

// What a matched pattern captured. Named captures hold one decoded segment each (never
// checked here: a handler validates what it uses, e.g. valid_name); a rest capture
// holds the remaining segments, possibly none.
struct Captures {
  std::vector<std::pair<std::string, std::string>> named;
  std::vector<std::string> rest;

  // The named capture `name`; empty if the pattern has none of that name.
  const std::string& operator[](std::string_view name) const;
};

// Pattern syntax, one element per '/'-separated segment:
//   literal         matches that exact (decoded) segment: "api", "index.mpd"
//   {name}          captures any one segment
//   {name}.flv      a segment ending in ".flv"; captures the part before it (maybe empty)
//   {name:.a,.b}    a segment ending in one of the suffixes; captures the whole segment
//   {*name}         last element only: captures the remaining segments, zero or more
// "/" alone is the root (no segments).
class RoutePattern {
 public:
  // Throws std::invalid_argument on a malformed pattern (patterns are written in the code).
  explicit RoutePattern(std::string_view text);

  // The captures if `segments` match, else nullopt.
  std::optional<Captures> match(const std::vector<std::string>& segments) const;

  // Specificity order of the route table: negative if this pattern is more specific than
  // `other`, positive if less, 0 if equally. Segments are compared left to right and the
  // first difference decides: literal > suffix capture > capture > rest capture; a pattern
  // that ends where the other has a rest capture is the more specific one.
  int compare_specificity(const RoutePattern& other) const;

  const std::string& text() const { return text_; }
  bool operator==(const RoutePattern& other) const { return text_ == other.text_; }

 private:
  enum class Kind { Literal, Stem, Suffixed, Capture, Rest };
  struct Element {
    Kind kind;
    std::string value;                  // the literal, or the capture's name
    std::vector<std::string> suffixes;  // Stem: one suffix; Suffixed: the allowed ones
  };
  static int rank(Kind k);

  std::string text_;
  std::vector<Element> elements_;
};

}  // namespace firstmile::http
