#pragma once
// Shared by the ChunkReader tests: byte builders, hand-made chunk headers (spec 5.3.1) and
// feeding a reader whole, byte by byte or in random pieces.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "hex.hpp"
#include "protocol/rtmp/wire/chunk_reader.hpp"

namespace firstmile::rtmp {
namespace {

inline Bytes B(std::initializer_list<uint8_t> v) {
  return Bytes(v);
}

using test::from_hex;

inline Bytes pattern(size_t n, uint8_t seed = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i)
    b[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
  return b;
}

inline void append(Bytes& out, std::initializer_list<Bytes> parts) {
  for (const Bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
}

inline Bytes slice(const Bytes& b, size_t from, size_t to) {
  return Bytes(b.begin() + static_cast<ptrdiff_t>(from), b.begin() + static_cast<ptrdiff_t>(to));
}

inline Bytes payload_of(const Message& m) {
  return Bytes(m.payload.span().begin(), m.payload.span().end());
}

inline Message make(uint32_t csid, uint8_t type, uint32_t ts, uint32_t sid, Bytes payload) {
  Message m;
  m.csid = csid;
  m.type = type;
  m.timestamp = ts;
  m.stream_id = sid;
  m.payload = Buffer::adopt(std::move(payload));
  return m;
}

enum class Split { kWhole, kBytewise, kRandom };

// Feeds `data` to `reader` whole, one byte at a time, or in random pieces; EXPECTs no error.
inline std::vector<Message> read_all(ChunkReader& reader, const Bytes& data, Split split,
                                     uint32_t seed = 1) {
  std::vector<Message> out;
  std::mt19937 rng(seed);
  size_t pos = 0;
  while (pos < data.size()) {
    size_t n = data.size() - pos;
    if (split == Split::kBytewise) n = 1;
    if (split == Split::kRandom) n = std::min<size_t>(n, rng() % 300 + (rng() % 8 == 0 ? 5000 : 0));
    auto r = reader.feed(ByteSpan(data).subspan(pos, n), out);
    EXPECT_TRUE(r) << (r ? "" : r.error().message) << " at byte " << pos;
    if (!r) break;
    pos += n;
  }
  return out;
}

inline std::vector<Message> read_all(const Bytes& data, Split split = Split::kWhole) {
  ChunkReader reader;
  return read_all(reader, data, split);
}

// Feeds `data` whole and returns the error the reader must report.
inline std::string read_error(const Bytes& data, ChunkReaderLimits limits = {}) {
  ChunkReader reader(limits);
  std::vector<Message> out;
  auto r = reader.feed(data, out);
  EXPECT_FALSE(r);
  if (r) return "";
  // A failed reader stays failed.
  auto again = reader.feed(B({0x03}), out);
  EXPECT_FALSE(again);
  EXPECT_TRUE(reader.failed());
  return r.error().message;
}

// A type-0 chunk header, built by hand from spec 5.3.1.1 and 5.3.1.2.1 (no extended timestamp).
inline Bytes type0(uint32_t csid, uint32_t ts, uint32_t length, uint8_t type, uint32_t sid) {
  Bytes out;
  if (csid < 64) {
    out = B({static_cast<uint8_t>(csid)});
  } else {
    out = B({1, static_cast<uint8_t>(csid - 64), static_cast<uint8_t>((csid - 64) >> 8)});
  }
  append(out, {B({static_cast<uint8_t>(ts >> 16), static_cast<uint8_t>(ts >> 8),
                  static_cast<uint8_t>(ts), static_cast<uint8_t>(length >> 16),
                  static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length), type,
                  static_cast<uint8_t>(sid), static_cast<uint8_t>(sid >> 8),
                  static_cast<uint8_t>(sid >> 16), static_cast<uint8_t>(sid >> 24)})});
  return out;
}

inline Bytes control(uint8_t type, Bytes payload) {
  Bytes out = type0(2, 0, static_cast<uint32_t>(payload.size()), type, 0);
  append(out, {payload});
  return out;
}

}  // namespace
}  // namespace firstmile::rtmp
