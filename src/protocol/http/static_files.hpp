#pragma once
// Files under one directory served for a URL prefix (the web console): the root's index.html
// for the prefix itself, MIME types by extension, and no way out of the root.
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/http/http_config.hpp"
#include "protocol/http/response.hpp"

namespace firstmile::http {

class StaticFiles {
 public:
  // `root` need not exist yet: every request resolves it again (a console may be deployed
  // after start-up).
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

  // The file a request's decoded segments under the prefix name: a regular file whose
  // canonical path lies inside the canonical root (symlinks are followed, then checked), a
  // directory's index.html. An error carries the HTTP status: 400 for a segment that is
  // empty, "." or "..", or holds '/', '\\' or NUL (encoded in the URL: never a file name
  // here); 404 for anything missing or outside the root.
  struct Error {
    bhttp::status status;
    std::string reason;
  };
  std::variant<std::filesystem::path, Error> resolve(
      const std::vector<std::string>& segments) const;

  // GET/HEAD: the file with its MIME type, or the error as JSON.
  Response serve(const Request& req, const std::vector<std::string>& segments,
                 const HttpConfig& config) const;

  // "text/html; charset=utf-8" for .html, ...; application/octet-stream when unknown.
  static std::string_view mime_type(const std::filesystem::path& file);

  // Files larger than this are refused (the console's are a few hundred KB; a file is read
  // whole into the response).
  static constexpr uintmax_t kMaxFileBytes = 32 << 20;

 private:
  std::filesystem::path root_;
};

}  // namespace firstmile::http
