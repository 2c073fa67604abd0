#include "protocol/http/static_files.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <utility>

namespace firstmile::http {

namespace fs = std::filesystem;

namespace {

bool inside(const fs::path& file, const fs::path& root) {
  // Component-wise: "/srv/www-other" is not inside "/srv/www".
  auto [r, f] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  return r == root.end();
}

bool safe_segment(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  return s.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

}  // namespace

std::string_view StaticFiles::mime_type(const fs::path& file) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},  // RFC 9239, 6
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},  // source maps are JSON
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".wasm", "application/wasm"},  // needed by WebAssembly.instantiateStreaming
  }};
  auto ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

std::variant<fs::path, StaticFiles::Error> StaticFiles::resolve(
    const std::vector<std::string>& segments) const {
  fs::path relative;
  for (const auto& s : segments) {
    if (!safe_segment(s)) return Error{bhttp::status::bad_request, "invalid path"};
    relative /= s;
  }
  std::error_code ec;
  auto root = fs::canonical(root_, ec);
  if (ec) return Error{bhttp::status::not_found, "no such file"};
  // canonical() resolves every symlink, so the check below sees where the file really is.
  auto file = fs::canonical(root / relative, ec);
  if (!ec && fs::is_directory(file, ec)) file = fs::canonical(file / "index.html", ec);
  if (ec || !inside(file, root) || !fs::is_regular_file(file, ec) || ec)
    return Error{bhttp::status::not_found, "no such file"};
  return file;
}

Response StaticFiles::serve(const Request& req, const std::vector<std::string>& segments,
                            const HttpConfig& config) const {
  auto found = resolve(segments);
  if (auto* e = std::get_if<Error>(&found)) return make_error(req, e->status, e->reason, config);
  const auto& file = std::get<fs::path>(found);
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec || size > kMaxFileBytes)
    return make_error(req, bhttp::status::not_found, "no such file", config);
  std::string body;
  // HEAD sends the same headers, so the file is read for its length either way; the files
  // are small and the page cache holds them.
  std::ifstream in(file, std::ios::binary);
  body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof())
    return make_error(req, bhttp::status::not_found, "no such file", config);
  auto res = make_response(req, bhttp::status::ok, mime_type(file), std::move(body), config);
  // Revalidate every time: a redeployed console is picked up on the next load.
  res.set(bhttp::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  return res;
}

}  // namespace firstmile::http
