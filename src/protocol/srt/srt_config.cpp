#include "protocol/srt/srt_config.hpp"

#include "core/config_schema.hpp"

namespace firstmile::srt {

ConfigModule config_module() {
  using namespace config_value;
  Section<SrtConfig> s("srt");
  s.flag("enabled", &SrtConfig::enabled)
      .text("listen", &SrtConfig::listen)
      .duration("latency", &SrtConfig::latency, Duration(20), Duration(10000))
      .duration("peer_idle_timeout", &SrtConfig::peer_idle_timeout, Duration(1000),
                Duration(600000))
      .custom(
          "passphrases",
          [](SrtConfig& c, const YAML::Node& n) {
            std::map<std::string, std::string> out;
            if (!n.IsNull() && !n.IsMap())
              throw ConfigError("expected a mapping of app names to passphrases");
            if (n.IsMap()) {
              for (const auto& item : n) {
                std::string app = scalar(item.first), pass = scalar(item.second);
                if (pass.size() < 10 || pass.size() > 79)
                  throw ConfigError(app + ": an SRT passphrase has 10 to 79 characters");
                out[app] = pass;
              }
            }
            c.passphrases = std::move(out);
          },
          [](const SrtConfig& c, bool with_secrets) {
            return dump_string_map(c.passphrases, with_secrets);
          })
      .custom(
          "pbkeylen",
          [](SrtConfig& c, const YAML::Node& n) {
            auto v = to_uint(n, 32);
            if (v != 16 && v != 24 && v != 32) throw ConfigError("expected 16, 24 or 32");
            c.pbkeylen = static_cast<uint32_t>(v);
          },
          [](const SrtConfig& c, bool) { return std::to_string(c.pbkeylen); });
  return s.module();
}

void describe(ProtocolCatalog& c) {
  c.publishers.push_back("srt");
  c.viewers.push_back({"srt", "ts"});  // players read the "ts" fan-out
}

}  // namespace firstmile::srt
