// ChunkReader on valid input: the spec's examples, every header form, round trips with the
// writer, timestamps, interleaving, and a real ffmpeg publish. Faults and limits are in
// chunk_reader_faults_test.cpp.
#include "protocol/rtmp/wire/chunk_reader.hpp"

#include <gtest/gtest.h>

#include <string_view>

#include "protocol/rtmp/wire/chunk_reader_test_util.hpp"
#include "protocol/rtmp/wire/chunk_writer.hpp"

namespace firstmile::rtmp {
namespace {

// Spec 5.3.2.1 example 1, as it appears on the wire: type 0 at 1000 ms, type 2 delta 20, then
// two type-3 chunks that each start a new message and add the delta again.
TEST(RtmpChunkReader, SpecExampleAudio) {
  Bytes data = pattern(32);
  Bytes wire;
  append(wire, {B({0x03, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x20, 0x08, 0x39, 0x30, 0x00, 0x00}), data,
                B({0x83, 0x00, 0x00, 0x14}), data, B({0xC3}), data, B({0xC3}), data});
  for (Split split : {Split::kWhole, Split::kBytewise, Split::kRandom}) {
    auto msgs = read_all(wire, split);
    ASSERT_EQ(msgs.size(), 4u);
    uint32_t ts = 1000;
    for (const Message& m : msgs) {
      EXPECT_EQ(m.csid, 3u);
      EXPECT_EQ(m.type, msg_type::kAudio);
      EXPECT_EQ(m.stream_id, 12345u);
      EXPECT_EQ(m.timestamp, ts);
      EXPECT_EQ(payload_of(m), data);
      ts += 20;
    }
  }
}

// Spec 5.3.2.2 example 2: a 307-byte message in chunks of 128, 128 and 51 bytes.
TEST(RtmpChunkReader, SpecExampleVideo) {
  Bytes data = pattern(307);
  Bytes wire;
  append(wire,
         {B({0x04, 0x00, 0x03, 0xE8, 0x00, 0x01, 0x33, 0x09, 0x3A, 0x30, 0x00, 0x00}),
          slice(data, 0, 128), B({0xC4}), slice(data, 128, 256), B({0xC4}), slice(data, 256, 307)});
  ChunkReader reader;
  std::vector<Message> out;
  // Everything but the last chunk: nothing complete yet, one partial message.
  auto r = reader.feed(ByteSpan(wire).first(wire.size() - 52), out);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0u);
  EXPECT_EQ(reader.partial_messages(), 1u);
  r = reader.feed(ByteSpan(wire).last(52), out);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].csid, 4u);
  EXPECT_EQ(out[0].stream_id, 12346u);
  EXPECT_EQ(out[0].timestamp, 1000u);
  EXPECT_EQ(payload_of(out[0]), data);
  EXPECT_EQ(reader.partial_messages(), 0u);
  EXPECT_EQ(reader.bytes_received(), wire.size());
}

TEST(RtmpChunkReader, BasicHeaderForms) {
  struct Case {
    Bytes basic;
    uint32_t csid;
  };
  for (const Case& c : {Case{B({0x02}), 2}, Case{B({0x3F}), 63}, Case{B({0x00, 0x00}), 64},
                        Case{B({0x00, 0xFF}), 319}, Case{B({0x01, 0x00, 0x01}), 320},
                        Case{B({0x01, 0xFF, 0xFF}), 65599},
                        // the 3-byte form may also encode a small id
                        Case{B({0x01, 0x05, 0x00}), 69}}) {
    Bytes continuation = c.basic;
    continuation[0] |= 0xC0;  // same basic header with fmt 3
    Bytes wire = c.basic;
    append(wire, {B({0, 0, 5, 0, 0, 2, 9, 1, 0, 0, 0, 0xAB}), continuation, B({0xCD})});
    ChunkReader reader(ChunkReaderLimits{.max_chunk_size = 1});
    std::vector<Message> out;
    // Chunk size 1 (set directly below through a SetChunkSize) splits the 2-byte payload.
    Bytes all = control(msg_type::kSetChunkSize, B({0, 0, 0, 1}));
    append(all, {wire});
    auto msgs = read_all(reader, all, Split::kBytewise);
    ASSERT_EQ(msgs.size(), 2u) << c.csid;
    EXPECT_EQ(msgs[1].csid, c.csid);
    EXPECT_EQ(msgs[1].timestamp, 5u);
    EXPECT_EQ(payload_of(msgs[1]), B({0xAB, 0xCD}));
  }
}

