#pragma once
// The Transport header field (RFC 2326 12.39): how a stream's RTP and RTCP travel, offered by
// the client in SETUP (several comma-separated alternatives, the first preferred) and
// confirmed by the server. Pure function of the peer's input (fuzzed).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace firstmile::rtsp {

struct PortPair {
  uint16_t rtp = 0;
  uint16_t rtcp = 0;  // rtp + 1 when the field names one port

  bool operator==(const PortPair&) const = default;
};

struct Transport {
  std::string profile = "RTP/AVP";  // "RTP/AVP", "RTP/AVPF", "RTP/SAVP", ...
  bool tcp = false;                 // lower transport "/TCP" (interleaved in the connection)
  bool multicast = false;
  std::optional<PortPair> interleaved;  // channels
  std::optional<PortPair> client_port;
  std::optional<PortPair> server_port;
  std::optional<uint32_t> ssrc;
  std::string mode;  // lower case, quotes removed ("record", "play"); empty when absent
  std::string destination;
  std::string source;

  bool operator==(const Transport&) const = default;
};

// The alternatives of a Transport value, in order. Refused: an empty value, a protocol other
// than RTP, a port or channel that is not a number up to 65535 (channels up to 255), an
// ssrc that is not up to 8 hex digits, more than 16 alternatives. Unknown parameters are
// ignored (RFC 2326 12.39 lets servers ignore what they do not understand).
Result<std::vector<Transport>> parse_transports(std::string_view value);

// One transport as the server confirms it ("RTP/AVP/TCP;unicast;interleaved=0-1;mode=record").
std::string write(const Transport& transport);

// The session identifier of a Session header field ("A3F1;timeout=60" -> "A3F1").
std::string_view session_id(std::string_view session_header);

}  // namespace firstmile::rtsp
