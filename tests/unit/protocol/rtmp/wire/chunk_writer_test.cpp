#include "protocol/rtmp/wire/chunk_writer.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "chunk_reader_test_util.hpp"

namespace firstmile::rtmp {
namespace {

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Spec 5.3.2.1, example 1: four 32-byte audio messages, stream 12345, chunk stream 3, time
// 1000 then every 20 ms: type 0, type 2 (delta 20), then type 3 twice.
TEST(RtmpChunkWriter, SpecExampleAudioHeaders) {
  ChunkWriter w;
  Bytes out;
  Bytes data = pattern(32);
  for (uint32_t ts : {1000u, 1020u, 1040u, 1060u})
    w.write(out, make(3, 8, ts, 12345, data));
  Bytes expected =
      concat({B({0x03, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x20, 0x08, 0x39, 0x30, 0x00, 0x00}), data,
              B({0x83, 0x00, 0x00, 0x14}), data, B({0xC3}), data, B({0xC3}), data});
  EXPECT_EQ(out, expected);
}

// Spec 5.3.2.2, example 2: a 307-byte video message at chunk size 128 is one type-0 chunk and
// two type-3 chunks of 128 and 51 bytes.
TEST(RtmpChunkWriter, SpecExampleVideoSplit) {
  ChunkWriter w;
  Bytes out;
  Bytes data = pattern(307);
  w.write(out, make(4, 9, 1000, 12346, data));
  Bytes expected =
      concat({B({0x04, 0x00, 0x03, 0xE8, 0x00, 0x01, 0x33, 0x09, 0x3A, 0x30, 0x00, 0x00}),
              Bytes(data.begin(), data.begin() + 128), B({0xC4}),
              Bytes(data.begin() + 128, data.begin() + 256), B({0xC4}),
              Bytes(data.begin() + 256, data.end())});
  EXPECT_EQ(out, expected);
}

TEST(RtmpChunkWriter, BasicHeaderForms) {
  // Spec 5.3.1.1: ids 2..63 in one byte, 64..319 as (0, id-64), 320..65599 as (1, lo, hi).
  struct Case {
    uint32_t csid;
    Bytes basic;
  };
  for (const Case& c : {Case{2, B({0x02})}, Case{63, B({0x3F})}, Case{64, B({0x00, 0x00})},
                        Case{319, B({0x00, 0xFF})}, Case{320, B({0x01, 0x00, 0x01})},
                        Case{65599, B({0x01, 0xFF, 0xFF})}}) {
    Bytes out;
    ChunkWriter::write_full(out, c.csid, 20, 0, 0, B({0xAA}), 128);
    Bytes expected = concat({c.basic, B({0, 0, 0, 0, 0, 1, 20, 0, 0, 0, 0, 0xAA})});
    EXPECT_EQ(out, expected) << "csid " << c.csid;
  }
  // The continuation of a 3-byte-id chunk stream repeats the 3-byte basic header with fmt 3.
  Bytes out;
  ChunkWriter::write_full(out, 320, 9, 0, 1, B({1, 2}), 1);
  EXPECT_EQ(out, B({0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 2, 9, 1, 0, 0, 0, 1, 0xC1, 0x00, 0x01, 2}));
}

TEST(RtmpChunkWriter, HeaderCompressionChoices) {
  ChunkWriter w;
  Bytes out;
  w.write(out, make(6, 9, 100, 1, B({1, 2, 3})));
  EXPECT_EQ(out[0], 0x06);  // type 0: first on the chunk stream
  out.clear();
  w.write(out, make(6, 9, 140, 1, B({1, 2, 3, 4})));  // length changed: type 1, delta 40
  EXPECT_EQ(out, B({0x46, 0, 0, 40, 0, 0, 4, 9, 1, 2, 3, 4}));
  out.clear();
  w.write(out, make(6, 9, 180, 1, B({5, 6, 7, 8})));  // same length and delta: type 3
  EXPECT_EQ(out, B({0xC6, 5, 6, 7, 8}));
  out.clear();
  w.write(out, make(6, 9, 190, 1, B({5, 6, 7, 8})));  // new delta: type 2
  EXPECT_EQ(out, B({0x86, 0, 0, 10, 5, 6, 7, 8}));
  out.clear();
  w.write(out, make(6, 8, 190, 1, B({5, 6, 7, 8})));  // type changed: type 1, delta 0
  EXPECT_EQ(out, B({0x46, 0, 0, 0, 0, 0, 4, 8, 5, 6, 7, 8}));
  out.clear();
  w.write(out, make(6, 8, 150, 1, B({5, 6, 7, 8})));  // time went backwards: type 0
  EXPECT_EQ(out, B({0x06, 0, 0, 150, 0, 0, 4, 8, 1, 0, 0, 0, 5, 6, 7, 8}));
  out.clear();
  w.write(out, make(6, 8, 300, 1, B({5, 6, 7, 8})));  // after type 0: type 2, never type 3
  EXPECT_EQ(out, B({0x86, 0, 0, 150, 5, 6, 7, 8}));
  out.clear();
  w.write(out, make(6, 8, 450, 2, B({5, 6, 7, 8})));  // other message stream: type 0
  EXPECT_EQ(out[0], 0x06);
  out.clear();
  w.reset(6);
  w.write(out, make(6, 8, 600, 2, B({5, 6, 7, 8})));  // state forgotten: type 0
  EXPECT_EQ(out[0], 0x06);
}

TEST(RtmpChunkWriter, ZeroLengthMessageIsOneHeader) {
  ChunkWriter w;
  Bytes out;
  w.write(out, make(3, 20, 0, 0, {}));
  EXPECT_EQ(out, B({0x03, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0}));
}

TEST(RtmpChunkWriter, ExtendedTimestampRepeatedInContinuations) {
  // Timestamp 0xFFFFFF exactly needs the extended field (spec 5.3.1.3), 0xFFFFFE does not.
  Bytes out;
  ChunkWriter::write_full(out, 4, 9, 0xFFFFFF, 1, pattern(3), 2);
  EXPECT_EQ(out, B({0x04, 0xFF, 0xFF, 0xFF, 0, 0, 3,    9,    1,    0,    0,    0,
                    0x00, 0xFF, 0xFF, 0xFF, 0, 7, 0xC4, 0x00, 0xFF, 0xFF, 0xFF, 14}));
  out.clear();
  ChunkWriter::write_full(out, 4, 9, 0xFFFFFE, 1, pattern(3), 2);
  EXPECT_EQ(out, B({0x04, 0xFF, 0xFF, 0xFE, 0, 0, 3, 9, 1, 0, 0, 0, 0, 7, 0xC4, 14}));

  // A type-2 header whose delta is extended carries it in its continuation too.
  ChunkWriter w(2);
  out.clear();
  w.write(out, make(5, 8, 10, 1, pattern(3)));
  out.clear();
  w.write(out, make(5, 8, 10 + 0x12345678, 1, pattern(3)));
  EXPECT_EQ(out, B({0x85, 0xFF, 0xFF, 0xFF, 0x12, 0x34, 0x56, 0x78, 0, 7, 0xC5, 0x12, 0x34, 0x56,
                    0x78, 14}));
}

TEST(RtmpChunkWriter, SetChunkSizeMessageAppliesAfterItself) {
  ChunkWriter w;
  Bytes out;
  w.write(out, make_control_message(msg_type::kSetChunkSize, encode_set_chunk_size(4)));
  EXPECT_EQ(out, B({0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 4}));
  EXPECT_EQ(w.chunk_size(), 4u);
  out.clear();
  w.write(out, make(3, 20, 0, 0, pattern(6)));
  EXPECT_EQ(out, B({0x03, 0, 0, 0, 0, 0, 6, 20, 0, 0, 0, 0, 0, 7, 14, 21, 0xC3, 28, 35}));
}

TEST(RtmpChunkWriter, ChunkSizeClamped) {
  ChunkWriter w(0);
  EXPECT_EQ(w.chunk_size(), 1u);
  w.set_chunk_size(0x7FFFFFFF);
  EXPECT_EQ(w.chunk_size(), 0xFFFFFFu);
}

TEST(RtmpChunkWriter, WriteFullIgnoresConnectionState) {
  Bytes a, b;
  Bytes data = pattern(1000);
  ChunkWriter::write_full(a, 6, 9, 5000, 1, data, 128);
  ChunkWriter::write_full(b, 6, 9, 5000, 1, data, 128);
  EXPECT_EQ(a, b);
  // 1000 bytes at 128: one 12-byte header + 7 one-byte continuation headers.
  EXPECT_EQ(a.size(), 1000u + 12 + 7);
  EXPECT_EQ(a[0], 0x06);
  EXPECT_EQ(a[12 + 128], 0xC6);
}

TEST(RtmpChunkWriter, HeadersAndPiecesReassembleToWriteFull) {
  Bytes data = pattern(1000, 3);
  for (uint32_t ts : {0u, 0xFFFFFFu, 0x80000000u}) {
    for (uint32_t cs : {1u, 128u, 999u, 1000u, 4096u}) {
      Bytes full;
      ChunkWriter::write_full(full, 7, 9, ts, 1, data, cs);
      Bytes headers = B({0xEE});  // pieces index into the whole buffer
      std::vector<ChunkPiece> pieces;
      ChunkWriter::write_full_headers(headers, pieces, 7, 9, ts, 1, 1000, cs);
      Bytes joined;
      for (const ChunkPiece& p : pieces) {
        const Bytes& src = p.source == ChunkPiece::Source::kHeader ? headers : data;
        ASSERT_LE(p.offset + p.length, src.size());
        joined.insert(joined.end(), src.begin() + p.offset, src.begin() + p.offset + p.length);
      }
      EXPECT_EQ(joined, full) << "ts " << ts << " chunk size " << cs;
      EXPECT_EQ(headers.size() - 1 + data.size(), full.size());
    }
  }
  // Zero-length payload: a single header piece.
  Bytes headers;
  std::vector<ChunkPiece> pieces;
  ChunkWriter::write_full_headers(headers, pieces, 3, 20, 0, 0, 0, 128);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].source, ChunkPiece::Source::kHeader);
  EXPECT_EQ(pieces[0].length, 12u);
}

}  // namespace
}  // namespace firstmile::rtmp
