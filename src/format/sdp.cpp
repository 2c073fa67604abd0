#include "format/sdp.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include "core/ascii.hpp"

namespace firstmile::format::sdp {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

std::string_view trim_end(std::string_view s) {
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

// Space-separated tokens (runs of spaces or tabs count as one separator).
std::vector<std::string_view> tokens(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
      ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t')
      ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// Decimal digits only (no sign, no spaces), at most `max`.
std::optional<uint64_t> number(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

Attribute parse_attribute(std::string_view value) {
  Attribute a;
  auto colon = value.find(':');
  if (colon == std::string_view::npos) {
    a.name = std::string(value);
  } else {
    a.name = std::string(value.substr(0, colon));
    a.value = std::string(value.substr(colon + 1));
    a.has_value = true;
  }
  return a;
}

Result<Media> parse_media_line(std::string_view value, const Limits& limits) {
  auto t = tokens(value);
  if (t.size() < 4) return fail("m= needs media, port, protocol and at least one format");
  if (t.size() - 3 > limits.max_formats) {
    return fail("m= lists ", t.size() - 3, " formats, over the limit of ", limits.max_formats);
  }
  Media m;
  m.type = std::string(t[0]);
  std::string_view port = t[1];
  auto slash = port.find('/');
  auto p = number(port.substr(0, slash), 65535);
  if (!p) return fail("m= port \"", port, "\" is not a port number");
  m.port = static_cast<uint16_t>(*p);
  if (slash != std::string_view::npos) {
    auto n = number(port.substr(slash + 1), 65535);
    if (!n || *n == 0) return fail("m= port count \"", port.substr(slash + 1), "\" is not valid");
    m.port_count = static_cast<uint16_t>(*n);
  }
  m.protocol = std::string(t[2]);
  for (size_t i = 3; i < t.size(); ++i)
    m.formats.emplace_back(t[i]);
  return m;
}

std::optional<std::string_view> find_attribute(const std::vector<Attribute>& attributes,
                                               std::string_view name) {
  for (const auto& a : attributes)
    if (a.name == name) return std::string_view(a.value);
  return std::nullopt;
}

void put(std::string& out, char type, std::string_view value) {
  out += type;
  out += '=';
  out += value;
  out += "\r\n";
}

void put_attributes(std::string& out, const std::vector<Attribute>& attributes) {
  for (const auto& a : attributes) {
    out += "a=";
    out += a.name;
    if (a.has_value) {
      out += ':';
      out += a.value;
    }
    out += "\r\n";
  }
}

// "<payload type> <rest>": the payload type (0-127, RFC 3550 5.1) and what follows the spaces.
Result<std::pair<uint8_t, std::string_view>> payload_type_and_rest(std::string_view value) {
  value = trim(value);
  size_t end = 0;
  while (end < value.size() && value[end] != ' ' && value[end] != '\t')
    ++end;
  auto pt = number(value.substr(0, end), 127);
  if (!pt) return fail("payload type \"", value.substr(0, end), "\" is not 0-127");
  return std::pair<uint8_t, std::string_view>{static_cast<uint8_t>(*pt), trim(value.substr(end))};
}

}  // namespace

std::optional<std::string_view> Media::attribute(std::string_view name) const {
  return find_attribute(attributes, name);
}

std::optional<std::string_view> Session::attribute(std::string_view name) const {
  return find_attribute(attributes, name);
}

Result<Session> parse(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_bytes) {
    return fail("SDP of ", text.size(), " bytes is over the limit of ", limits.max_bytes);
  }
  if (text.find('\0') != std::string_view::npos) return fail("NUL byte in SDP");
  Session s;
  bool seen_version = false;
  size_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim_end(text.substr(pos, end - pos));
    pos = end + 1;
    if (++line_number > limits.max_lines) {
      return fail("SDP has more than ", limits.max_lines, " lines");
    }
    if (line.size() > limits.max_line_bytes) {
      return fail("line ", line_number, ": ", line.size(), " bytes, over the limit of ",
                  limits.max_line_bytes);
    }
    if (trim(line).empty()) continue;  // blank lines, which some cameras end with
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
      return fail("line ", line_number, ": not an SDP line (type=value)");
    }
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (!seen_version) {
      if (type != 'v' || value != "0")
        return fail("line ", line_number, ": SDP must start with v=0");
      seen_version = true;
      continue;
    }
    Media* m = s.media.empty() ? nullptr : &s.media.back();
    switch (type) {
      case 'v':
        return fail("line ", line_number, ": a second v= line");
      case 'm': {
        if (s.media.size() >= limits.max_media) {
          return fail("line ", line_number, ": more than ", limits.max_media, " media sections");
        }
        auto media = parse_media_line(value, limits);
        if (!media) return fail("line ", line_number, ": ", media.error().message);
        s.media.push_back(std::move(*media));
        break;
      }
      case 'a':
        (m ? m->attributes : s.attributes).push_back(parse_attribute(value));
        break;
      case 'c':
        (m ? m->connection : s.connection) = std::string(value);
        break;
      case 'b':
        (m ? m->bandwidths : s.bandwidths).emplace_back(value);
        break;
      case 'i':
        (m ? m->information : s.information) = std::string(value);
        break;
      case 'o':
      case 's':
      case 't':
        // Session-level lines; inside a media section they are kept as they are.
        if (m) {
          m->other.push_back({type, std::string(value)});
        } else if (type == 'o') {
          s.origin = std::string(value);
        } else if (type == 's') {
          s.name = std::string(value);
        } else {
          s.times.emplace_back(value);
        }
        break;
      default:
        (m ? m->other : s.other).push_back({type, std::string(value)});
        break;
    }
  }
  if (!seen_version) return fail("empty SDP");
  // RFC 8866 5.9: t= is required; "0 0" is what a sender that left it out means (an unbounded
  // session), and what write() puts there.
  if (s.times.empty()) s.times.emplace_back("0 0");
  return s;
}

