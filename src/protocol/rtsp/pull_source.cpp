#include "protocol/rtsp/pull_source.hpp"

#include <boost/asio/this_coro.hpp>

#include "protocol/pull/source_url.hpp"
#include "protocol/rtsp/pull_attempt.hpp"
#include "protocol/rtsp/wire/source_url.hpp"

namespace firstmile::rtsp {

namespace {
// The URL without credentials, and its query's secrets masked, for logs and the API.
std::string safe_url_of(const std::string& text) {
  auto url = parse_source_url(text);
  if (!url) return "(bad URL)";
  const auto q = url->url.find('?');
  if (q == std::string::npos) return url->url;
  return url->url.substr(0, q + 1) + pull::mask_query_secrets(url->url.substr(q + 1));
}
}  // namespace

PullSource::PullSource(ServerContext& ctx, std::shared_ptr<UdpPortPool> udp_ports, Options options)
    : SourceBase(options, safe_url_of(options.url)),
      ctx_(ctx),
      udp_ports_(std::move(udp_ports)),
      transport_(options.transport) {}

PullSource::~PullSource() = default;

asio::awaitable<Status> PullSource::run_once() {
  if (!begin_attempt()) co_return Status{};
  auto url = parse_source_url(options().url);
  if (!url) {
    end_attempt(url.error(), false);
    co_return url.error();
  }
  const bool use_udp =
      transport_ == PullTransport::Udp || (transport_ == PullTransport::Auto && !udp_failed_);
  auto executor = co_await asio::this_coro::executor;
  auto attempt = std::make_shared<Attempt>(*this, std::move(*url), use_udp, executor);
  auto task = attempt->run();
  Status st = co_await std::move(task);
  if (use_udp && transport_ == PullTransport::Auto && attempt->udp_gave_up()) {
    udp_failed_ = true;
    ctx_.log->warn("rtsp pull source={} UDP does not get through: TCP from now on", label());
  }
  end_attempt(st, attempt->went_idle());
  co_return st;
}

}  // namespace firstmile::rtsp
