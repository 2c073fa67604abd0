#include "format/amf0.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace firstmile::format::amf0 {

namespace {

constexpr size_t kMaxShortString = 0xffff;

const char* marker_name(uint8_t m) {
  switch (m) {
    case kMovieClip:
      return "movieclip";
    case kObjectEnd:
      return "object-end";
    case kRecordSet:
      return "recordset";
    case kAvmPlus:
      return "avmplus-object (AMF3)";
    default:
      return "unknown";
  }
}

std::string hex_byte(uint8_t b) {
  char s[8];
  std::snprintf(s, sizeof s, "0x%02x", b);
  return s;
}

uint64_t bits_of(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

// What a strict array reserves before its values arrive.
constexpr size_t kStrictArrayReserve = 16;

// One decode call: counts elements across the whole call so a body of many small values and a
// deep tree are bounded alike.
class Decoder {
 public:
  Decoder(ByteReader& r, const DecodeLimits& limits) : r_(r), limits_(limits) {}

  Result<Value> value(size_t depth) {
    if (++elements_ > limits_.max_elements) {
      return fail("amf0: more than ", limits_.max_elements, " elements");
    }
    const size_t at = r_.position();
    const uint8_t marker = r_.u8();
    if (!r_.ok()) return fail("amf0: truncated at offset ", at);
    switch (marker) {
      case kNumber: {
        double d = r_.f64();
        if (!r_.ok()) return truncated("number", at);
        return Value(d);
      }
      case kBoolean: {
        uint8_t b = r_.u8();
        if (!r_.ok()) return truncated("boolean", at);
        return Value(b != 0);
      }
      case kString:
      case kLongString: {
        auto s = string(marker == kLongString ? 4 : 2);
        if (!s.ok()) return truncated("string", at);
        return Value(std::move(*s));
      }
      case kXmlDocument: {
        // Section 2.17: an xml-document is encoded like a long string.
        auto s = string(4);
        if (!s.ok()) return truncated("xml-document", at);
        return Value::xml(std::move(*s));
      }
      case kNull:
        return Value::null();
      case kUndefined:
        return Value::undefined();
      case kUnsupported:
        return Value::unsupported();
      case kReference: {
        uint16_t index = r_.u16();
        if (!r_.ok()) return truncated("reference", at);
        return Value::reference(index);
      }
      case kDate: {
        // Section 2.13: DOUBLE milliseconds since the epoch, then S16 time-zone (reserved,
        // "should be set to 0x0000"; kept as received).
        double ms = r_.f64();
        int16_t tz = static_cast<int16_t>(r_.u16());
        if (!r_.ok()) return truncated("date", at);
        return Value::date(ms, tz);
      }
      case kObject:
      case kEcmaArray:
      case kTypedObject:
        return properties(marker, depth, at);
      case kStrictArray:
        return strict_array(depth, at);
      default:
        return fail("amf0: unsupported marker ", hex_byte(marker), " (", marker_name(marker),
                    ") at offset ", at);
    }
  }

 private:
  Error truncated(const char* what, size_t at) {
    return fail("amf0: truncated ", what, " at offset ", at);
  }

  Result<std::string> string(size_t length_bytes) {
    const uint32_t n = length_bytes == 2 ? r_.u16() : r_.u32();
    ByteSpan s = r_.bytes(n);
    if (!r_.ok()) return fail("truncated");
    return std::string(reinterpret_cast<const char*>(s.data()), s.size());
  }

  Status enter(size_t depth, size_t at) {
    if (depth + 1 > limits_.max_depth) {
      return fail("amf0: nesting deeper than ", limits_.max_depth, " at offset ", at);
    }
    return {};
  }

  // Object (2.5), ECMA array (2.10) and typed object (2.18): UTF-8 name / value pairs closed by
  // an empty name followed by the object-end marker.
  Result<Value> properties(uint8_t marker, size_t depth, size_t at) {
    if (auto s = enter(depth, at); !s) return s.error();
    std::string class_name;
    if (marker == kTypedObject) {
      auto name = string(2);
      if (!name.ok()) return truncated("typed-object class name", at);
      class_name = std::move(*name);
    } else if (marker == kEcmaArray) {
      r_.u32();  // associative-count: advisory only, encoders get it wrong
      if (!r_.ok()) return truncated("ecma-array", at);
    }
    std::vector<Property> props;
    for (;;) {
      // Common encoder quirk (older Flash Media Encoder, some hardware encoders): an ECMA array
      // that ends the buffer without its 00 00 09 terminator, or with only the empty name.
      if (marker == kEcmaArray && r_.empty()) break;
      const size_t key_at = r_.position();
      auto key = string(2);
      if (!key.ok()) return truncated("property name", key_at);
      if (key->empty()) {
        if (marker == kEcmaArray && r_.empty()) break;
        uint8_t end = r_.u8();
        if (!r_.ok()) return truncated("object end", key_at);
        if (end != kObjectEnd) {
          return fail("amf0: expected object-end marker at offset ", key_at + 2, ", got ",
                      hex_byte(end));
        }
        break;
      }
      auto v = value(depth + 1);
      if (!v.ok()) return v.error();
      props.emplace_back(std::move(*key), std::move(*v));
    }
    if (marker == kObject) return Value::object(std::move(props));
    if (marker == kEcmaArray) return Value::ecma_array(std::move(props));
    return Value::typed_object(std::move(class_name), std::move(props));
  }

  // Section 2.12: U32 array-count, then that many values.
  Result<Value> strict_array(size_t depth, size_t at) {
    if (auto s = enter(depth, at); !s) return s.error();
    const uint32_t count = r_.u32();
    if (!r_.ok()) return truncated("strict-array", at);
    // Every value takes at least one byte: a count beyond the rest is a lie, not a reserve hint.
    if (count > r_.remaining()) {
      return fail("amf0: strict-array count ", count, " exceeds the ", r_.remaining(),
                  " bytes left at offset ", at);
    }
    // Nor can it hold more values than the call may still decode.
    if (count > limits_.max_elements - std::min(elements_, limits_.max_elements)) {
      return fail("amf0: strict-array count ", count, " at offset ", at, " is more than the ",
                  limits_.max_elements, " elements a message may hold");
    }
    // Grown as values arrive, not reserved from the count: nested arrays would otherwise each
    // reserve their own (claimed) share before one value is read.
    std::vector<Value> items;
    items.reserve(std::min<size_t>(count, kStrictArrayReserve));
    for (uint32_t i = 0; i < count; ++i) {
      auto v = value(depth + 1);
      if (!v.ok()) return v.error();
      items.push_back(std::move(*v));
    }
    return Value::strict_array(std::move(items));
  }

  ByteReader& r_;
  const DecodeLimits& limits_;
  size_t elements_ = 0;
};

void encode_key(ByteWriter& w, std::string_view s) {
  if (s.size() > kMaxShortString) s = s.substr(0, kMaxShortString);
  w.u16(static_cast<uint16_t>(s.size()));
  w.bytes(s);
}

void encode_props(ByteWriter& w, const std::vector<Property>& props, Bytes& out) {
  for (const auto& [key, v] : props) {
    // An empty name would read back as the end of the object; such a pair cannot be encoded.
    if (key.empty()) continue;
    encode_key(w, key);
    encode(v, out);
  }
  w.u16(0);
  w.u8(kObjectEnd);
}

void append_escaped(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

Value Value::reference(uint16_t index) {
  Value v = of_type(Type::Reference);
  v.number_ = index;
  return v;
}

Value Value::date(double ms_since_epoch, int16_t timezone) {
  Value v = of_type(Type::Date);
  v.number_ = ms_since_epoch;
  v.timezone_ = timezone;
  return v;
}

Value Value::xml(std::string document) {
  Value v = of_type(Type::XmlDocument);
  v.string_ = std::move(document);
  return v;
}

Value Value::object(std::initializer_list<Property> props) {
  return object(std::vector<Property>(props));
}

Value Value::object(std::vector<Property> props) {
  Value v = of_type(Type::Object);
  v.props_ = std::move(props);
  return v;
}

Value Value::ecma_array(std::initializer_list<Property> props) {
  return ecma_array(std::vector<Property>(props));
}

Value Value::ecma_array(std::vector<Property> props) {
  Value v = of_type(Type::EcmaArray);
  v.props_ = std::move(props);
  return v;
}

Value Value::typed_object(std::string class_name, std::vector<Property> props) {
  Value v = of_type(Type::TypedObject);
  v.string_ = std::move(class_name);
  v.props_ = std::move(props);
  return v;
}

Value Value::strict_array(std::initializer_list<Value> items) {
  return strict_array(std::vector<Value>(items));
}

Value Value::strict_array(std::vector<Value> items) {
  Value v = of_type(Type::StrictArray);
  v.items_ = std::move(items);
  return v;
}

const Value* Value::get(std::string_view key) const {
  if (!has_properties()) return nullptr;
  for (const auto& p : props_) {
    if (p.first == key) return &p.second;
  }
  return nullptr;
}

std::string_view Value::get_string(std::string_view key) const {
  const Value* v = get(key);
  return v && v->is_string() ? v->as_string() : std::string_view();
}

double Value::get_number(std::string_view key, double fallback) const {
  const Value* v = get(key);
  return v ? v->as_number(fallback) : fallback;
}

void Value::set(std::string_view key, Value v) {
  for (auto& p : props_) {
    if (p.first == key) {
      p.second = std::move(v);
      return;
    }
  }
  props_.emplace_back(std::string(key), std::move(v));
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Type::Number:
    case Type::Reference:
      return bits_of(a.number_) == bits_of(b.number_);
    case Type::Date:
      return bits_of(a.number_) == bits_of(b.number_) && a.timezone_ == b.timezone_;
    case Type::Boolean:
      return a.boolean_ == b.boolean_;
    case Type::String:
    case Type::XmlDocument:
      return a.string_ == b.string_;
    case Type::Object:
    case Type::EcmaArray:
      return a.props_ == b.props_;
    case Type::TypedObject:
      return a.string_ == b.string_ && a.props_ == b.props_;
    case Type::StrictArray:
      return a.items_ == b.items_;
    case Type::Null:
    case Type::Undefined:
    case Type::Unsupported:
      return true;
  }
  return false;
}

std::string Value::debug_string(size_t max_chars) const {
  std::string out;
  render(out, max_chars);
  if (out.size() > max_chars) {
    out.resize(max_chars);
    out += "...";
  }
  return out;
}

void Value::render(std::string& out, size_t max_chars) const {
  if (out.size() > max_chars) return;
  switch (type_) {
    case Type::Number: {
      char s[32];
      std::snprintf(s, sizeof s, "%.17g", number_);
      out += s;
      break;
    }
    case Type::Boolean:
      out += boolean_ ? "true" : "false";
      break;
    case Type::String:
      append_escaped(out, string_);
      break;
    case Type::XmlDocument:
      out += "xml:";
      append_escaped(out, string_);
      break;
    case Type::Null:
      out += "null";
      break;
    case Type::Undefined:
      out += "undefined";
      break;
    case Type::Unsupported:
      out += "unsupported";
      break;
    case Type::Reference:
      out += "ref:" + std::to_string(reference_index());
      break;
    case Type::Date: {
      char s[48];
      std::snprintf(s, sizeof s, "date:%.17g", number_);
      out += s;
      break;
    }
    case Type::StrictArray:
      out += '[';
      for (size_t i = 0; i < items_.size() && out.size() <= max_chars; ++i) {
        if (i) out += ',';
        items_[i].render(out, max_chars);
      }
      out += ']';
      break;
    case Type::Object:
    case Type::EcmaArray:
    case Type::TypedObject:
      if (type_ == Type::TypedObject) out += string_;
      out += '{';
      for (size_t i = 0; i < props_.size() && out.size() <= max_chars; ++i) {
        if (i) out += ',';
        append_escaped(out, props_[i].first);
        out += ':';
        props_[i].second.render(out, max_chars);
      }
      out += '}';
      break;
  }
}

Result<Value> decode(ByteReader& reader, const DecodeLimits& limits) {
  Decoder d(reader, limits);
  return d.value(0);
}

Result<std::vector<Value>> decode_all(ByteSpan body, const DecodeLimits& limits) {
  ByteReader r(body);
  Decoder d(r, limits);
  std::vector<Value> values;
  while (!r.empty()) {
    auto v = d.value(0);
    if (!v.ok()) return wrap("value " + std::to_string(values.size()), v.error());
    values.push_back(std::move(*v));
  }
  return values;
}

void encode(const Value& v, Bytes& out) {
  ByteWriter w(out);
  switch (v.type()) {
    case Type::Number:
      w.u8(kNumber);
      w.f64(v.as_number());
      break;
    case Type::Boolean:
      w.u8(kBoolean);
      w.u8(v.as_bool() ? 1 : 0);
      break;
    case Type::String: {
      std::string_view s = v.as_string();
      if (s.size() > kMaxShortString) {
        w.u8(kLongString);
        w.u32(static_cast<uint32_t>(s.size()));
      } else {
        w.u8(kString);
        w.u16(static_cast<uint16_t>(s.size()));
      }
      w.bytes(s);
      break;
    }
    case Type::XmlDocument:
      w.u8(kXmlDocument);
      w.u32(static_cast<uint32_t>(v.as_string().size()));
      w.bytes(v.as_string());
      break;
    case Type::Null:
      w.u8(kNull);
      break;
    case Type::Undefined:
      w.u8(kUndefined);
      break;
    case Type::Unsupported:
      w.u8(kUnsupported);
      break;
    case Type::Reference:
      w.u8(kReference);
      w.u16(v.reference_index());
      break;
    case Type::Date:
      w.u8(kDate);
      w.f64(v.date_ms());
      w.u16(static_cast<uint16_t>(v.date_timezone()));
      break;
    case Type::Object:
      w.u8(kObject);
      encode_props(w, v.properties(), out);
      break;
    case Type::EcmaArray:
      // The count is advisory (section 2.10) but players read it: write the real one.
      w.u8(kEcmaArray);
      w.u32(
          static_cast<uint32_t>(std::count_if(v.properties().begin(), v.properties().end(),
                                              [](const Property& p) { return !p.first.empty(); })));
      encode_props(w, v.properties(), out);
      break;
    case Type::TypedObject:
      w.u8(kTypedObject);
      encode_key(w, v.class_name());
      encode_props(w, v.properties(), out);
      break;
    case Type::StrictArray:
      w.u8(kStrictArray);
      w.u32(static_cast<uint32_t>(v.items().size()));
      for (const auto& item : v.items())
        encode(item, out);
      break;
  }
}

Bytes encode(const Value& v) {
  Bytes out;
  encode(v, out);
  return out;
}

Bytes encode_all(std::span<const Value> values) {
  Bytes out;
  for (const auto& v : values)
    encode(v, out);
  return out;
}

}  // namespace firstmile::format::amf0