std::string write(const Session& s) {
  std::string out;
  out.reserve(256 + s.media.size() * 256);
  put(out, 'v', "0");
  put(out, 'o', s.origin);
  put(out, 's', s.name);
  if (!s.information.empty()) put(out, 'i', s.information);
  if (!s.connection.empty()) put(out, 'c', s.connection);
  for (const auto& b : s.bandwidths)
    put(out, 'b', b);
  if (s.times.empty()) put(out, 't', "0 0");
  for (const auto& t : s.times)
    put(out, 't', t);
  for (const auto& l : s.other)
    put(out, l.type, l.value);
  put_attributes(out, s.attributes);
  for (const auto& m : s.media) {
    out += "m=";
    out += m.type;
    out += ' ';
    out += std::to_string(m.port);
    if (m.port_count != 1) {
      out += '/';
      out += std::to_string(m.port_count);
    }
    out += ' ';
    out += m.protocol;
    for (const auto& f : m.formats) {
      out += ' ';
      out += f;
    }
    out += "\r\n";
    if (!m.information.empty()) put(out, 'i', m.information);
    if (!m.connection.empty()) put(out, 'c', m.connection);
    for (const auto& b : m.bandwidths)
      put(out, 'b', b);
    for (const auto& l : m.other)
      put(out, l.type, l.value);
    put_attributes(out, m.attributes);
  }
  return out;
}

Result<RtpMap> parse_rtpmap(std::string_view value) {
  auto head = payload_type_and_rest(value);
  if (!head) return fail("rtpmap: ", head.error().message);
  RtpMap map;
  map.payload_type = head->first;
  std::string_view rest = head->second;  // encoding/clock[/channels]
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) {
    return fail("rtpmap: \"", rest, "\" is not encoding/clock rate");
  }
  map.encoding = std::string(rest.substr(0, slash));
  std::string_view clock = rest.substr(slash + 1);
  auto second = clock.find('/');
  std::string_view params;
  if (second != std::string_view::npos) {
    params = clock.substr(second + 1);
    clock = clock.substr(0, second);
  }
  auto rate = number(clock, std::numeric_limits<uint32_t>::max());
  if (!rate || *rate == 0) return fail("rtpmap: clock rate \"", clock, "\" is not valid");
  map.clock_rate = static_cast<uint32_t>(*rate);
  if (second != std::string_view::npos) {
    auto channels = number(params, 255);
    if (!channels || *channels == 0) return fail("rtpmap: channels \"", params, "\" are not valid");
    map.channels = static_cast<uint32_t>(*channels);
  }
  return map;
}

std::optional<std::string_view> Fmtp::get(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

Result<Fmtp> parse_fmtp(std::string_view value) {
  auto head = payload_type_and_rest(value);
  if (!head) return fail("fmtp: ", head.error().message);
  Fmtp fmtp;
  fmtp.payload_type = head->first;
  std::string_view rest = head->second;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    std::string_view item = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      fmtp.params.emplace_back(std::string(item), std::string());
    } else {
      fmtp.params.emplace_back(std::string(trim(item.substr(0, eq))),
                               std::string(trim(item.substr(eq + 1))));
    }
  }
  return fmtp;
}

std::optional<RtpMap> rtpmap_for(const Media& media, uint8_t payload_type) {
  for (const auto& a : media.attributes) {
    if (a.name != "rtpmap") continue;
    auto map = parse_rtpmap(a.value);
    if (map && map->payload_type == payload_type) return std::move(*map);
  }
  return std::nullopt;
}

std::optional<Fmtp> fmtp_for(const Media& media, uint8_t payload_type) {
  for (const auto& a : media.attributes) {
    if (a.name != "fmtp") continue;
    auto fmtp = parse_fmtp(a.value);
    if (fmtp && fmtp->payload_type == payload_type) return std::move(*fmtp);
  }
  return std::nullopt;
}

}  // namespace firstmile::format::sdp
