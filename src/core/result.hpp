#pragma once
// Result<T>: a value or an Error, for code that handles peer input and must not throw
// (CONVENTIONS.md: "Media paths and parsers of network input never throw").
#include <cassert>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace firstmile {

struct Error {
  std::string message;
};

inline std::string to_text(std::string_view v) {
  return std::string(v);
}
inline std::string to_text(const std::string& v) {
  return v;
}
inline std::string to_text(const char* v) {
  return v;
}
inline std::string to_text(char v) {
  return std::string(1, v);
}
template <class T>
requires std::is_arithmetic_v<T> std::string to_text(T v) {
  return std::to_string(v);
}

// Builds an Error; `return fail("chunk size ", n, " over limit");` reads like a log line.
template <class... Args>
Error fail(Args&&... parts) {
  std::string s;
  (s.append(to_text(std::forward<Args>(parts))), ...);
  return Error{std::move(s)};
}

// Adds context as an error travels up: wrap("rtmp publish live/x", e) -> "rtmp publish live/x: ..."
inline Error wrap(std::string_view context, const Error& e) {
  std::string s(context);
  s += ": ";
  s += e.message;
  return Error{std::move(s)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace firstmile