struct RoundTripCase {
  uint32_t csid;
  uint8_t type;
  uint32_t timestamp;
  uint32_t stream_id;
  size_t size;
};

std::vector<RoundTripCase> round_trip_cases() {
  std::vector<RoundTripCase> cases;
  const uint32_t csids[] = {3, 4, 5, 63, 64, 319, 320, 65599};
  const size_t sizes[] = {0,    1,    2,    127,  128,   129,   255,   256,   1000,
                          4095, 4096, 4097, 5000, 65535, 65536, 65537, 70000, 32};
  // Per chunk stream: regular steps (type 3 new messages), jumps across 0xFFFFFF, exactly
  // 0xFFFFFF, a huge delta, and a wrap past 2^32.
  const uint32_t times[] = {0,          40,        80,        120,       0xFFFFFE,   0xFFFFFF,
                            0x1000000,  0x1000028, 0x1000050, 0x1000078, 0x30000000, 0xFFFFFFF0,
                            0xFFFFFFFF, 0x10,      0x38,      0x60,      0x88,       0xB0};
  for (size_t i = 0; i < std::size(sizes); ++i) {
    for (size_t k = 0; k < std::size(csids); ++k) {
      const uint32_t csid = csids[(i + k) % std::size(csids)];
      // Same size and type for runs of messages so that type 2/3 headers occur.
      const size_t size = (k % 3 == 0) ? sizes[i] : sizes[(i + k) % std::size(sizes)] % 300;
      cases.push_back({csid, static_cast<uint8_t>(k % 2 ? 9 : 8), times[i],
                       static_cast<uint32_t>(k % 4 == 3 ? 0 : 1), size});
    }
  }
  // Runs that make the writer use type-3 headers for new messages: a steady 23 ms audio
  // cadence, and a repeated extended delta (type 3 with the extended field, 200-byte messages
  // so that continuation chunks carry it too).
  for (uint32_t n = 0; n < 8; ++n) {
    cases.push_back({7, 8, 23 * n, 1, 10});
    cases.push_back({8, 9, 0x1000000 * n, 1, 200});
  }
  return cases;
}

// Writer then reader, at several chunk sizes, with every way of splitting the input.
TEST(RtmpChunkReader, RoundTripWithWriter) {
  const auto cases = round_trip_cases();
  for (uint32_t chunk_size : {1u, 128u, 4096u, 65536u}) {
    ChunkWriter writer;
    Bytes wire;
    if (chunk_size != 128) {
      writer.write(
          wire, make_control_message(msg_type::kSetChunkSize, encode_set_chunk_size(chunk_size)));
    }
    std::vector<Message> sent;
    uint8_t seed = 0;
    for (const auto& c : cases) {
      sent.push_back(make(c.csid, c.type, c.timestamp, c.stream_id, pattern(c.size, seed++)));
      writer.write(wire, sent.back());
    }
    for (Split split : {Split::kWhole, Split::kBytewise, Split::kRandom}) {
      if (split == Split::kBytewise && chunk_size == 1) continue;  // covered by kRandom
      ChunkReader reader;
      auto got = read_all(reader, wire, split, chunk_size);
      const size_t skip = chunk_size != 128 ? 1 : 0;
      ASSERT_EQ(got.size(), sent.size() + skip) << "chunk size " << chunk_size;
      EXPECT_EQ(reader.chunk_size(), chunk_size);
      for (size_t i = 0; i < sent.size(); ++i) {
        const Message& a = sent[i];
        const Message& b = got[i + skip];
        ASSERT_EQ(b.csid, a.csid) << i;
        EXPECT_EQ(b.type, a.type) << i;
        EXPECT_EQ(b.timestamp, a.timestamp) << i << " chunk size " << chunk_size;
        EXPECT_EQ(b.stream_id, a.stream_id) << i;
        EXPECT_TRUE(b.payload == a.payload) << i;
      }
      EXPECT_EQ(reader.partial_messages(), 0u);
      EXPECT_EQ(reader.bytes_received(), wire.size());
    }
  }
}

TEST(RtmpChunkReader, WriteFullBytesDecode) {
  Bytes wire;
  Bytes data = pattern(3000);
  for (uint32_t ts : {0u, 0xFFFFFFu, 0xFFFFFFFFu, 0x12345678u, 7u}) {
    ChunkWriter::write_full(wire, 6, 9, ts, 1, data, 128);
  }
  auto msgs = read_all(wire, Split::kRandom);
  ASSERT_EQ(msgs.size(), 5u);
  EXPECT_EQ(msgs[1].timestamp, 0xFFFFFFu);
  EXPECT_EQ(msgs[2].timestamp, 0xFFFFFFFFu);
  EXPECT_EQ(msgs[3].timestamp, 0x12345678u);
  EXPECT_EQ(msgs[4].timestamp, 7u);
  for (const Message& m : msgs)
    EXPECT_EQ(payload_of(m), data);
}

