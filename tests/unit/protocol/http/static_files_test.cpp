#include "protocol/http/static_files.hpp"
#include "protocol/http/http_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace firstmile::http {
namespace {

namespace fs = std::filesystem;
using Segs = std::vector<std::string>;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// A temporary tree:  base/www/{index.html, app.js, assets/..., sub/index.html, empty/}
//                    base/secret.txt, base/www-other/x.html (a sibling whose name shares
//                    the root's prefix), and symlinks in and out of the root.
class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("firstmile-static-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "www";
    write(root_ / "index.html", "<html>home</html>");
    write(root_ / "app.js", "console.log(1)");
    write(root_ / "assets" / "style.css", "body{}");
    write(root_ / "sub" / "index.html", "sub");
    fs::create_directories(root_ / "empty");
    write(base_ / "secret.txt", "secret");
    write(base_ / "www-other" / "x.html", "other");
    fs::create_symlink(base_ / "secret.txt", root_ / "leak.txt");
    fs::create_symlink(base_, root_ / "up");
    fs::create_symlink(root_ / "app.js", root_ / "alias.js");
  }
  void TearDown() override { fs::remove_all(base_); }

  bhttp::status status_of(const Segs& segs) const {
    auto r = StaticFiles(root_).resolve(segs);
    if (auto* e = std::get_if<StaticFiles::Error>(&r)) return e->status;
    return bhttp::status::ok;
  }
  std::string body_of(const Segs& segs) const {
    Request req{bhttp::verb::get, "/", 11};
    return StaticFiles(root_).serve(req, segs, HttpConfig{}).body();
  }

  fs::path base_, root_;
};

TEST_F(StaticFilesTest, ServesFilesAndIndexes) {
  EXPECT_EQ(body_of({}), "<html>home</html>");
  EXPECT_EQ(body_of({"app.js"}), "console.log(1)");
  EXPECT_EQ(body_of({"assets", "style.css"}), "body{}");
  EXPECT_EQ(body_of({"sub"}), "sub");
  EXPECT_EQ(body_of({"alias.js"}), "console.log(1)");  // a symlink that stays inside
  Request req{bhttp::verb::get, "/", 11};
  auto res = StaticFiles(root_).serve(req, {"app.js"}, HttpConfig{});
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(res[bhttp::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(res[bhttp::field::content_length], "14");
}

TEST_F(StaticFilesTest, MissingIs404) {
  EXPECT_EQ(status_of({"nope.js"}), bhttp::status::not_found);
  EXPECT_EQ(status_of({"empty"}), bhttp::status::not_found);  // a directory without index.html
  EXPECT_EQ(status_of({"app.js", "x"}), bhttp::status::not_found);
  EXPECT_EQ(StaticFiles(base_ / "absent").resolve({}).index(), 1u);
}

TEST_F(StaticFilesTest, NeverEscapesTheRoot) {
  // The segments arrive decoded: "%2e%2e" is "..", "%2f" puts a '/' inside one segment.
  for (const Segs& s :
       {Segs{".."}, Segs{"..", "secret.txt"}, Segs{"assets", "..", "..", "secret.txt"}, Segs{"."},
        Segs{"../secret.txt"}, Segs{"assets/../../secret.txt"}, Segs{"a\\..\\..\\secret.txt"},
        Segs{std::string("app.js\0.png", 11)}, Segs{""}, Segs{"", "etc", "passwd"}}) {
    std::string shown;
    for (const auto& x : s)
      shown += "[" + x + "]";
    EXPECT_EQ(status_of(s), bhttp::status::bad_request) << shown;
  }
  // Doubly encoded ("..%252f" in the URL): a plain, missing file name inside the root.
  EXPECT_EQ(status_of({"..%2fsecret.txt"}), bhttp::status::not_found);
  // Absolute: a '/' never survives inside a segment, so "/etc/passwd" can only arrive as
  // segments, which stay under the root.
  EXPECT_EQ(status_of({"/etc/passwd"}), bhttp::status::bad_request);
  EXPECT_EQ(status_of({"etc", "passwd"}), bhttp::status::not_found);
  // Symlinks out of the root, to a file or to a parent directory.
  EXPECT_EQ(status_of({"leak.txt"}), bhttp::status::not_found);
  EXPECT_EQ(status_of({"up", "secret.txt"}), bhttp::status::not_found);
  EXPECT_EQ(status_of({"up", "www", "app.js"}), bhttp::status::ok);  // back inside: fine
  // A sibling sharing the root's name as a string prefix is outside.
  EXPECT_EQ(status_of({"up", "www-other", "x.html"}), bhttp::status::not_found);
  EXPECT_NE(body_of({"leak.txt"}).find("error"), std::string::npos);
}

TEST(StaticFilesMime, ByExtension) {
  struct Case {
    const char* file;
    const char* type;
  };
  for (auto [file, type] :
       {Case{"index.html", "text/html; charset=utf-8"},
        Case{"a.js", "text/javascript; charset=utf-8"}, Case{"a.css", "text/css; charset=utf-8"},
        Case{"a.json", "application/json"}, Case{"a.svg", "image/svg+xml"},
        Case{"a.png", "image/png"}, Case{"favicon.ico", "image/x-icon"},
        Case{"a.wasm", "application/wasm"}, Case{"a.js.map", "application/json"},
        Case{"A.HTML", "text/html; charset=utf-8"}, Case{"README", "application/octet-stream"},
        Case{"a.exe", "application/octet-stream"}})
    EXPECT_EQ(StaticFiles::mime_type(file), type) << file;
}

}  // namespace
}  // namespace firstmile::http
