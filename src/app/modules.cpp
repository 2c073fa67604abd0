#include "app/modules.hpp"

#include "protocol/http/http_config.hpp"
#include "protocol/http/http_server.hpp"
#include "protocol/pull/pull_manager.hpp"
#include "protocol/rtmp/pull_source.hpp"
#include "protocol/rtmp/rtmp_config.hpp"
#include "protocol/rtmp/rtmp_server.hpp"
#include "protocol/rtsp/pull_source.hpp"
#include "protocol/rtsp/rtsp_config.hpp"
#include "protocol/rtsp/rtsp_server.hpp"
#include "protocol/srt/srt_config.hpp"
#include "protocol/srt/srt_pull_source.hpp"
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
  // One pool of RTSP UDP ports for the RTSP server's sessions and the camera pulls.
  auto rtsp_udp_ports = rtsp::make_udp_port_pool(config);
  if (config.get<RtspConfig>().enabled)
    out.push_back(std::make_unique<rtsp::RtspServer>(ctx, rtsp_udp_ports));
  if (!config.get<UdpConfig>().inputs.empty()) out.push_back(std::make_unique<udp::UdpServer>(ctx));
  {
    // Always made: the API adds sources at run time.
    std::map<std::string, pull::SourceFactory> factories;
    factories["rtsp"] =
        [&ctx, rtsp_udp_ports](
            const std::string& app, const std::string& stream,
            const PullSourceConfig& source) -> Result<std::shared_ptr<pull::Source>> {
      auto transport = rtsp::parse_pull_transport(source.transport);
      if (!transport) return transport.error();
      rtsp::PullSource::Options options;
      static_cast<pull::SourceOptions&>(options) =
          pull::source_options(app, stream, source, ctx.config.get<PullConfig>());
      options.transport = *transport;
      return std::shared_ptr<pull::Source>(
          std::make_shared<rtsp::PullSource>(ctx, rtsp_udp_ports, std::move(options)));
    };
    // Relays: the server plays from an RTMP origin or calls an SRT listener and publishes what
    // it gets.
    factories["rtmp"] =
        [&ctx](const std::string& app, const std::string& stream,
               const PullSourceConfig& source) -> Result<std::shared_ptr<pull::Source>> {
      return std::shared_ptr<pull::Source>(std::make_shared<rtmp::PullSource>(
          ctx, pull::source_options(app, stream, source, ctx.config.get<PullConfig>())));
    };
    factories["srt"] =
        [&ctx](const std::string& app, const std::string& stream,
               const PullSourceConfig& source) -> Result<std::shared_ptr<pull::Source>> {
      srt::PullSource::Options options;
      static_cast<pull::SourceOptions&>(options) =
          pull::source_options(app, stream, source, ctx.config.get<PullConfig>());
      options.latency = ctx.config.get<SrtConfig>().latency;
      return std::shared_ptr<pull::Source>(std::make_shared<srt::PullSource>(ctx, options));
    };
    auto pulls = std::make_unique<pull::PullManager>(ctx, std::move(factories));
    http_ctx.pulls = pulls.get();
    out.push_back(std::move(pulls));
  }
  // Last: the API and /metrics answer once the ingest listeners are bound.
  if (config.get<HttpConfig>().enabled) out.push_back(std::make_unique<http::HttpServer>(http_ctx));
  return out;
}

}  // namespace firstmile
