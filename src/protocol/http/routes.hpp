#pragma once
// Every route the HTTP server answers, registered in one place.
#include "protocol/http/http_context.hpp"
#include "protocol/http/router.hpp"

namespace firstmile::http {

// The route table of the HTTP server: health, time, metrics, the API, HTTP-FLV, DASH, HLS and
// (with http.static_dir) the console's files. A new protocol adds its routes here, one call
// each (WHIP: POST /{app}/{stream}/whip, PATCH and DELETE on its session resource).
Router make_routes(HttpContext& ctx);

}  // namespace firstmile::http
