#pragma once
// ChunkReader: reassembles RTMP messages from the chunk stream a peer sends (Adobe RTMP
// specification, December 2012, section 5.3), incrementally, as bytes arrive from the socket.
//
// Each payload byte is copied once, from the input into the Bytes of the message being
// assembled, which becomes the message's Buffer without another copy. Only an incomplete chunk
// header (at most 18 bytes) is kept back between calls.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocol/rtmp/wire/message.hpp"

namespace firstmile::rtmp {

// Bounds on what a peer can make the reader hold. Defaults fit every known encoder (a 4K
// keyframe is a few MB; FFmpeg, OBS and Flash use fewer than 10 chunk streams).
struct ChunkReaderLimits {
  uint32_t max_chunk_size = 16 * 1024 * 1024;   // a larger SetChunkSize is an Error
  uint32_t max_message_size = 8 * 1024 * 1024;  // declared message length
  size_t max_partial_messages = 64;             // chunk streams with an incomplete message at once
  // Sum of the declared lengths of all incomplete messages: storage for a message is reserved
  // when its first chunk arrives, so this bounds what a peer can make us allocate.
  size_t max_pending_bytes = 16 * 1024 * 1024;
  uint32_t max_csid = kMaxCsid;    // highest chunk stream id accepted
  size_t max_chunk_streams = 256;  // distinct chunk streams whose header state is remembered
};

class ChunkReader {
 public:
  explicit ChunkReader(ChunkReaderLimits limits = {}) : limits_(limits) {}

  // Consumes all of `data`, appending every message it completes to `out`, and returns how
  // many it appended. SetChunkSize and Abort messages are applied by the reader itself the
  // moment they complete (they change how the following bytes parse) and are still appended
  // to `out`. An Error means the peer broke the protocol or a limit; the stream cannot be
  // resynchronised, so the reader stays failed and returns the same Error from then on.
  Result<size_t> feed(ByteSpan data, std::vector<Message>& out);

  // New bounds for the messages that start from now on (a session lifts them once the peer
  // has become a publisher); messages already in progress keep the size they declared.
  void set_limits(const ChunkReaderLimits& limits) { limits_ = limits; }
  const ChunkReaderLimits& limits() const { return limits_; }

  // Every byte fed so far, for Acknowledgements at the window size (spec 5.4.3).
  uint64_t bytes_received() const { return bytes_received_; }
  // The peer's current chunk size (128 until it sends SetChunkSize).
  uint32_t chunk_size() const { return chunk_size_; }
  size_t partial_messages() const { return partial_count_; }
  bool failed() const { return failed_; }

 private:
  // Header state of one chunk stream (spec 5.3.1.2: types 1-3 inherit from it).
  struct ChunkStream {
    uint32_t timestamp = 0;  // absolute timestamp of the current or last message
    // The last timestamp field: a delta after type 1/2, the absolute time after type 0. A
    // type-3 chunk that starts a new message adds it again (spec 5.3.1.2.4; after a type 0
    // this is what FFmpeg, librtmp and nginx-rtmp do).
    uint32_t delta = 0;
    uint32_t length = 0;
    uint32_t stream_id = 0;
    uint8_t type = 0;
    bool has_header = false;
    bool extended = false;     // the last type 0/1/2 header used an extended timestamp
    bool in_progress = false;  // a message is partly received
    Bytes payload;             // the message being assembled
  };

  Result<size_t> parse_header(ByteSpan in);
  Status start_message(uint32_t csid, ChunkStream& cs);
  Status complete_message(uint32_t csid, ChunkStream& cs, std::vector<Message>& out);
  Status apply_control(const Message& m);
  Error fail_with(Error e);

  ChunkReaderLimits limits_;
  std::unordered_map<uint32_t, ChunkStream> streams_;
  uint32_t chunk_size_ = kDefaultChunkSize;
  uint64_t bytes_received_ = 0;
  size_t partial_count_ = 0;
  size_t pending_bytes_ = 0;

  // The chunk whose data is being read: its stream and the data bytes still to come.
  ChunkStream* current_ = nullptr;
  uint32_t current_csid_ = 0;
  uint32_t chunk_remaining_ = 0;

  // Bytes of the input that precede `data` in feed(): an incomplete header, or a few bytes
  // peeked for a type-3 extended timestamp that turned out to be payload.
  static constexpr size_t kMaxHeader = 3 + 11 + 4;
  uint8_t stash_[kMaxHeader] = {};
  size_t stash_len_ = 0;

  bool failed_ = false;
  Error error_;
};

}  // namespace firstmile::rtmp
