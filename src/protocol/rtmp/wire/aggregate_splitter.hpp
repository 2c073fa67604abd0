#pragma once
// The audio and video messages inside an RTMP aggregate message (type 22). Its payload is a
// run of FLV-tag-shaped sub-messages (RTMP specification, December 2012, section 7.1.6): an
// 11-byte header (type, 24-bit size, 24+8-bit timestamp, 24-bit stream id), the body, then a
// 4-byte back pointer. Sub-message timestamps are relative to the first sub-message's; the
// aggregate's own timestamp is where they start.
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocol/rtmp/wire/message.hpp"

namespace firstmile::rtmp {

class AggregateSplitter {
 public:
  explicit AggregateSplitter(const Message& aggregate);

  // The next audio or video sub-message (its payload a slice of the aggregate's, no copy),
  // nullopt at the end, or an error when a sub-message runs past the payload. Sub-messages of
  // other types are skipped; fewer than 11 bytes left at the end are ignored.
  Result<std::optional<Message>> next();

 private:
  Message aggregate_;  // shares the payload
  ByteReader reader_;
  std::optional<uint32_t> base_;  // the first sub-message's timestamp
};

}  // namespace firstmile::rtmp
