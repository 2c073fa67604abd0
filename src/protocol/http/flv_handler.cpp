#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sstream>

#include "format/flv.hpp"
#include "output/fanout_config.hpp"
#include "output/fanout_output.hpp"
#include "output/flv/flv_packager.hpp"
#include "output/viewer_attachment.hpp"
#include "protocol/http/handlers.hpp"
#include "protocol/http/http_config.hpp"

namespace firstmile::http {

using namespace boost::asio::experimental::awaitable_operators;

namespace {

// Reads (and discards) whatever the client sends until it closes: an HTTP-FLV client sends
// nothing after its request, so the end of this read is how we learn it went away.
asio::awaitable<void> watch_peer(asio::ip::tcp::socket& socket) {
  std::array<char, 512> scratch;
  for (;;) {
    auto [ec, n] =
        co_await socket.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

}  // namespace

asio::awaitable<void> serve_http_flv(ServerContext& ctx, std::shared_ptr<media::Stream> stream,
                                     asio::ip::tcp::socket socket, Request req,
                                     ConnectionLimiter::Slot slot) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  std::string peer = peer_string(socket);
  if (!stream->has_publisher() || !stream->tracks_ready()) {
    auto res = make_error(req, bhttp::status::not_found, "stream is not live", cfg);
    res.keep_alive(false);
    co_await bhttp::async_write(socket, res, asio::as_tuple(asio::use_awaitable));
    co_return;
  }

  // No Content-Length and no chunked coding: the body is the FLV byte stream until the
  // connection closes (RFC 9112 section 6.3, item 8), identical bytes for every viewer.
  bhttp::response_header<> header;
  header.result(bhttp::status::ok);
  header.version(req.version());
  header.set(bhttp::field::server, "firstmile/" FIRSTMILE_VERSION);
  header.set(bhttp::field::content_type, "video/x-flv");
  header.set(bhttp::field::cache_control, "no-cache, no-store");
  header.set(bhttp::field::connection, "close");
  add_cors(header, cfg);
  std::ostringstream os;
  os << header;
  std::string head = os.str();
  Bytes start(head.begin(), head.end());
  const auto& tracks = stream->tracks();
  format::write_flv_header(start, tracks.audio.has_value(), tracks.video.has_value());

  auto viewer =
      std::make_shared<output::Viewer>(stream->executor(), ctx.config.get<FanoutConfig>());
  output::Packet first;
  first.data = Buffer::adopt(std::move(start));
  first.config = true;
  viewer->push(first);
  bool slow = false;
  viewer->on_close = [&](const std::string& reason) {
    slow = true;
    ctx.log->warn("http-flv viewer dropped stream={} peer={} reason=\"{}\"", stream->log_label(),
                  peer, reason);
  };

  media::ViewerEntry entry;
  entry.protocol = "flv";
  entry.peer = peer;
  auto target = req.target();
  if (auto q = target.find('?'); q != std::string_view::npos)
    entry.query = std::string(target.substr(q + 1));
  entry.kick = [weak = std::weak_ptr<output::Viewer>(viewer)](const std::string& reason) {
    if (auto v = weak.lock()) v->close(reason);
  };
  entry.counters = [weak = std::weak_ptr<output::Viewer>(viewer), &slow] {
    media::ViewerCounters c;
    if (auto v = weak.lock()) {
      const auto& st = v->stats();
      c = {st.bytes_sent, st.packets_dropped, st.skips, slow, {}};
    }
    return c;
  };
  auto viewing = output::ViewerAttachment::attach(
      *stream, "flv", [] { return std::make_unique<output::FlvPackager>(); }, viewer,
      std::move(entry));
  ctx.log->info("http-flv play stream={} peer={}", stream->log_label(), peer);

  co_await (viewer->write_loop(socket) || watch_peer(socket));

  viewing.detach(viewer->close_reason().empty() ? "ended" : viewer->close_reason());
  const auto& st = viewer->stats();
  ctx.log->info("http-flv stop stream={} peer={} bytes={} dropped={} skips={} reason=\"{}\"",
                stream->log_label(), peer, st.bytes_sent, st.packets_dropped, st.skips,
                viewer->close_reason().empty() ? "ended" : viewer->close_reason());
  boost::system::error_code ignored;
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace firstmile::http
