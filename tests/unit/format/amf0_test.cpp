#include "format/amf0.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace firstmile::format::amf0 {
namespace {

using test::from_hex;

Bytes concat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (auto p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The AMF0 body of the `connect` command that ffmpeg 5.1 (Lavf59.27.100) sent for
// `ffmpeg -f lavfi -i testsrc -f flv rtmp://127.0.0.1:19350/live/x`, captured with a
// handshake-only listener and de-chunked (message type 20, 140 bytes).
const Bytes kFfmpegConnect = from_hex(
    "020007636f6e6e656374003ff00000000000000300036170700200046c69766500047479706502000a6e"
    "6f6e70726976617465000866"
    "6c61736856657202002446"
    "4d4c452f332e302028636f6d70617469626c653b204c61766635392e32372e3130302900057463"
    "55726c02001b72746d703a2f2f3132372e302e302e313a31393335302f6c697665000009");

// The onMetaData script tag body of an FLV written by ffmpeg 5.1 (testsrc 160x120 at 10 fps,
// libx264, aac, 1 s): "onMetaData" then an ECMA array with 13 properties.
const Bytes kFfmpegOnMetaData = from_hex(
    "02000a6f6e4d65746144617461080000000d000864757261"
    "74696f6e003ff33333333333330005776964746800406400"
    "0000000000000668656967687400405e000000000000000d"
    "766964656f64617461726174650000000000000000000009"
    "6672616d6572617465004024000000000000000c76696465"
    "6f636f646563696400401c000000000000000d617564696f"
    "6461746172617465004050d88000000000000f617564696f"
    "73616d706c65726174650040e5888000000000000f617564"
    "696f73616d706c6573697a65004030000000000000000673"
    "746572656f0100000c617564696f636f6465636964004024"
    "0000000000000007656e636f64657202000d4c6176663539"
    "2e32372e313030000866696c6573697a650040cc94000000"
    "0000000009");

TEST(Amf0, DecodesFfmpegConnectCommand) {
  ASSERT_EQ(kFfmpegConnect.size(), 140u);
  auto values = decode_all(kFfmpegConnect);
  ASSERT_TRUE(values.ok()) << values.error().message;
  ASSERT_EQ(values->size(), 3u);
  EXPECT_EQ((*values)[0].as_string(), "connect");
  EXPECT_TRUE((*values)[1].is_number());
  EXPECT_EQ((*values)[1].as_number(), 1.0);
  const Value& cmd = (*values)[2];
  ASSERT_EQ(cmd.type(), Type::Object);
  ASSERT_EQ(cmd.properties().size(), 4u);
  EXPECT_EQ(cmd.get_string("app"), "live");
  EXPECT_EQ(cmd.get_string("type"), "nonprivate");
  EXPECT_EQ(cmd.get_string("flashVer"), "FMLE/3.0 (compatible; Lavf59.27.100)");
  EXPECT_EQ(cmd.get_string("tcUrl"), "rtmp://127.0.0.1:19350/live");
  EXPECT_EQ(cmd.get("swfUrl"), nullptr);
  EXPECT_EQ(cmd.properties()[0].first, "app");  // order kept
  EXPECT_EQ(cmd.properties()[3].first, "tcUrl");
}

TEST(Amf0, ReencodesFfmpegConnectByteForByte) {
  auto values = decode_all(kFfmpegConnect);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(encode_all(*values), kFfmpegConnect);
}

TEST(Amf0, BuildsFfmpegConnectFromBuilders) {
  std::vector<Value> cmd = {"connect", 1,
                            Value::object({{"app", "live"},
                                           {"type", "nonprivate"},
                                           {"flashVer", "FMLE/3.0 (compatible; Lavf59.27.100)"},
                                           {"tcUrl", "rtmp://127.0.0.1:19350/live"}})};
  EXPECT_EQ(encode_all(cmd), kFfmpegConnect);
}

TEST(Amf0, DecodesFfmpegOnMetaDataEcmaArray) {
  auto values = decode_all(kFfmpegOnMetaData);
  ASSERT_TRUE(values.ok()) << values.error().message;
  ASSERT_EQ(values->size(), 2u);
  EXPECT_EQ((*values)[0].as_string(), "onMetaData");
  const Value& m = (*values)[1];
  ASSERT_EQ(m.type(), Type::EcmaArray);
  EXPECT_EQ(m.properties().size(), 13u);
  EXPECT_DOUBLE_EQ(m.get_number("duration"), 1.2);
  EXPECT_EQ(m.get_number("width"), 160);
  EXPECT_EQ(m.get_number("height"), 120);
  EXPECT_EQ(m.get_number("framerate"), 10);
  EXPECT_EQ(m.get_number("videocodecid"), 7);
  EXPECT_EQ(m.get_number("audiocodecid"), 10);
  EXPECT_EQ(m.get_number("audiosamplerate"), 44100);
  EXPECT_EQ(m.get_number("filesize"), 14632);
  ASSERT_NE(m.get("stereo"), nullptr);
  EXPECT_TRUE(m.get("stereo")->is_bool());
  EXPECT_FALSE(m.get("stereo")->as_bool(true));
  EXPECT_EQ(m.get_string("encoder"), "Lavf59.27.100");
  EXPECT_EQ(encode_all(*values), kFfmpegOnMetaData);
}

TEST(Amf0, ObjectBuilderEncodesPerSpec) {
  Value v = Value::object({{"level", "status"}, {"code", "NetStream.Play.Start"}});
  const Bytes expected =
      concat({from_hex("03 0005"), as_bytes("level"), from_hex("02 0006"), as_bytes("status"),
              from_hex("0004"), as_bytes("code"), from_hex("02 0014"),
              as_bytes("NetStream.Play.Start"), from_hex("000009")});
  EXPECT_EQ(encode(v), expected);
  EXPECT_EQ(v.get_string("code"), "NetStream.Play.Start");
}

struct MarkerCase {
  const char* name;
  const char* bytes;
  Value expected;
};

TEST(Amf0, DecodesEveryMarker) {
  const MarkerCase cases[] = {
      {"number", "00 3ff0000000000000", Value(1.0)},
      {"negative number", "00 bfe0000000000000", Value(-0.5)},
      {"boolean true", "01 01", Value(true)},
      {"boolean false", "01 00", Value(false)},
      {"boolean nonzero", "01 7f", Value(true)},
      {"string", "02 0001 61", Value("a")},
      {"empty string", "02 0000", Value("")},
      {"object", "03 0001 78 0101 000009", Value::object({{"x", true}})},
      {"empty object", "03 000009", Value::object({})},
      {"null", "05", Value::null()},
      {"undefined", "06", Value::undefined()},
      {"reference", "07 0005", Value::reference(5)},
      {"ecma array", "08 00000001 0001 6b 05 000009", Value::ecma_array({{"k", nullptr}})},
      {"ecma array wrong count", "08 00000009 0001 6b 05 000009",
       Value::ecma_array({{"k", nullptr}})},
      {"strict array", "0a 00000002 00 4000000000000000 02 0001 78", Value::strict_array({2, "x"})},
      {"empty strict array", "0a 00000000", Value::strict_array({})},
      {"date", "0b 4278bcfe56800000 0000", Value::date(1700000000000.0, 0)},
      {"date with tz", "0b 4278bcfe56800000 ffc4", Value::date(1700000000000.0, -60)},
      {"long string", "0c 00000003 616263", Value("abc")},
      {"unsupported", "0d", Value::unsupported()},
      {"xml document", "0f 00000004 3c612f3e", Value::xml("<a/>")},
      {"typed object", "10 0003 466f6f 0001 78 05 000009",
       Value::typed_object("Foo", {{"x", nullptr}})},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Bytes in = from_hex(c.bytes);
    ByteReader r(in);
    auto v = decode(r);
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(*v, c.expected) << v->debug_string();
    // Re-encoding then decoding again gives the same value.
    auto again = decode_all(encode(*v));
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->size(), 1u);
    EXPECT_EQ((*again)[0], c.expected);
  }
}

TEST(Amf0, EncodesEveryTypeByteExact) {
  EXPECT_EQ(encode(Value(1.0)), from_hex("00 3ff0000000000000"));
  EXPECT_EQ(encode(Value(true)), from_hex("01 01"));
  EXPECT_EQ(encode(Value("a")), from_hex("02 0001 61"));
  EXPECT_EQ(encode(Value::null()), from_hex("05"));
  EXPECT_EQ(encode(Value::undefined()), from_hex("06"));
  EXPECT_EQ(encode(Value::reference(258)), from_hex("07 0102"));
  EXPECT_EQ(encode(Value::ecma_array({{"k", nullptr}})), from_hex("08 00000001 0001 6b 05 000009"));
  EXPECT_EQ(encode(Value::strict_array({2, "x"})),
            from_hex("0a 00000002 00 4000000000000000 02 0001 78"));
  EXPECT_EQ(encode(Value::date(1700000000000.0, -60)), from_hex("0b 4278bcfe56800000 ffc4"));
  EXPECT_EQ(encode(Value::unsupported()), from_hex("0d"));
  EXPECT_EQ(encode(Value::xml("<a/>")), from_hex("0f 00000004 3c612f3e"));
  EXPECT_EQ(encode(Value::typed_object("Foo", {{"x", nullptr}})),
            from_hex("10 0003 466f6f 0001 78 05 000009"));
}

TEST(Amf0, LongStringsUseLongStringMarker) {
  const std::string short_max(0xffff, 'a');
  const Bytes s = encode(Value(short_max));
  ASSERT_EQ(s.size(), 3u + 0xffff);
  EXPECT_EQ(s[0], kString);
  EXPECT_EQ(s[1], 0xff);
  EXPECT_EQ(s[2], 0xff);

  const std::string long_one(0x10000, 'b');
  const Bytes l = encode(Value(long_one));
  ASSERT_EQ(l.size(), 5u + 0x10000);
  EXPECT_EQ(Bytes(l.begin(), l.begin() + 5), from_hex("0c 00010000"));
  auto back = decode_all(l);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)[0].as_string(), long_one);
}

