#pragma once
// The server's modules in one place: each declares its configuration section and what it
// publishes and serves; adding a protocol or an output adds it here (and its setup in
// server.cpp), nowhere else in the tree.
#include "core/config_schema.hpp"
#include "protocol/protocol_catalog.hpp"

namespace firstmile {

// Every configuration key, in --print-config order.
const ConfigSchema& config_schema();
// The protocols /metrics and the API list.
const ProtocolCatalog& protocol_catalog();

}  // namespace firstmile
