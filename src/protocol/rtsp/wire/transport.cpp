#include "protocol/rtsp/wire/transport.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "core/ascii.hpp"

namespace firstmile::rtsp {
namespace {

constexpr size_t kMaxAlternatives = 16;

std::string_view trim(std::string_view s) {
  return trim_ows(s);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits at `sep` outside double quotes (mode="PLAY,RECORD" is one parameter).
std::vector<std::string_view> split(std::string_view s, char sep, size_t max) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  size_t from = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] == '"') quoted = !quoted;
    if (i == s.size() || (s[i] == sep && !quoted)) {
      parts.push_back(trim(s.substr(from, i - from)));
      from = i + 1;
      if (parts.size() > max) break;
    }
  }
  return parts;
}

std::optional<uint32_t> number(std::string_view s, uint32_t max, int base = 10) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

// "5000-5001" or "5000" (then the second is the first plus one).
std::optional<PortPair> pair_of(std::string_view s, uint32_t max) {
  const size_t dash = s.find('-');
  auto first = number(s.substr(0, dash), max);
  if (!first) return std::nullopt;
  if (dash == std::string_view::npos) {
    if (*first + 1 > max) return std::nullopt;
    return PortPair{static_cast<uint16_t>(*first), static_cast<uint16_t>(*first + 1)};
  }
  auto second = number(s.substr(dash + 1), max);
  if (!second) return std::nullopt;
  return PortPair{static_cast<uint16_t>(*first), static_cast<uint16_t>(*second)};
}

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

Result<Transport> parse_one(std::string_view spec) {
  const auto params = split(spec, ';', 64);
  if (params.empty() || params[0].empty()) return fail("an empty transport");
  Transport t;
  // transport-protocol/profile[/lower-transport]
  const std::string protocol = lower(params[0]);
  const auto parts = split(protocol, '/', 3);
  const bool alnum = std::all_of(protocol.begin(), protocol.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/';
  });
  if (!alnum || parts.size() < 2 || parts.size() > 3 || parts[0] != "rtp" || parts[1].empty()) {
    return fail("an unsupported transport protocol \"", params[0], "\"");
  }
  t.profile = "RTP/" + std::string(parts[1]);
  for (char& c : t.profile)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (parts.size() == 3) {
    if (parts[2] == "tcp") {
      t.tcp = true;
    } else if (parts[2] != "udp") {
      return fail("an unsupported lower transport \"", parts[2], "\"");
    }
  }
  for (size_t i = 1; i < params.size(); ++i) {
    const std::string_view p = params[i];
    const size_t eq = p.find('=');
    const std::string name = lower(trim(p.substr(0, eq)));
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : unquote(trim(p.substr(eq + 1)));
    // Values are tokens, addresses or (mode) a list of methods: nothing that would need
    // quoting when written back.
    const bool list = name == "mode";
    if (std::any_of(value.begin(), value.end(), [&](char c) {
          const auto u = static_cast<unsigned char>(c);
          return u <= 32 || u >= 127 || c == ';' || c == '"' || (c == ',' && !list);
        })) {
      return fail("a malformed ", name, " \"", value, "\"");
    }
    if (name == "unicast") {
      t.multicast = false;
    } else if (name == "multicast") {
      t.multicast = true;
    } else if (name == "interleaved") {
      t.interleaved = pair_of(value, 255);
      if (!t.interleaved) return fail("a malformed interleaved channel \"", value, "\"");
    } else if (name == "client_port" || name == "server_port") {
      auto ports = pair_of(value, 65535);
      if (!ports) return fail("a malformed ", name, " \"", value, "\"");
      (name == "client_port" ? t.client_port : t.server_port) = ports;
    } else if (name == "ssrc") {
      auto ssrc = value.size() <= 8 ? number(value, 0xffffffff, 16) : std::nullopt;
      if (!ssrc) return fail("a malformed ssrc \"", value, "\"");
      t.ssrc = ssrc;
    } else if (name == "mode") {
      t.mode = lower(value);
    } else if (name == "destination") {
      t.destination = std::string(value);
    } else if (name == "source") {
      t.source = std::string(value);
    }
  }
  return t;
}

}  // namespace

Result<std::vector<Transport>> parse_transports(std::string_view value) {
  const auto specs = split(value, ',', kMaxAlternatives);
  if (specs.size() > kMaxAlternatives) return fail("more than ", kMaxAlternatives, " transports");
  std::vector<Transport> out;
  for (auto spec : specs) {
    auto t = parse_one(spec);
    if (!t) return t.error();
    out.push_back(std::move(*t));
  }
  return out;
}

std::string write(const Transport& t) {
  std::string out = t.profile;
  if (t.tcp) out += "/TCP";
  out += t.multicast ? ";multicast" : ";unicast";
  auto pair = [&](std::string_view name, const std::optional<PortPair>& p) {
    if (!p) return;
    out += ';';
    out += name;
    out += '=';
    out += std::to_string(p->rtp);
    out += '-';
    out += std::to_string(p->rtcp);
  };
  if (!t.destination.empty()) out += ";destination=" + t.destination;
  if (!t.source.empty()) out += ";source=" + t.source;
  pair("interleaved", t.interleaved);
  pair("client_port", t.client_port);
  pair("server_port", t.server_port);
  if (t.ssrc) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08X", *t.ssrc);
    out += ";ssrc=";
    out += hex;
  }
  if (!t.mode.empty()) {
    out += t.mode.find(',') == std::string::npos ? ";mode=" + t.mode : ";mode=\"" + t.mode + '"';
  }
  return out;
}

std::string_view session_id(std::string_view session_header) {
  return trim(session_header.substr(0, session_header.find(';')));
}

}  // namespace firstmile::rtsp
