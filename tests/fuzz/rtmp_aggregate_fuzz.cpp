// The splitter of RTMP aggregate messages (type 22, spec 7.1.6), and the audio and video
// sub-messages it yields fed to FlvIngest as a publisher's session does. The first four bytes
// are the aggregate's timestamp, the rest its payload (FLV tags with back pointers).
// Checks: sub-messages are audio or video, their payloads are slices of the aggregate's (each
// after its own header, in order, back pointer included), they keep the aggregate's stream,
// and their timestamps are the aggregate's plus the offset their headers give.
#include <cstddef>
#include <cstdint>

#include "protocol/rtmp/flv_ingest.hpp"
#include "protocol/rtmp/wire/aggregate_splitter.hpp"

using namespace firstmile;
using namespace firstmile::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  Message m;
  m.type = msg_type::kAggregate;
  m.timestamp = static_cast<uint32_t>(data[0]) << 24 | data[1] << 16 | data[2] << 8 | data[3];
  m.stream_id = 1;
  m.csid = 6;
  m.payload = Buffer::copy(ByteSpan(data + 4, size - 4));
  const uint8_t* begin = m.payload.data();
  const uint8_t* end = begin + m.payload.size();

  // Sub-message timestamps are relative to the first sub-message's, whatever its type.
  auto header_time = [](const uint8_t* h) {
    return static_cast<uint32_t>(h[7]) << 24 | h[4] << 16 | h[5] << 8 | h[6];
  };
  const uint32_t base = m.payload.size() >= 11 ? header_time(begin) : 0;

  AggregateSplitter split(m);
  FlvIngest ingest;
  const uint8_t* next_header = begin;  // no sub-message header starts before this
  for (size_t n = 0;; ++n) {
    auto sub = split.next();
    if (!sub || !*sub) break;
    const Message& s = **sub;
    if (s.type != msg_type::kAudio && s.type != msg_type::kVideo) __builtin_trap();
    if (s.stream_id != m.stream_id || s.csid != m.csid) __builtin_trap();
    const uint8_t* header = s.payload.data() - 11;
    if (header < next_header || s.payload.data() + s.payload.size() + 4 > end) __builtin_trap();
    if (header[0] != s.type) __builtin_trap();
    if (s.timestamp != m.timestamp + (header_time(header) - base)) __builtin_trap();
    next_header = s.payload.data() + s.payload.size() + 4;
    (void)(s.type == msg_type::kVideo ? ingest.video(s.timestamp, s.payload)
                                      : ingest.audio(s.timestamp, s.payload));
    if (n > size) __builtin_trap();  // each step consumes at least 15 bytes
  }
  return 0;
}
