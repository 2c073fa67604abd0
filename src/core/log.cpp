#include "core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace firstmile {
namespace {

// %* in the pattern: the message with what a peer could abuse escaped. JSON lines: as a JSON
// string body (quotes, backslashes and control characters), so that they stay valid whatever
// a peer put in a name. Text lines: control characters as \xNN, so that a value a peer
// controls (a stream name, a tcUrl, a webhook's reason) cannot start a forged line with a
// newline or drive the operator's terminal with escape sequences.
template <bool Json>
class EscapedMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      auto u = static_cast<unsigned char>(c);
      if (Json && (c == '"' || c == '\\')) {
        dest.push_back('\\');
        dest.push_back(c);
      } else if (Json && u < 0x20) {
        const char esc[] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 15]};
        dest.append(esc, esc + 6);
      } else if (!Json && (u < 0x20 || u == 0x7f)) {
        const char esc[] = {'\\', 'x', kHex[u >> 4], kHex[u & 15]};
        dest.append(esc, esc + 4);
      } else {
        dest.push_back(c);
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessageFlag>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter(const LogConfig& config) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (config.format == "json") {
    formatter->add_flag<EscapedMessageFlag<true>>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","thread":%t,"msg":"%*"})");
  } else {
    formatter->add_flag<EscapedMessageFlag<false>>('*').set_pattern(
        "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %*");
  }
  return formatter;
}

Logger make_logger(const LogConfig& config) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("firstmile", sink);
  logger->set_formatter(make_log_formatter(config));
  auto level = spdlog::level::from_str(config.level);
  if (level == spdlog::level::off && config.level != "off") {
    throw ConfigError("log.level: unknown level '" + config.level + "'");
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  return logger;
}

std::string redact(std::string_view secret) {
  if (secret.size() < 8) return "…(" + std::to_string(secret.size()) + ")";
  return std::string(secret.substr(0, 4)) + "…(" + std::to_string(secret.size()) + ")";
}

}  // namespace firstmile
