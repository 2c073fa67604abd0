// The configuration file, read over the server's own schema (every module's keys) as start-up
// and a reload read it. Loading may refuse a file, but only with a ConfigError (a reload catches
// that and keeps the running configuration; anything else would escape the control thread).
// Checks: a file that loads prints (--print-config, secrets included) as a file that loads to
// the same configuration: it prints the same and no key differs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/server_schema.hpp"
#include "core/config.hpp"

using namespace firstmile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const ConfigSchema& schema = config_schema();
  Config config;
  try {
    config = parse_config(text, "fuzz.yaml", schema);
  } catch (const ConfigError&) {
    return 0;
  }
  const std::string printed = dump_config(config, schema, true);
  Config again;
  try {
    again = parse_config(printed, "printed.yaml", schema);
  } catch (const ConfigError&) {
    __builtin_trap();  // the printed configuration does not load
  }
  if (dump_config(again, schema, true) != printed) __builtin_trap();
  if (!changed_keys(config, again, schema).empty()) __builtin_trap();
  return 0;
}
