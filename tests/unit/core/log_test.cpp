#include "core/log.hpp"

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include <gtest/gtest.h>

namespace firstmile {
namespace {

std::string logged(const std::string& format, std::string_view value) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  spdlog::logger log("t", sink);
  LogConfig config;
  config.format = format;
  log.set_formatter(make_log_formatter(config));
  log.info("rtmp connect peer=192.0.2.1:5 app={}", value);
  return out.str();
}

TEST(LogTest, TextLinesEscapeControlCharactersAPeerSent) {
  // A forged second line and a terminal escape sequence, as a peer could put in an app name.
  auto line = logged("text", "live\r\n2026-12-07T00:00:00.000 info  rtmp publish start\x1b[2J");
  EXPECT_NE(line.find("app=live\\x0d\\x0a2026-12-07T00:00:00.000 info  rtmp publish "
                      "start\\x1b[2J"),
            std::string::npos)
      << line;
  // One line only: the newline is the one the sink ends it with.
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  // UTF-8 and the printable rest pass as they are.
  EXPECT_NE(logged("text", "caméra \"1\"").find("app=caméra \"1\""), std::string::npos);
}

TEST(LogTest, JsonLinesStayValidJson) {
  auto line = logged("json", "a\"b\\c\nd");
  EXPECT_NE(line.find(R"(app=a\"b\\c\u000ad")"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

}  // namespace
}  // namespace firstmile