TEST(RtmpChunkReader, TimestampDeltasWrapAt32Bits) {
  // Type 0 at 0xFFFFFFF0 (extended), then a type-2 delta of 0x20: 0x10 after the wrap.
  Bytes wire = B({0x05, 0xFF, 0xFF, 0xFF, 0,    0,    1,    8,    1,    0,    0,
                  0,    0xFF, 0xFF, 0xFF, 0xF0, 0xAA, 0x85, 0x00, 0x00, 0x20, 0xBB});
  auto msgs = read_all(wire, Split::kBytewise);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].timestamp, 0xFFFFFFF0u);
  EXPECT_EQ(msgs[1].timestamp, 0x10u);
  EXPECT_EQ(payload_of(msgs[1]), B({0xBB}));
}

TEST(RtmpChunkReader, Type3NewMessageRepeatsDelta) {
  // After a type 0, a type 3 adds the type-0 timestamp again (what FFmpeg, librtmp and
  // nginx-rtmp do); after a type 1 or 2 it adds that delta.
  Bytes wire;
  append(wire, {type0(3, 100, 1, 20, 0), B({1}), B({0xC3, 2}),                     // 100, 200
                B({0x43, 0, 0, 5, 0, 0, 1, 20, 3}), B({0xC3, 4}), B({0xC3, 5})});  // 205, 210, 215
  auto msgs = read_all(wire, Split::kBytewise);
  ASSERT_EQ(msgs.size(), 5u);
  const uint32_t expected[] = {100, 200, 205, 210, 215};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(msgs[i].timestamp, expected[i]) << i;
    EXPECT_EQ(payload_of(msgs[i]), B({static_cast<uint8_t>(i + 1)}));
  }
}

TEST(RtmpChunkReader, ExtendedTimestampOnType3) {
  // 200 bytes at time 0x01000000 (extended), chunk size 128: the continuation chunk either
  // repeats the extended field (Flash, FFmpeg, librtmp) or omits it (some encoders).
  Bytes data = pattern(200, 9);
  Bytes head = B({0x04, 0xFF, 0xFF, 0xFF, 0, 0, 200, 9, 1, 0, 0, 0, 0x01, 0, 0, 0});
  Bytes with_field = head;
  append(with_field, {slice(data, 0, 128), B({0xC4, 0x01, 0, 0, 0}), slice(data, 128, 200)});
  Bytes without_field = head;
  append(without_field, {slice(data, 0, 128), B({0xC4}), slice(data, 128, 200)});
  for (const Bytes* wire : {&with_field, &without_field}) {
    for (Split split : {Split::kWhole, Split::kBytewise, Split::kRandom}) {
      auto msgs = read_all(*wire, split);
      ASSERT_EQ(msgs.size(), 1u);
      EXPECT_EQ(msgs[0].timestamp, 0x01000000u);
      EXPECT_EQ(payload_of(msgs[0]), data);
    }
  }

  // Omitted field and a continuation of only 2 bytes: the 4 bytes peeked run into the next
  // chunk's header, which must still parse as a header.
  Bytes short_tail = B({0x04, 0xFF, 0xFF, 0xFF, 0, 0, 130, 9, 1, 0, 0, 0, 0x01, 0, 0, 0});
  append(short_tail, {slice(data, 0, 128), B({0xC4}), slice(data, 128, 130), type0(3, 7, 2, 20, 0),
                      B({0x11, 0x22})});
  for (Split split : {Split::kWhole, Split::kBytewise, Split::kRandom}) {
    auto msgs = read_all(short_tail, split);
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(payload_of(msgs[0]), slice(data, 0, 130));
    EXPECT_EQ(msgs[1].timestamp, 7u);
    EXPECT_EQ(payload_of(msgs[1]), B({0x11, 0x22}));
  }

  // A type-3 chunk starting a new message after an extended type-1 delta carries the field.
  Bytes new_msg = type0(5, 10, 1, 8, 1);
  append(new_msg, {B({0xA1}), B({0x45, 0xFF, 0xFF, 0xFF, 0, 0, 1, 8, 0x02, 0, 0, 0, 0xA2}),
                   B({0xC5, 0x02, 0, 0, 0, 0xA3})});
  auto msgs = read_all(new_msg, Split::kBytewise);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[1].timestamp, 10u + 0x02000000u);
  EXPECT_EQ(msgs[2].timestamp, 10u + 0x04000000u);
  EXPECT_EQ(payload_of(msgs[2]), B({0xA3}));
}