TEST(Amf0, NanRoundTripsAndComparesEqual) {
  Value nan(std::numeric_limits<double>::quiet_NaN());
  auto back = decode_all(encode(nan));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(std::isnan((*back)[0].as_number()));
  EXPECT_EQ((*back)[0], nan);
}

TEST(Amf0, RejectsUnsupportedMarkersNamingThem) {
  const struct {
    const char* bytes;
    const char* needle;
  } cases[] = {
      {"04", "0x04"}, {"0e", "0x0e"}, {"11 02", "0x11"},
      {"09", "0x09"}, {"12", "0x12"}, {"ff", "0xff"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.bytes);
    auto v = decode_all(from_hex(c.bytes));
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.error().message.find(c.needle), std::string::npos) << v.error().message;
  }
  // Nested: the offset of the bad marker is reported.
  auto nested = decode_all(from_hex("03 0001 61 11 000009"));
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.error().message.find("0x11"), std::string::npos);
  EXPECT_NE(nested.error().message.find("offset 4"), std::string::npos) << nested.error().message;
}

TEST(Amf0, ObjectEndRules) {
  // Object missing its end marker at the end of the buffer is truncated input.
  EXPECT_FALSE(decode_all(from_hex("03 0001 61 05")).ok());
  EXPECT_FALSE(decode_all(from_hex("03 0001 61 05 0000")).ok());
  // An empty name followed by something other than 0x09 is malformed.
  EXPECT_FALSE(decode_all(from_hex("03 0001 61 05 0000 05")).ok());
  // Encoder quirk: ECMA array ending the buffer without 00 00 09 (or with only 00 00).
  for (const char* quirk : {"08 00000001 0001 61 05", "08 00000001 0001 61 05 0000"}) {
    SCOPED_TRACE(quirk);
    auto v = decode_all(from_hex(quirk));
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ((*v)[0], Value::ecma_array({{"a", nullptr}}));
  }
  // ...but only at the end of the buffer: a following value still needs the terminator.
  EXPECT_FALSE(decode_all(from_hex("03 0001 62 08 00000001 0001 61 05 05")).ok());
}

