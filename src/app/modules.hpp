#pragma once
// The server's modules in one place: each declares its configuration section and what it
// publishes and serves; adding a protocol or an output adds it here (and its setup in
// server.cpp), nowhere else in the tree.
#include <memory>
#include <vector>

#include "app/server_schema.hpp"
#include "protocol/endpoint.hpp"
#include "protocol/http/http_context.hpp"
#include "protocol/protocol_catalog.hpp"

namespace firstmile {

// config_schema(): app/server_schema.hpp.
// The protocols /metrics and the API list.
const ProtocolCatalog& protocol_catalog();
// The protocol endpoints the configuration enables, in start order.
std::vector<std::unique_ptr<Endpoint>> make_endpoints(const Config& config, ServerContext& ctx,
                                                      http::HttpContext& http_ctx);

}  // namespace firstmile
