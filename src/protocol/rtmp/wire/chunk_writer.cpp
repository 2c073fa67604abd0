#include "protocol/rtmp/wire/chunk_writer.hpp"

#include <algorithm>
#include <cassert>

namespace firstmile::rtmp {
namespace {

constexpr uint32_t kMaxLength = 0xFFFFFF;  // 24-bit message length field

struct Header {
  uint8_t fmt = 0;
  uint32_t csid = 0;
  uint32_t ts_field = 0;  // absolute time for type 0, else the delta; full 32 bits
  uint32_t length = 0;
  uint8_t type = 0;
  uint32_t stream_id = 0;
};

// Spec 5.3.1.1: the shortest basic header form for the id.
void put_basic_header(ByteWriter& w, uint8_t fmt, uint32_t csid) {
  assert(csid >= kMinCsid && csid <= kMaxCsid);
  const uint8_t top = static_cast<uint8_t>(fmt << 6);
  if (csid < 64) {
    w.u8(static_cast<uint8_t>(top | csid));
  } else if (csid < 320) {
    w.u8(top);
    w.u8(static_cast<uint8_t>(csid - 64));
  } else {
    const uint32_t v = csid - 64;
    w.u8(top | 1);
    w.u8(static_cast<uint8_t>(v & 0xFF));  // low byte first (spec 5.3.1.1)
    w.u8(static_cast<uint8_t>(v >> 8));
  }
}

// Lays out the chunks of one message: appends each chunk header to `out`, then calls
// on_chunk(header_begin, payload_offset, payload_length). A zero-length message is one header.
template <class OnChunk>
void emit_chunks(Bytes& out, const Header& h, uint32_t chunk_size, OnChunk&& on_chunk) {
  ByteWriter w(out);
  const bool extended = h.ts_field >= kExtendedMarker;
  const uint32_t field24 = extended ? kExtendedMarker : h.ts_field;
  uint32_t offset = 0;
  bool first = true;
  do {
    const size_t header_begin = out.size();
    put_basic_header(w, first ? h.fmt : 3, h.csid);
    if (first && h.fmt <= 2) {
      w.u24(field24);
      if (h.fmt <= 1) {
        w.u24(h.length);
        w.u8(h.type);
      }
      if (h.fmt == 0) w.u32le(h.stream_id);  // spec 5.3.1.2.1: little-endian
    }
    // Spec 5.3.1.3 puts the extended timestamp in type 0/1/2 headers; Flash, FFmpeg and
    // librtmp also repeat it in the type-3 chunks that follow, and readers expect it there.
    if (extended) w.u32(h.ts_field);
    const uint32_t n = std::min(chunk_size, h.length - offset);
    on_chunk(header_begin, offset, n);
    offset += n;
    first = false;
  } while (offset < h.length);
}

size_t chunked_size_estimate(uint32_t length, uint32_t chunk_size) {
  size_t chunks = length / chunk_size + 1;
  return length + 18 + chunks * 7;
}

}  // namespace

void ChunkWriter::set_chunk_size(uint32_t size) {
  chunk_size_ = std::clamp<uint32_t>(size, 1, kMaxLength);
}

void ChunkWriter::write(Bytes& out, const Message& m) {
  assert(m.payload.size() <= kMaxLength);
  const uint32_t length = static_cast<uint32_t>(m.payload.size());
  Header h{0, m.csid, m.timestamp, length, m.type, m.stream_id};
  auto it = streams_.find(m.csid);
  if (it != streams_.end()) {
    const ChunkStream& prev = it->second;
    // Spec 5.3.1.2.1: type 0 "whenever the stream timestamp goes backward". A wrap past 2^32
    // also goes through type 0, so no reader has to guess about a huge delta.
    if (m.stream_id == prev.stream_id && m.timestamp >= prev.timestamp) {
      const uint32_t delta = m.timestamp - prev.timestamp;
      h.ts_field = delta;
      if (length != prev.length || m.type != prev.type) {
        h.fmt = 1;
      } else if (prev.delta_is_relative && delta == prev.delta) {
        // Type 3 for a new message only after a type 1/2/3 header: after a type 0, readers
        // disagree on which delta a type 3 repeats (the spec's or the absolute time).
        h.fmt = 3;
      } else {
        h.fmt = 2;
      }
    }
  }
  out.reserve(out.size() + chunked_size_estimate(length, chunk_size_));
  const uint8_t* payload = m.payload.data();
  emit_chunks(out, h, chunk_size_, [&](size_t, uint32_t offset, uint32_t n) {
    out.insert(out.end(), payload + offset, payload + offset + n);
  });

  ChunkStream& cs = streams_[m.csid];
  cs.timestamp = m.timestamp;
  cs.delta = h.ts_field;
  cs.length = length;
  cs.stream_id = m.stream_id;
  cs.type = m.type;
  cs.delta_is_relative = h.fmt != 0;

  // The peer applies a SetChunkSize to the chunks after it (spec 5.4.1), so do we.
  if (m.type == msg_type::kSetChunkSize) {
    if (auto size = parse_set_chunk_size(m.payload.span())) set_chunk_size(*size);
  }
}

void ChunkWriter::write_full(Bytes& out, uint32_t csid, uint8_t type, uint32_t timestamp,
                             uint32_t stream_id, ByteSpan payload, uint32_t chunk_size) {
  assert(payload.size() <= kMaxLength);
  chunk_size = std::clamp<uint32_t>(chunk_size, 1, kMaxLength);
  const uint32_t length = static_cast<uint32_t>(payload.size());
  out.reserve(out.size() + chunked_size_estimate(length, chunk_size));
  emit_chunks(out, Header{0, csid, timestamp, length, type, stream_id}, chunk_size,
              [&](size_t, uint32_t offset, uint32_t n) {
                out.insert(out.end(), payload.begin() + offset, payload.begin() + offset + n);
              });
}

void ChunkWriter::write_full_headers(Bytes& headers, std::vector<ChunkPiece>& pieces, uint32_t csid,
                                     uint8_t type, uint32_t timestamp, uint32_t stream_id,
                                     uint32_t payload_size, uint32_t chunk_size) {
  assert(payload_size <= kMaxLength);
  chunk_size = std::clamp<uint32_t>(chunk_size, 1, kMaxLength);
  emit_chunks(headers, Header{0, csid, timestamp, payload_size, type, stream_id}, chunk_size,
              [&](size_t header_begin, uint32_t offset, uint32_t n) {
                pieces.push_back({ChunkPiece::Source::kHeader, static_cast<uint32_t>(header_begin),
                                  static_cast<uint32_t>(headers.size() - header_begin)});
                if (n > 0) pieces.push_back({ChunkPiece::Source::kPayload, offset, n});
              });
}

}  // namespace firstmile::rtmp
