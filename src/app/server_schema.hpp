#pragma once
// The server's configuration schema: every module's keys, in --print-config order. Apart from
// the rest of app/modules.hpp (which builds the servers) so that code reading configuration
// alone, such as the config file fuzz target, needs only the modules' config sources.
#include "core/config_schema.hpp"

namespace firstmile {

// Every configuration key, in --print-config order.
const ConfigSchema& config_schema();

}  // namespace firstmile
