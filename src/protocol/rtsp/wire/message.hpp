#pragma once
// RTSP messages (RFC 2326 section 4 and 6-7; the same framing as RTSP 2.0, RFC 7826): requests
// and responses with header fields and an optional body sized by Content-Length; and RTP/RTCP
// interleaved in the same connection ('$', channel, 16-bit length, data: RFC 2326 10.12). One
// reader takes a connection's bytes as they come and returns what they hold, in order. Pure
// function of the peer's input (fuzzed): bounded, never throws.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::rtsp {

struct Message {
  // A request has a method and a URI; a response a status code and a reason phrase.
  std::string method;
  std::string uri;
  int status = 0;
  std::string reason;
  std::string version = "RTSP/1.0";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  bool is_request() const { return !method.empty(); }
  // The value of the first header field called `name` (compared case-insensitively).
  std::optional<std::string_view> header(std::string_view name) const;
  // CSeq as a number (nullopt when absent or not a decimal number below 2^31).
  std::optional<uint32_t> cseq() const;
};

// RTP or RTCP carried in the RTSP connection.
struct InterleavedFrame {
  uint8_t channel = 0;
  ByteSpan data;  // valid until the next call to the reader
};

class MessageReader {
 public:
  struct Limits {
    size_t max_head_bytes = 16 * 1024;  // start line and header fields
    size_t max_headers = 64;
    size_t max_body_bytes = 64 * 1024;  // SDP in ANNOUNCE, parameters in SET_PARAMETER
  };

  MessageReader() : MessageReader(Limits{}) {}
  explicit MessageReader(Limits limits) : limits_(limits) {}

  // Bytes as they arrive from the connection.
  void feed(ByteSpan data);

  // The next complete item, nullopt when more bytes are needed, or an error after which the
  // connection cannot be read further (a head over its limits, a malformed start line or
  // header, a bad Content-Length, bytes that start neither a message nor a frame).
  using Item = std::variant<Message, InterleavedFrame>;
  Result<std::optional<Item>> next();

  // Bytes received but not yet returned.
  size_t buffered() const { return buffer_.size() - start_; }

 private:
  Result<Message> parse_head(std::string_view head);

  Limits limits_;
  Bytes buffer_;
  size_t start_ = 0;    // what precedes it has been returned
  size_t scanned_ = 0;  // from start_, bytes searched for the head's end without finding it
  bool failed_ = false;
};

// The message as it goes on the wire: start line, header fields (Content-Length added when
// there is a body and none is given), empty line, body.
std::string write(const Message& message);

// '$', channel, length, data.
void write_interleaved_header(uint8_t channel, size_t length, Bytes& out);

}  // namespace firstmile::rtsp
