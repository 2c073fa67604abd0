#include "protocol/rtmp/wire/aggregate_splitter.hpp"

namespace firstmile::rtmp {

AggregateSplitter::AggregateSplitter(const Message& aggregate)
    : aggregate_(aggregate), reader_(aggregate_.payload.span()) {}

Result<std::optional<Message>> AggregateSplitter::next() {
  ByteReader& r = reader_;
  while (r.remaining() >= 11) {
    uint8_t type = r.u8();
    uint32_t size = r.u24();
    uint32_t ts = r.u24();
    ts |= static_cast<uint32_t>(r.u8()) << 24;
    r.skip(3);  // stream id: the aggregate's applies
    size_t at = r.position();
    r.skip(size);
    r.skip(4);  // back pointer
    if (!r.ok()) return fail("aggregate message: truncated sub-message");
    if (!base_) base_ = ts;
    if (type != msg_type::kAudio && type != msg_type::kVideo) continue;
    Message sub;
    sub.type = type;
    // Unsigned arithmetic: RTMP time wraps (spec 4), and so may the difference.
    sub.timestamp = aggregate_.timestamp + (ts - *base_);
    sub.stream_id = aggregate_.stream_id;
    sub.csid = aggregate_.csid;
    sub.payload = aggregate_.payload.slice(at, size);
    return std::optional<Message>(std::move(sub));
  }
  return std::optional<Message>();
}

}  // namespace firstmile::rtmp