TEST(RtmpChunkReader, InterleavedChunkStreams) {
  // A 300-byte video message on chunk stream 6 with two audio messages on 4 between its chunks.
  Bytes video = pattern(300, 1);
  Bytes wire;
  append(wire, {type0(6, 40, 300, 9, 1), slice(video, 0, 128), type0(4, 41, 3, 8, 1), B({1, 2, 3}),
                B({0xC6}), slice(video, 128, 256), B({0x84, 0, 0, 23}), B({4, 5, 6}), B({0xC6}),
                slice(video, 256, 300)});
  for (Split split : {Split::kWhole, Split::kBytewise, Split::kRandom}) {
    auto msgs = read_all(wire, split);
    ASSERT_EQ(msgs.size(), 3u);
    EXPECT_EQ(msgs[0].csid, 4u);
    EXPECT_EQ(msgs[0].timestamp, 41u);
    EXPECT_EQ(msgs[1].csid, 4u);
    EXPECT_EQ(msgs[1].timestamp, 64u);
    EXPECT_EQ(payload_of(msgs[1]), B({4, 5, 6}));
    EXPECT_EQ(msgs[2].csid, 6u);
    EXPECT_EQ(msgs[2].timestamp, 40u);
    EXPECT_EQ(payload_of(msgs[2]), video);
  }
}

TEST(RtmpChunkReader, AbortDropsPartialMessage) {
  Bytes first = pattern(200, 2);
  Bytes wire;
  append(wire,
         {type0(4, 0, 200, 9, 1), slice(first, 0, 128), control(msg_type::kAbort, B({0, 0, 0, 4})),
          // chunk stream 4 starts over: a type-3 continuation would now begin a new
          // 200-byte message, so the peer sends a fresh header.
          type0(4, 10, 2, 9, 1), B({0xEE, 0xFF})});
  ChunkReader reader;
  auto msgs = read_all(reader, wire, Split::kBytewise);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].type, msg_type::kAbort);
  EXPECT_EQ(msgs[1].csid, 4u);
  EXPECT_EQ(msgs[1].timestamp, 10u);
  EXPECT_EQ(payload_of(msgs[1]), B({0xEE, 0xFF}));
  EXPECT_EQ(reader.partial_messages(), 0u);

  // Abort of a chunk stream with nothing in progress is harmless.
  auto more = read_all(reader, control(msg_type::kAbort, B({0, 0, 0, 9})), Split::kWhole);
  EXPECT_EQ(more.size(), 1u);
}

TEST(RtmpChunkReader, SetChunkSizeMidStream) {
  Bytes big = pattern(5000, 3);
  Bytes wire;
  append(wire, {type0(6, 0, 5000, 9, 1), slice(big, 0, 128),
                control(msg_type::kSetChunkSize, B({0, 0, 0x10, 0})),
                // the rest of the message now comes in chunks of up to 4096 bytes
                B({0xC6}), slice(big, 128, 4224), B({0xC6}), slice(big, 4224, 5000)});
  for (Split split : {Split::kWhole, Split::kBytewise, Split::kRandom}) {
    ChunkReader reader;
    auto msgs = read_all(reader, wire, split);
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(msgs[0].type, msg_type::kSetChunkSize);
    EXPECT_EQ(payload_of(msgs[1]), big);
    EXPECT_EQ(reader.chunk_size(), 4096u);
  }
}

TEST(RtmpChunkReader, ZeroLengthMessages) {
  Bytes wire;
  append(wire, {type0(3, 5, 0, 20, 0), B({0xC3}), B({0x83, 0, 0, 1})});
  auto msgs = read_all(wire, Split::kBytewise);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].timestamp, 5u);
  EXPECT_EQ(msgs[1].timestamp, 10u);
  EXPECT_EQ(msgs[2].timestamp, 11u);
  for (const Message& m : msgs)
    EXPECT_TRUE(m.payload.empty());
}

