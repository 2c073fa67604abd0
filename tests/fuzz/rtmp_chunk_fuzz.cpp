// Fuzzes ChunkReader: the input after its first byte is fed in two pieces split at a position
// taken from that byte, then the reader's limits are checked. Small limits make the limit
// paths reachable with short inputs.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "protocol/rtmp/wire/chunk_reader.hpp"

using namespace firstmile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ByteSpan in(data + 1, size - 1);
  const size_t split = in.empty() ? 0 : (size_t{data[0]} * in.size()) / 255;

  rtmp::ChunkReaderLimits limits;
  limits.max_chunk_size = 1 << 16;
  limits.max_message_size = 1 << 16;
  limits.max_partial_messages = 8;
  limits.max_pending_bytes = 1 << 17;
  limits.max_chunk_streams = 16;
  rtmp::ChunkReader reader(limits);

  std::vector<rtmp::Message> out;
  auto first = reader.feed(in.first(split), out);
  if (first) {
    auto second = reader.feed(in.subspan(split), out);
    (void)second;
  }
  if (reader.bytes_received() > in.size()) abort();
  if (reader.partial_messages() > limits.max_partial_messages) abort();
  if (reader.chunk_size() > limits.max_chunk_size || reader.chunk_size() == 0) abort();
  for (const rtmp::Message& m : out) {
    if (m.payload.size() > limits.max_message_size) abort();
    if (m.csid < rtmp::kMinCsid || m.csid > limits.max_csid) abort();
  }
  return 0;
}
