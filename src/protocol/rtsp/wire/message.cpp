#include "protocol/rtsp/wire/message.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/ascii.hpp"

namespace firstmile::rtsp {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// RFC 2326 15.1: token characters (the method and header names).
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= 32 || c >= 127) return false;
    if (std::string_view("()<>@,;:\\\"/[]?={}").find(static_cast<char>(c)) !=
        std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 32 && c != '\t') || u == 127;
  });
}

std::optional<uint64_t> decimal(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::string_view> Message::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<uint32_t> Message::cseq() const {
  auto v = header("CSeq");
  if (!v) return std::nullopt;
  auto n = decimal(trim(*v), 0x7fffffff);
  if (!n) return std::nullopt;
  return static_cast<uint32_t>(*n);
}

void MessageReader::feed(ByteSpan data) {
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<ptrdiff_t>(start_));
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), data.begin(), data.end());
}

Result<Message> MessageReader::parse_head(std::string_view head) {
  Message m;
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    const size_t nl = head.find('\n');
    // Only the line end is cut: a leading space marks a folded continuation line.
    std::string_view line = head.substr(0, nl);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    lines.push_back(line);
    head = nl == std::string_view::npos ? std::string_view{} : head.substr(nl + 1);
  }
  if (lines.empty()) return fail("an empty message");
  // Start line: "METHOD URI RTSP/1.0" or "RTSP/1.0 200 OK".
  const std::string_view start = lines.front();
  if (has_control(start)) return fail("a control character in the start line");
  const size_t sp1 = start.find(' ');
  if (sp1 == std::string_view::npos) return fail("a malformed start line");
  size_t sp2 = start.find(' ', sp1 + 1);
  const std::string_view a = start.substr(0, sp1);
  if (sp2 == std::string_view::npos) {
    // A status line without a reason phrase, as some cameras send it.
    if (!a.starts_with("RTSP/")) return fail("a malformed start line");
    sp2 = start.size();
  }
  const std::string_view b = start.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view c = sp2 < start.size() ? start.substr(sp2 + 1) : std::string_view{};
  if (a.starts_with("RTSP/")) {
    auto status = decimal(b, 999);
    if (b.size() != 3 || !status || *status < 100) return fail("a malformed status code");
    m.version = std::string(a);
    m.status = static_cast<int>(*status);
    m.reason = std::string(c);
  } else {
    if (!is_token(a)) return fail("a malformed method");
    if (b.empty() || b.find(' ') != std::string_view::npos) return fail("a malformed URI");
    if (c != "RTSP/1.0" && c != "RTSP/2.0") return fail("an unknown version");
    m.method = std::string(a);
    m.uri = std::string(b);
    m.version = std::string(c);
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) continue;
    if (has_control(line)) return fail("a control character in a header field");
    if (line.front() == ' ' || line.front() == '\t') {
      // Obsolete line folding (RFC 2326 4.2 allows LWS continuation): one space instead.
      if (m.headers.empty()) return fail("a continuation line before any header field");
      m.headers.back().second += ' ';
      m.headers.back().second += trim(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail("a header line without ':'");
    const std::string_view name = line.substr(0, colon);
    if (!is_token(name)) return fail("a malformed header field name");
    if (m.headers.size() == limits_.max_headers) {
      return fail("more than ", limits_.max_headers, " header fields");
    }
    m.headers.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
  }
  return m;
}

Result<std::optional<MessageReader::Item>> MessageReader::next() {
  if (failed_) return fail("the connection's input was already refused");
  auto refuse = [this](Error e) -> Result<std::optional<Item>> {
    failed_ = true;
    return e;
  };
  // Some clients send an extra CRLF between messages; skip it.
  while (start_ < buffer_.size() && (buffer_[start_] == '\r' || buffer_[start_] == '\n')) {
    ++start_;
    scanned_ = 0;
  }
  const ByteSpan data = ByteSpan(buffer_).subspan(start_);
  if (data.empty()) return std::optional<Item>{};
  if (data[0] == '$') {
    if (data.size() < 4) return std::optional<Item>{};
    const size_t length = size_t{data[2]} << 8 | data[3];
    if (data.size() < 4 + length) return std::optional<Item>{};
    start_ += 4 + length;
    scanned_ = 0;
    return std::optional<Item>{InterleavedFrame{data[1], data.subspan(4, length)}};
  }
  if (!std::isalpha(data[0])) return refuse(fail("bytes that start neither a message nor a frame"));
  // The head ends at an empty line (CRLF CRLF, or LF LF from lenient senders).
  const std::string_view text(reinterpret_cast<const char*>(data.data()),
                              std::min(data.size(), limits_.max_head_bytes + 4));
  // The scan resumes where the last call's stopped, so a head trickled in a byte at a time
  // costs linear time.
  size_t end = std::string_view::npos, body_at = 0;
  for (size_t i = scanned_; i + 1 < text.size(); ++i) {
    if (text[i] != '\n') continue;
    if (text[i + 1] == '\n') {
      end = i + 1;
      body_at = i + 2;
      break;
    }
    if (text[i + 1] == '\r' && i + 2 < text.size() && text[i + 2] == '\n') {
      end = i + 1;
      body_at = i + 3;
      break;
    }
  }
  if (end == std::string_view::npos) {
    scanned_ = text.size() > 3 ? text.size() - 3 : 0;
    if (data.size() > limits_.max_head_bytes) {
      return refuse(fail("a message head over ", limits_.max_head_bytes, " bytes"));
    }
    return std::optional<Item>{};
  }
  if (end > limits_.max_head_bytes) {
    return refuse(fail("a message head over ", limits_.max_head_bytes, " bytes"));
  }
  auto message = parse_head(text.substr(0, end));
  if (!message) return refuse(message.error());
  size_t body_bytes = 0;
  if (auto length = message->header("Content-Length")) {
    auto n = decimal(trim(*length), limits_.max_body_bytes);
    if (!n)
      return refuse(fail("a Content-Length that is not a number up to ", limits_.max_body_bytes));
    body_bytes = *n;
  }
  if (data.size() < body_at + body_bytes) {
    scanned_ = 0;  // the head is parsed again when the body is complete
    return std::optional<Item>{};
  }
  scanned_ = 0;
  message->body.assign(reinterpret_cast<const char*>(data.data()) + body_at, body_bytes);
  start_ += body_at + body_bytes;
  return std::optional<Item>{std::move(*message)};
}

std::string write(const Message& m) {
  std::string out;
  if (m.is_request()) {
    out = m.method + ' ' + m.uri + ' ' + m.version + "\r\n";
  } else {
    out = m.version + ' ' + std::to_string(m.status) + ' ' + m.reason + "\r\n";
  }
  for (const auto& [name, value] : m.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!m.body.empty() && !m.header("Content-Length")) {
    out += "Content-Length: " + std::to_string(m.body.size()) + "\r\n";
  }
  out += "\r\n";
  out += m.body;
  return out;
}

void write_interleaved_header(uint8_t channel, size_t length, Bytes& out) {
  out.push_back('$');
  out.push_back(channel);
  out.push_back(static_cast<uint8_t>(length >> 8));
  out.push_back(static_cast<uint8_t>(length));
}

}  // namespace firstmile::rtsp