Bytes nested_arrays(size_t levels) {
  Bytes b;
  for (size_t i = 0; i < levels; ++i) {
    const uint8_t hdr[] = {kStrictArray, 0, 0, 0, 1};
    b.insert(b.end(), hdr, hdr + 5);
  }
  b.push_back(kNull);
  return b;
}

Bytes nested_objects(size_t levels) {
  Bytes b;
  for (size_t i = 0; i < levels; ++i) {
    const uint8_t hdr[] = {kObject, 0, 1, 'o'};
    b.insert(b.end(), hdr, hdr + 4);
  }
  b.push_back(kNull);
  for (size_t i = 0; i < levels; ++i) {
    const uint8_t end[] = {0, 0, kObjectEnd};
    b.insert(b.end(), end, end + 3);
  }
  return b;
}

TEST(Amf0, DepthLimit) {
  EXPECT_TRUE(decode_all(nested_arrays(32)).ok());
  auto deep = decode_all(nested_arrays(33));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().message.find("nesting"), std::string::npos);
  EXPECT_TRUE(decode_all(nested_objects(32)).ok());
  EXPECT_FALSE(decode_all(nested_objects(33)).ok());
  // Explicit limit.
  EXPECT_TRUE(decode_all(nested_objects(4), {.max_depth = 4}).ok());
  EXPECT_FALSE(decode_all(nested_objects(5), {.max_depth = 4}).ok());
  // Depth is per value, not cumulative across top-level values.
  Bytes two = nested_objects(32);
  Bytes more = nested_objects(32);
  two.insert(two.end(), more.begin(), more.end());
  EXPECT_TRUE(decode_all(two).ok());
}

TEST(Amf0, ElementLimitCountsAllValues) {
  // A strict array of 10 nulls is 11 elements.
  Bytes b = from_hex("0a 0000000a");
  b.insert(b.end(), 10, kNull);
  EXPECT_TRUE(decode_all(b, {.max_elements = 11}).ok());
  auto over = decode_all(b, {.max_elements = 10});
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message.find("elements"), std::string::npos);
  // Top-level values count too.
  Bytes nulls(20, kNull);
  EXPECT_TRUE(decode_all(nulls, {.max_elements = 20}).ok());
  EXPECT_FALSE(decode_all(nulls, {.max_elements = 19}).ok());
}

