#pragma once
// RTMP command messages (Adobe RTMP specification, December 2012, section 7.2): the AMF0
// values of a command message decoded into its name, transaction id and arguments, and the
// arguments of the commands that name something (connect's app, publish's and play's stream).
// Pure decoding of peer bytes, apart from the session so it can be unit-tested and fuzzed.
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "format/amf0.hpp"

namespace firstmile::rtmp {

// Commands are a few hundred bytes; these bound what a hostile one can make the decoder build.
inline constexpr format::amf0::DecodeLimits kCommandDecodeLimits{.max_depth = 16,
                                                                 .max_elements = 4096};

struct Command {
  std::string name;
  double transaction = 0;  // 0 when absent or not a number
  // The values after the transaction id: the command object (or null) first, then the
  // command's own arguments (spec 7.2.1.1 connect, 7.2.2.6 publish, 7.2.2.1 play).
  std::vector<format::amf0::Value> args;

  // connect's command object; null when the peer sent none.
  const format::amf0::Value& command_object() const;
};

// What connect asks for (spec 7.2.1.1).
struct ConnectRequest {
  std::string app;    // "live" of "live?token=x" and of "live/" (encoders add the slash)
  std::string query;  // "token=x": RTMP URLs keep their query string in the app or stream name
  std::string tc_url;
  double object_encoding = 0;
};

// The stream publish or play names (spec 7.2.2.6, 7.2.2.1): "key?query" split at the '?'.
struct StreamRequest {
  std::string name;
  std::string query;
};

// An AMF3 command or data message (types 17 and 15) starts with a format byte; 0 means the
// rest is plain AMF0, which is all this server reads.
ByteSpan amf0_body(ByteSpan amf3_body);

// Decodes the body of an AMF0 command message (type 20, or 17 after amf0_body). Refused: a
// malformed AMF0 body, or a first value that is not the command's name.
Result<Command> parse_command(ByteSpan body);

// connect's command object. Missing fields read as empty; the app loses its query string and
// trailing slashes.
ConnectRequest parse_connect(const format::amf0::Value& command_object);

// publish's or play's arguments (Command::args): the stream name is the second.
StreamRequest parse_stream_request(const std::vector<format::amf0::Value>& args);

}  // namespace firstmile::rtmp
