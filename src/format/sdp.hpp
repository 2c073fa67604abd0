#pragma once
// SDP session descriptions (RFC 8866), as RTSP carries them (DESCRIBE answers, ANNOUNCE bodies)
// and WebRTC exchanges them (offers and answers). Protocol-neutral: lines and attributes, plus
// the two attributes every RTP user reads (rtpmap, fmtp, RFC 8866 6.6 and 6.15). Parsing reads
// peer input, so it is bounded and never throws; it is lenient where real senders are (LF line
// ends, a missing s= or t=, blank lines, lines of types it does not know, kept as they are).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace firstmile::format::sdp {

// "a=recvonly" is {"recvonly", "", false}; "a=rtpmap:96 H264/90000" is {"rtpmap",
// "96 H264/90000", true} (the name ends at the first ':').
struct Attribute {
  std::string name;
  std::string value;
  bool has_value = false;

  bool operator==(const Attribute&) const = default;
};

// A line this model has no field for (u=, e=, p=, r=, z=, k=, or an unknown type), kept in order.
struct Line {
  char type = 0;
  std::string value;

  bool operator==(const Line&) const = default;
};

struct Media {
  std::string type;                     // "video", "audio", "application", ...
  uint16_t port = 0;                    // 0 in RTSP and in a refused WebRTC section
  uint16_t port_count = 1;              // "m=video 5000/2 ..."
  std::string protocol;                 // "RTP/AVP", "UDP/TLS/RTP/SAVPF", ...
  std::vector<std::string> formats;     // payload types for RTP ("96"), as written
  std::string information;              // i=
  std::string connection;               // c=, empty when absent
  std::vector<std::string> bandwidths;  // b= values ("AS:500")
  std::vector<Line> other;
  std::vector<Attribute> attributes;

  // The value of the first attribute called `name`, if any (an empty view for a flag).
  std::optional<std::string_view> attribute(std::string_view name) const;
  bool has_attribute(std::string_view name) const { return attribute(name).has_value(); }

  bool operator==(const Media&) const = default;
};

struct Session {
  std::string origin = "- 0 0 IN IP4 127.0.0.1";  // o=
  std::string name = "-";                         // s= ("-" when absent, RFC 8866 5.3)
  std::string information;                        // i=
  std::string connection;                         // c=, empty when absent
  std::vector<std::string> bandwidths;            // b=
  std::vector<std::string> times;                 // t= values; a missing t= reads as "0 0"
  std::vector<Line> other;
  std::vector<Attribute> attributes;
  std::vector<Media> media;

  std::optional<std::string_view> attribute(std::string_view name) const;

  bool operator==(const Session&) const = default;
};

struct Limits {
  size_t max_bytes = 64 * 1024;
  size_t max_line_bytes = 8192;  // a WebRTC offer's longest lines (fingerprints, ssrc) fit
  size_t max_lines = 2048;
  size_t max_media = 64;
  size_t max_formats = 128;  // payload types in one m= line
};

// The description in `text`. Refused, with the line and the reason: input over the limits, a
// NUL byte, a first line other than "v=0", a line not of the form "x=...", an m= line without
// media, port, protocol and a format, a bad port.
Result<Session> parse(std::string_view text, const Limits& limits = {});

// The description as text with CRLF line ends, in the order RFC 8866 5 gives (v, o, s, i, c,
// b, t, the other lines, a; then each media section: m, i, c, b, the other lines, a). parse()
// reads it back as the same Session.
std::string write(const Session& session);

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>] (RFC 8866 6.6).
struct RtpMap {
  uint8_t payload_type = 0;
  std::string encoding;  // as written ("H264", "mpeg4-generic"); compare case-insensitively
  uint32_t clock_rate = 0;
  uint32_t channels = 0;  // 0 when absent

  bool operator==(const RtpMap&) const = default;
};
Result<RtpMap> parse_rtpmap(std::string_view value);

// a=fmtp:<payload type> <parameters> (RFC 8866 6.15), parameters separated by ';' as the RTP
// payload formats write them ("packetization-mode=1; sprop-parameter-sets=Z0IAH5W...=,aM4..."):
// split at the first '=' (base64 values end in '='), spaces around names and values trimmed; a
// parameter without '=' ("0-15") has an empty value.
struct Fmtp {
  uint8_t payload_type = 0;
  std::vector<std::pair<std::string, std::string>> params;

  // The value of parameter `name`, names compared case-insensitively (RFC 6184 8.1 and the
  // others register them as such).
  std::optional<std::string_view> get(std::string_view name) const;

  bool operator==(const Fmtp&) const = default;
};
Result<Fmtp> parse_fmtp(std::string_view value);

// The rtpmap and fmtp attributes of `media` for one payload type (nullopt when it has none, or
// only malformed ones).
std::optional<RtpMap> rtpmap_for(const Media& media, uint8_t payload_type);
std::optional<Fmtp> fmtp_for(const Media& media, uint8_t payload_type);

}  // namespace firstmile::format::sdp
