#pragma once
// Test-only ISO BMFF walker: splits bytes into boxes (ISO/IEC 14496-12 4.2), descending into the
// containers the fMP4 muxer writes, and reports a box whose size does not tile its parent as a
// test failure. Not for untrusted input: the production code has no box reader.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"

namespace firstmile::test::bmff {

struct Box {
  std::string type;
  size_t offset = 0;  // of the box header, from the start of the walked bytes
  size_t size = 0;    // whole box
  ByteSpan body;      // after the 8- or 16-byte header
  std::vector<Box> children;

  // The first child of this type; fails the test (and returns an empty box) if there is none.
  const Box& child(std::string_view t) const {
    for (const Box& c : children) {
      if (c.type == t) return c;
    }
    ADD_FAILURE() << type << " has no " << t;
    static const Box kNone;
    return kNone;
  }
  std::vector<const Box*> all(std::string_view t) const {
    std::vector<const Box*> out;
    for (const Box& c : children) {
      if (c.type == t) out.push_back(&c);
    }
    return out;
  }
  std::vector<std::string> child_types() const {
    std::vector<std::string> out;
    for (const Box& c : children)
      out.push_back(c.type);
    return out;
  }
  // Follows a path of child types, e.g. "mdia/minf/stbl".
  const Box& path(std::string_view p) const {
    const Box* b = this;
    while (!p.empty()) {
      size_t slash = p.find('/');
      b = &b->child(p.substr(0, slash));
      p = slash == std::string_view::npos ? std::string_view{} : p.substr(slash + 1);
    }
    return *b;
  }
};

// Bytes before the children in boxes that hold both fields and boxes.
inline size_t child_preamble(std::string_view type) {
  if (type == "moov" || type == "trak" || type == "mdia" || type == "minf" || type == "dinf" ||
      type == "stbl" || type == "mvex" || type == "moof" || type == "traf" || type == "edts")
    return 0;
  if (type == "stsd" || type == "dref") return 8;   // FullBox header + entry_count
  if (type == "avc1" || type == "hvc1") return 78;  // VisualSampleEntry
  if (type == "mp4a" || type == "Opus") return 28;  // AudioSampleEntry
  return SIZE_MAX;                                  // a leaf
}

inline std::vector<Box> walk_boxes(ByteSpan data, size_t base = 0) {
  std::vector<Box> boxes;
  size_t pos = 0;
  while (pos < data.size()) {
    ByteReader r(data.subspan(pos));
    uint64_t size = r.u32();
    const uint32_t t = r.u32();
    size_t header = 8;
    if (size == 1) {
      size = r.u64();
      header = 16;
    }
    if (!r.ok() || size < header || size > data.size() - pos) {
      ADD_FAILURE() << "box at " << base + pos << " with size " << size << " overruns its parent";
      return boxes;
    }
    Box b;
    for (int i = 3; i >= 0; --i)
      b.type.push_back(static_cast<char>(t >> (8 * i)));
    b.offset = base + pos;
    b.size = static_cast<size_t>(size);
    b.body = data.subspan(pos + header, b.size - header);
    const size_t pre = child_preamble(b.type);
    if (pre != SIZE_MAX && pre <= b.body.size())
      b.children = walk_boxes(b.body.subspan(pre), b.offset + header + pre);
    boxes.push_back(std::move(b));
    pos += static_cast<size_t>(size);
  }
  return boxes;
}

// Big-endian field at a byte offset in a box body.
inline uint64_t be_at(ByteSpan body, size_t offset, size_t n) {
  uint64_t v = 0;
  if (offset + n > body.size()) {
    ADD_FAILURE() << "field at " << offset << " past the body (" << body.size() << " bytes)";
    return 0;
  }
  for (size_t i = 0; i < n; ++i)
    v = v << 8 | body[offset + i];
  return v;
}

inline Bytes to_bytes(ByteSpan s) {
  return Bytes(s.begin(), s.end());
}

// Owns the bytes the boxes point into (a moved vector keeps its storage).
struct Walked {
  Bytes data;
  std::vector<Box> boxes;
  const Box& operator[](size_t i) const { return boxes.at(i); }
  size_t size() const { return boxes.size(); }
};

// Walks a whole buffer; fails unless its boxes tile it exactly.
inline Walked walk_all(Bytes data) {
  Walked w{std::move(data), {}};
  w.boxes = walk_boxes(w.data);
  size_t total = 0;
  for (const Box& b : w.boxes)
    total += b.size;
  EXPECT_EQ(total, w.data.size());
  return w;
}

}  // namespace firstmile::test::bmff
