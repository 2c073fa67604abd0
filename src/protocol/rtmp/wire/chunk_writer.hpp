#pragma once
// ChunkWriter: splits RTMP messages into chunks (Adobe RTMP specification, December 2012,
// section 5.3), either per connection with header compression, or statelessly so that one
// packaging of a media message can be shared by every player.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/bytes.hpp"
#include "protocol/rtmp/wire/message.hpp"

namespace firstmile::rtmp {

// One piece of a chunked message laid out for a scatter/gather write: a range of the header
// bytes or of the payload, in wire order.
struct ChunkPiece {
  enum class Source : uint8_t { kHeader, kPayload };
  Source source = Source::kHeader;
  uint32_t offset = 0;
  uint32_t length = 0;
};

class ChunkWriter {
 public:
  explicit ChunkWriter(uint32_t chunk_size = kDefaultChunkSize) { set_chunk_size(chunk_size); }

  uint32_t chunk_size() const { return chunk_size_; }
  // Clamped to 1..0xFFFFFF (spec 5.4.1: larger sizes are all equivalent, no message is longer).
  void set_chunk_size(uint32_t size);

  // Appends `m` (payload at most 0xFFFFFF bytes) as chunks. The first chunk's header is the
  // smallest the previous message on m.csid allows (spec 5.3.1.2): type 0 on a new chunk
  // stream, a new message stream id or a timestamp going backwards; type 1 when the length or
  // type changed; type 3 when the delta also repeats that of a type 1/2 header; else type 2.
  // A SetChunkSize message takes effect for the messages after it, as it does at the peer.
  void write(Bytes& out, const Message& m);

  // Forgets what the peer knows of `csid`, so its next message goes out with a type-0 header.
  // Needed after bytes from write_full() went out on a chunk stream this writer also uses.
  void reset(uint32_t csid) { streams_.erase(csid); }

  // Appends a message as one type-0 chunk (absolute timestamp) and type-3 continuations, with
  // the extended timestamp repeated in every continuation when timestamp >= 0xFFFFFF. The
  // bytes depend on nothing but the arguments, so one packaging serves every connection whose
  // outbound chunk size is `chunk_size`.
  static void write_full(Bytes& out, uint32_t csid, uint8_t type, uint32_t timestamp,
                         uint32_t stream_id, ByteSpan payload, uint32_t chunk_size);

  // The same layout without copying the payload: appends the chunk headers to `headers` and
  // the pieces, in wire order, to `pieces` (header pieces index into `headers`, so several
  // messages can share one header buffer; payload pieces index into the payload).
  static void write_full_headers(Bytes& headers, std::vector<ChunkPiece>& pieces, uint32_t csid,
                                 uint8_t type, uint32_t timestamp, uint32_t stream_id,
                                 uint32_t payload_size, uint32_t chunk_size);

 private:
  struct ChunkStream {
    uint32_t timestamp = 0;
    uint32_t delta = 0;
    uint32_t length = 0;
    uint32_t stream_id = 0;
    uint8_t type = 0;
    bool delta_is_relative = false;  // the last header was type 1, 2 or 3
  };

  std::unordered_map<uint32_t, ChunkStream> streams_;
  uint32_t chunk_size_ = kDefaultChunkSize;
};

}  // namespace firstmile::rtmp
