#pragma once
// AMF0 (Adobe "Action Message Format -- AMF 0", December 2007): the value encoding of RTMP
// command messages (connect, createStream, publish, onStatus ...) and of FLV script-data
// tags (onMetaData). Values are plain data: decode() builds them from peer bytes within
// explicit limits, encode() writes them back. Namespace: firstmile::format::amf0.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::format::amf0 {

// Type markers, AMF0 spec section 2.1.
enum Marker : uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kMovieClip = 0x04,  // reserved, not supported
  kNull = 0x05,
  kUndefined = 0x06,
  kReference = 0x07,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,
  kStrictArray = 0x0a,
  kDate = 0x0b,
  kLongString = 0x0c,
  kUnsupported = 0x0d,
  kRecordSet = 0x0e,  // reserved, not supported
  kXmlDocument = 0x0f,
  kTypedObject = 0x10,
  kAvmPlus = 0x11,  // switch to AMF3: not supported inside AMF0 bodies
};

enum class Type : uint8_t {
  Number,
  Boolean,
  String,  // both string-marker and long-string-marker; encode picks by length
  Object,
  Null,
  Undefined,
  Reference,  // index into the sender's object table; kept, not resolved
  EcmaArray,
  StrictArray,
  Date,
  XmlDocument,
  TypedObject,
  Unsupported,  // the 0x0d "unsupported" marker: a value the sender could not serialize
};

class Value;
using Property = std::pair<std::string, Value>;

class Value {
 public:
  Value() = default;        // Null
  Value(std::nullptr_t) {}  // NOLINT: implicit so builders read like the data
  Value(bool b) : type_(Type::Boolean), boolean_(b) {}  // NOLINT
  template <class T>
  requires(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) Value(T n)
      : type_(Type::Number), number_(static_cast<double>(n)) {}         // NOLINT
  Value(const char* s) : type_(Type::String), string_(s) {}             // NOLINT
  Value(std::string s) : type_(Type::String), string_(std::move(s)) {}  // NOLINT
  Value(std::string_view s) : type_(Type::String), string_(s) {}        // NOLINT

  static Value null() { return Value(); }
  static Value undefined() { return of_type(Type::Undefined); }
  static Value unsupported() { return of_type(Type::Unsupported); }
  static Value reference(uint16_t index);
  static Value date(double ms_since_epoch, int16_t timezone = 0);
  static Value xml(std::string document);
  // Value::object({{"level", "status"}, {"code", "NetStream.Play.Start"}})
  static Value object(std::initializer_list<Property> props);
  static Value object(std::vector<Property> props);
  static Value ecma_array(std::initializer_list<Property> props);
  static Value ecma_array(std::vector<Property> props);
  static Value typed_object(std::string class_name, std::vector<Property> props);
  static Value strict_array(std::initializer_list<Value> items);
  static Value strict_array(std::vector<Value> items);

  Type type() const { return type_; }
  bool is_number() const { return type_ == Type::Number; }
  bool is_bool() const { return type_ == Type::Boolean; }
  bool is_string() const { return type_ == Type::String; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_undefined() const { return type_ == Type::Undefined; }
  // Object, ECMA array or typed object: anything with named properties. Peers use Object and
  // ECMA array interchangeably (e.g. onMetaData), so readers should accept either.
  bool has_properties() const {
    return type_ == Type::Object || type_ == Type::EcmaArray || type_ == Type::TypedObject;
  }
  bool is_strict_array() const { return type_ == Type::StrictArray; }

  // Typed accessors return the fallback when the value has another type.
  double as_number(double fallback = 0) const { return is_number() ? number_ : fallback; }
  bool as_bool(bool fallback = false) const { return is_bool() ? boolean_ : fallback; }
  // String or XML document text; empty for other types.
  std::string_view as_string() const {
    return type_ == Type::String || type_ == Type::XmlDocument ? std::string_view(string_)
                                                               : std::string_view();
  }
  const std::string& class_name() const { return string_; }  // TypedObject only
  double date_ms() const { return type_ == Type::Date ? number_ : 0; }
  int16_t date_timezone() const { return timezone_; }
  uint16_t reference_index() const {
    return type_ == Type::Reference ? static_cast<uint16_t>(number_) : 0;
  }

  // First property named `key` of an Object/ECMA array/typed object; nullptr if absent or if
  // this value has no properties.
  const Value* get(std::string_view key) const;
  // Convenience for the common "string property or empty" lookup (command objects).
  std::string_view get_string(std::string_view key) const;
  double get_number(std::string_view key, double fallback = 0) const;

  const std::vector<Property>& properties() const { return props_; }
  const std::vector<Value>& items() const { return items_; }
  // Replaces the first property named `key`, or appends it (Object/ECMA/typed only).
  void set(std::string_view key, Value v);
  void push_back(Value v) { items_.push_back(std::move(v)); }  // StrictArray only

  // Numbers (and dates) compare bitwise, so a decoded NaN equals its re-decoded self.
  friend bool operator==(const Value& a, const Value& b);

  // Compact JSON-like rendering for logs; output is capped near max_chars.
  std::string debug_string(size_t max_chars = 512) const;

 private:
  static Value of_type(Type t) {
    Value v;
    v.type_ = t;
    return v;
  }
  void render(std::string& out, size_t max_chars) const;

  Type type_ = Type::Null;
  bool boolean_ = false;
  int16_t timezone_ = 0;
  double number_ = 0;            // Number, Date (ms), Reference (index)
  std::string string_;           // String, XmlDocument, TypedObject class name
  std::vector<Property> props_;  // Object, EcmaArray, TypedObject (ordered, duplicates kept)
  std::vector<Value> items_;     // StrictArray
};

struct DecodeLimits {
  size_t max_depth = 32;          // nested Object/ECMA/strict array/typed object levels
  size_t max_elements = 100'000;  // values (at any depth) per decode/decode_all call
};

// Decodes one value at the reader's position. On error the reader's position is unspecified.
Result<Value> decode(ByteReader& reader, const DecodeLimits& limits = {});
// Decodes every value of a command message or script-data body until the end of `body`.
Result<std::vector<Value>> decode_all(ByteSpan body, const DecodeLimits& limits = {});

// Appends the encoding of `v`. Strings longer than 65535 bytes use the long-string marker;
// property names and typed-object class names longer than 65535 bytes are truncated (the
// format cannot carry them; they never come from the wire).
void encode(const Value& v, Bytes& out);
Bytes encode(const Value& v);
Bytes encode_all(std::span<const Value> values);

}  // namespace firstmile::format::amf0