TEST(Amf0, StrictArrayCountBeyondTheElementLimitIsRejectedBeforeDecoding) {
  // 30 nulls are there to read, but the count alone is over the limit (1 + 30 > 30).
  Bytes b = from_hex("0a 0000001e");
  b.insert(b.end(), 30, kNull);
  auto over = decode_all(b, {.max_elements = 30});
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message.find("strict-array count 30 at offset 0"), std::string::npos)
      << over.error().message;
  EXPECT_TRUE(decode_all(b, {.max_elements = 31}).ok());
}

TEST(Amf0, StrictArrayCountBeyondInputIsRejectedWithoutAllocating) {
  auto v = decode_all(from_hex("0a ffffffff 05"));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("count"), std::string::npos);
}

TEST(Amf0, HugeStringLengthIsTruncatedInput) {
  EXPECT_FALSE(decode_all(from_hex("0c ffffffff 61")).ok());
  EXPECT_FALSE(decode_all(from_hex("0f 7fffffff 61")).ok());
  EXPECT_FALSE(decode_all(from_hex("02 ffff 61")).ok());
}

// Every strict prefix of the connect body either fails, or ends exactly on a value boundary
// and yields exactly the values before it.
TEST(Amf0, TruncatedAtEveryPrefix) {
  auto full = decode_all(kFfmpegConnect);
  ASSERT_TRUE(full.ok());
  size_t boundaries = 0;
  for (size_t n = 0; n < kFfmpegConnect.size(); ++n) {
    ByteSpan prefix(kFfmpegConnect.data(), n);
    auto v = decode_all(prefix);
    if (!v.ok()) continue;
    ++boundaries;
    ASSERT_LT(v->size(), full->size());
    for (size_t i = 0; i < v->size(); ++i)
      EXPECT_EQ((*v)[i], (*full)[i]);
    EXPECT_EQ(encode_all(*v).size(), n) << "prefix " << n;
  }
  // Empty, after "connect" (10 bytes), after the transaction id (19 bytes).
  EXPECT_EQ(boundaries, 3u);
  // Decoding the command object alone fails at every truncation.
  ByteSpan object = ByteSpan(kFfmpegConnect).subspan(19);
  for (size_t n = 0; n < object.size(); ++n) {
    ByteReader r(object.first(n));
    EXPECT_FALSE(decode(r).ok()) << "prefix " << n;
  }
}

TEST(Amf0, DecodeLeavesReaderAfterTheValue) {
  ByteReader r(kFfmpegConnect);
  auto name = decode(r);
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(r.position(), 10u);
  auto txn = decode(r);
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(txn->as_number(), 1.0);
  EXPECT_EQ(r.position(), 19u);
}

TEST(Amf0, AccessorsAndMutation) {
  Value o = Value::object({{"a", 1}, {"b", "x"}, {"a", 2}});
  EXPECT_EQ(o.get("a")->as_number(), 1);  // first match
  EXPECT_EQ(o.get_number("b", -1), -1);   // wrong type -> fallback
  EXPECT_EQ(o.get_string("a"), "");
  o.set("b", 3.5);
  o.set("c", Value::null());
  EXPECT_EQ(o.get_number("b"), 3.5);
  EXPECT_EQ(o.properties().size(), 4u);
  EXPECT_TRUE(o.get("c")->is_null());
  EXPECT_EQ(Value("s").get("a"), nullptr);
  EXPECT_EQ(Value(5).as_string(), "");
  EXPECT_EQ(Value("5").as_number(7), 7);
  Value arr = Value::strict_array({});
  arr.push_back("x");
  EXPECT_EQ(arr.items().size(), 1u);
  EXPECT_NE(Value(1), Value(true));
  EXPECT_NE(Value::object({{"a", 1}}), Value::ecma_array({{"a", 1}}));
  EXPECT_NE(Value::date(1, 0), Value::date(1, 1));
  EXPECT_EQ(Value::object({{"k", "v"}, {"n", 2}}).debug_string(), "{\"k\":\"v\",\"n\":2}");
  EXPECT_LE(Value(std::string(1000, 'z')).debug_string(64).size(), 67u);
}

TEST(Amf0, EncodeSkipsUnencodableEmptyNames) {
  // An empty name would terminate the object on the wire; the encoder drops the pair.
  Value o = Value::ecma_array({{"", 1}, {"a", 2}});
  auto back = decode_all(encode(o));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)[0], Value::ecma_array({{"a", 2}}));
  EXPECT_EQ(encode(o)[4], 1);  // count matches what was written
}

}  // namespace
}  // namespace firstmile::format::amf0