// The first 582 bytes FFmpeg 5.1 sent after the handshake when publishing
// (`ffmpeg -re -f lavfi -i testsrc=size=160x120:rate=10 -t 1 -c:v libx264 -f flv
// rtmp://127.0.0.1:19352/live/x`), captured with a test listener: connect (140 bytes, split
// at 128), releaseStream, FCPublish and createStream as type-1 headers, publish on chunk stream
// 8 / stream 1, @setDataFrame on 4, the AVC sequence header on 6, then the first 4 bytes of
// the next video chunk header.
constexpr char kFfmpegPublishHex[] =
    "0300000000008c1400000000020007636f6e6e656374003ff000000000000003"
    "00036170700200046c69766500047479706502000a6e6f6e7072697661746500"
    "08666c617368566572020024464d4c452f332e302028636f6d70617469626c65"
    "3b204c61766635392e32372e313030290005746355726c02001b72746d703a2f"
    "2f3132372e302e302e313a31c3393335322f6c6976650000094300000000001e"
    "1402000d72656c6561736553747265616d004000000000000000050200017843"
    "00000000001a1402000946435075626c69736800400800000000000005020001"
    "78430000000000191402000c63726561746553747265616d0040100000000000"
    "00050800000000001f14010000000200077075626c6973680040140000000000"
    "0005020001780200046c697665040000000000c8120100000002000d40736574"
    "446174614672616d6502000a6f6e4d6574614461746108000000080008647572"
    "6174696f6e003ff0000000000000000577696474680040640000000000000006"
    "68656967687400405e000000000000000d766964656f64617461726174650000"
    "0000000000000000096672616d657261746500402400000000c40000000c7669"
    "64656f636f646563696400401c0000000000000007656e636f64657202000d4c"
    "61766635392e32372e313030000866696c6573697a6500000000000000000000"
    "0009060000000000340901000000170000000001f4000affe1001a67f4000a91"
    "9b28508fc4e022000003000200000300281e244b2c01000668ebe3c44844fff8"
    "f80006000000";
TEST(RtmpChunkReader, DecodesFfmpegPublish) {
  const Bytes wire = from_hex(kFfmpegPublishHex);
  ASSERT_EQ(wire.size(), 582u);
  for (Split split : {Split::kWhole, Split::kBytewise, Split::kRandom}) {
    ChunkReader reader;
    auto msgs = read_all(reader, wire, split);
    ASSERT_EQ(msgs.size(), 7u);
    struct Expect {
      uint32_t csid;
      uint8_t type;
      uint32_t stream_id;
      size_t size;
      std::string_view starts;
    };
    const Expect expected[] = {
        {3, msg_type::kCommandAmf0, 0, 140,
         std::string_view("\x02\x00\x07"
                          "connect",
                          10)},
        {3, msg_type::kCommandAmf0, 0, 30,
         std::string_view("\x02\x00\x0D"
                          "releaseStream",
                          16)},
        {3, msg_type::kCommandAmf0, 0, 26,
         std::string_view("\x02\x00\x09"
                          "FCPublish",
                          12)},
        {3, msg_type::kCommandAmf0, 0, 25,
         std::string_view("\x02\x00\x0C"
                          "createStream",
                          15)},
        {8, msg_type::kCommandAmf0, 1, 31,
         std::string_view("\x02\x00\x07"
                          "publish",
                          10)},
        {4, msg_type::kDataAmf0, 1, 200,
         std::string_view("\x02\x00\x0D"
                          "@setDataFrame",
                          16)},
        {6, msg_type::kVideo, 1, 52, std::string_view("\x17\x00\x00\x00\x00\x01", 6)},
    };
    for (size_t i = 0; i < 7; ++i) {
      const Message& m = msgs[i];
      EXPECT_EQ(m.csid, expected[i].csid) << i;
      EXPECT_EQ(m.type, expected[i].type) << i;
      EXPECT_EQ(m.stream_id, expected[i].stream_id) << i;
      EXPECT_EQ(m.timestamp, 0u) << i;
      ASSERT_EQ(m.payload.size(), expected[i].size) << i;
      EXPECT_EQ(Bytes(m.payload.data(), m.payload.data() + expected[i].starts.size()),
                Bytes(as_bytes(expected[i].starts).begin(), as_bytes(expected[i].starts).end()))
          << i;
    }
    // The connect command object ends with the AMF0 object-end marker 00 00 09.
    EXPECT_EQ(payload_of(msgs[0]).back(), 0x09);
    EXPECT_EQ(reader.partial_messages(), 0u);  // the trailing 4 bytes are a partial header
  }
}

}  // namespace
}  // namespace firstmile::rtmp
