#include "app/modules.hpp"

#include "protocol/http/http_config.hpp"
#include "protocol/http/http_server.hpp"
#include "protocol/rtmp/rtmp_config.hpp"
#include "protocol/rtmp/rtmp_server.hpp"
#include "protocol/rtsp/rtsp_config.hpp"
#include "protocol/rtsp/rtsp_server.hpp"
#include "protocol/srt/srt_config.hpp"
#include "protocol/srt/srt_server.hpp"
#include "protocol/udp/udp_config.hpp"
#include "protocol/udp/udp_server.hpp"

namespace firstmile {

const ProtocolCatalog& protocol_catalog() {
  static const ProtocolCatalog catalog = [] {
    ProtocolCatalog c;
    rtmp::describe(c);
    srt::describe(c);
    rtsp::describe(c);
    udp::describe(c);
    http::describe(c);
    return c;
  }();
  return catalog;
}

std::vector<std::unique_ptr<Endpoint>> make_endpoints(const Config& config, ServerContext& ctx,
                                                      http::HttpContext& http_ctx) {
  std::vector<std::unique_ptr<Endpoint>> out;
  if (config.get<RtmpConfig>().enabled) out.push_back(std::make_unique<rtmp::RtmpServer>(ctx));
  if (config.get<SrtConfig>().enabled) out.push_back(std::make_unique<srt::SrtServer>(ctx));
  if (config.get<RtspConfig>().enabled) out.push_back(std::make_unique<rtsp::RtspServer>(ctx));
  if (!config.get<UdpConfig>().inputs.empty()) out.push_back(std::make_unique<udp::UdpServer>(ctx));
  // Last: the API and /metrics answer once the ingest listeners are bound.
  if (config.get<HttpConfig>().enabled) out.push_back(std::make_unique<http::HttpServer>(http_ctx));
  return out;
}

}  // namespace firstmile
