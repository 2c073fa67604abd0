#include "storage/spool.hpp"

#include <charconv>
#include <cstdio>

#include "storage/sigv4.hpp"

namespace firstmile::storage {

namespace {

constexpr std::string_view kMagic = "firstmile-spool 1\n";
constexpr size_t kMaxField = 4096;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> pct_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool parse_u64(std::string_view s, uint64_t& v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string content_type_for(std::string_view name) {
  if (name.ends_with(".m3u8")) return "application/vnd.apple.mpegurl";
  if (name.ends_with(".ts")) return "video/mp2t";
  if (name.ends_with(".m4s")) return "video/iso.segment";
  if (name.ends_with(".mp4")) return "video/mp4";
  if (name.ends_with(".m4a")) return "audio/mp4";
  if (name.ends_with(".mpd")) return "application/dash+xml";
  return "application/octet-stream";
}

std::string encode_spool_entry(const ObjectOp& op) {
  std::string out(kMagic);
  out += op.kind == ObjectOp::Kind::Put ? "kind put\n" : "kind delete\n";
  out += "lane " + uri_encode(op.lane, false) + "\n";
  out += "key " + uri_encode(op.key, false) + "\n";
  out += "type " + uri_encode(op.content_type, false) + "\n";
  out += "cache " + uri_encode(op.cache_control, false) + "\n";
  out += std::string("after ") + (op.after_earlier ? "1" : "0") + "\n";
  out += "not_before " + std::to_string(op.not_before_ms) + "\n";
  out += "size " + std::to_string(op.body.size()) + "\n\n";
  out += op.body;
  return out;
}

Result<ObjectOp> decode_spool_entry(std::string_view data, bool header_only, uint64_t* body_size) {
  if (data.substr(0, kMagic.size()) != kMagic) return fail("not a spool file");
  data.remove_prefix(kMagic.size());
  ObjectOp op;
  static constexpr std::string_view kFields[] = {"kind",  "lane",  "key",        "type",
                                                 "cache", "after", "not_before", "size"};
  uint64_t size = 0;
  for (std::string_view name : kFields) {
    auto nl = data.find('\n');
    if (nl == std::string_view::npos || nl > kMaxField) return fail("truncated header");
    std::string_view line = data.substr(0, nl);
    data.remove_prefix(nl + 1);
    if (line.substr(0, name.size()) != name || line.size() <= name.size() ||
        line[name.size()] != ' ')
      return fail("expected field ", name);
    std::string_view value = line.substr(name.size() + 1);
    if (name == "kind") {
      if (value == "put") {
        op.kind = ObjectOp::Kind::Put;
      } else if (value == "delete") {
        op.kind = ObjectOp::Kind::Delete;
      } else {
        return fail("unknown kind");
      }
    } else if (name == "after") {
      if (value != "0" && value != "1") return fail("bad after");
      op.after_earlier = value == "1";
    } else if (name == "not_before") {
      uint64_t v = 0;
      if (!parse_u64(value, v) || v > (uint64_t{1} << 62)) return fail("bad not_before");
      op.not_before_ms = static_cast<int64_t>(v);
    } else if (name == "size") {
      if (!parse_u64(value, size)) return fail("bad size");
    } else {
      auto decoded = pct_decode(value);
      if (!decoded) return fail("bad encoding in ", name);
      (name == "lane"   ? op.lane
       : name == "key"  ? op.key
       : name == "type" ? op.content_type
                        : op.cache_control) = std::move(*decoded);
    }
  }
  if (data.empty() || data.front() != '\n') return fail("no blank line after the header");
  data.remove_prefix(1);
  if (op.key.empty()) return fail("empty key");
  if (body_size) *body_size = size;
  if (header_only) return op;
  if (data.size() != size) return fail("body is ", data.size(), " bytes, header says ", size);
  op.body = std::string(data);
  return op;
}

std::filesystem::path spool_path(const std::filesystem::path& dir, uint64_t sequence) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.op", static_cast<unsigned long long>(sequence));
  return dir / name;
}

std::optional<uint64_t> spool_sequence(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  if (name.size() != 23 || name.substr(20) != ".op") return std::nullopt;
  uint64_t v = 0;
  if (!parse_u64(std::string_view(name).substr(0, 20), v)) return std::nullopt;
  return v;
}

}  // namespace firstmile::storage
