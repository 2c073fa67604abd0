#include "protocol/http/route_pattern.hpp"

#include <stdexcept>

namespace firstmile::http {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

bool valid_capture_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

const std::string& Captures::operator[](std::string_view name) const {
  static const std::string kNone;
  for (const auto& [k, v] : named) {
    if (k == name) return v;
  }
  return kNone;
}

RoutePattern::RoutePattern(std::string_view text) : text_(text) {
  auto fail = [&](const char* why) {
    throw std::invalid_argument("route pattern \"" + std::string(text) + "\": " + why);
  };
  if (text.empty() || text.front() != '/') fail("must start with '/'");
  text.remove_prefix(1);
  if (text.empty()) return;  // "/": the root
  auto parts = split(text, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    auto part = parts[i];
    if (part.empty()) fail("empty segment");
    if (part.front() != '{') {
      if (part.find_first_of("{}") != std::string_view::npos) fail("brace inside a literal");
      elements_.push_back({Kind::Literal, std::string(part), {}});
      continue;
    }
    auto close = part.find('}');
    if (close == std::string_view::npos) fail("unclosed '{'");
    auto inner = part.substr(1, close - 1);
    auto after = part.substr(close + 1);
    if (after.find_first_of("{}") != std::string_view::npos) fail("brace after a capture");
    if (!inner.empty() && inner.front() == '*') {
      if (!after.empty() || i + 1 != parts.size()) fail("a rest capture must be last and alone");
      if (!valid_capture_name(inner.substr(1))) fail("bad capture name");
      elements_.push_back({Kind::Rest, std::string(inner.substr(1)), {}});
      continue;
    }
    auto colon = inner.find(':');
    if (colon != std::string_view::npos) {
      if (!after.empty()) fail("text after a suffixed capture");
      Element e{Kind::Suffixed, std::string(inner.substr(0, colon)), {}};
      for (auto s : split(inner.substr(colon + 1), ',')) {
        if (s.empty()) fail("empty suffix");
        e.suffixes.emplace_back(s);
      }
      if (!valid_capture_name(e.value)) fail("bad capture name");
      elements_.push_back(std::move(e));
      continue;
    }
    if (!valid_capture_name(inner)) fail("bad capture name");
    if (after.empty()) {
      elements_.push_back({Kind::Capture, std::string(inner), {}});
    } else {
      elements_.push_back({Kind::Stem, std::string(inner), {std::string(after)}});
    }
  }
}

std::optional<Captures> RoutePattern::match(const std::vector<std::string>& segments) const {
  Captures out;
  size_t i = 0;
  for (const auto& e : elements_) {
    if (e.kind == Kind::Rest) {
      out.rest.assign(segments.begin() + static_cast<std::ptrdiff_t>(i), segments.end());
      return out;
    }
    if (i == segments.size()) return std::nullopt;
    const std::string& seg = segments[i++];
    switch (e.kind) {
      case Kind::Literal:
        if (seg != e.value) return std::nullopt;
        break;
      case Kind::Capture:
        out.named.emplace_back(e.value, seg);
        break;
      case Kind::Stem:
        if (!seg.ends_with(e.suffixes.front())) return std::nullopt;
        out.named.emplace_back(e.value, seg.substr(0, seg.size() - e.suffixes.front().size()));
        break;
      case Kind::Suffixed: {
        bool any = false;
        for (const auto& s : e.suffixes)
          any = any || seg.ends_with(s);
        if (!any) return std::nullopt;
        out.named.emplace_back(e.value, seg);
        break;
      }
      case Kind::Rest:
        break;
    }
  }
  if (i != segments.size()) return std::nullopt;
  return out;
}

int RoutePattern::rank(Kind k) {
  switch (k) {
    case Kind::Literal:
      return 4;
    case Kind::Stem:
    case Kind::Suffixed:
      return 3;
    case Kind::Capture:
      return 2;
    case Kind::Rest:
      return 1;
  }
  return 0;
}

int RoutePattern::compare_specificity(const RoutePattern& other) const {
  // Past its last element a pattern matches nothing more, which beats a rest capture there.
  constexpr int kEnd = 5;
  size_t n = std::max(elements_.size(), other.elements_.size());
  for (size_t i = 0; i < n; ++i) {
    int a = i < elements_.size() ? rank(elements_[i].kind) : kEnd;
    int b = i < other.elements_.size() ? rank(other.elements_[i].kind) : kEnd;
    if (a != b) return a > b ? -1 : 1;
  }
  return 0;
}

}  // namespace firstmile::http
