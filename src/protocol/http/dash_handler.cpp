// MPEG-DASH delivery: the MPD, init segments and media segments, with chunked transfer of the
// segment being produced (DASH-IF IOP low-latency mode).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "control/admission.hpp"
#include "core/awaitable.hpp"
#include "core/clock.hpp"
#include "core/stream_name.hpp"
#include "media/stream.hpp"
#include "output/dash/dash_config.hpp"
#include "output/dash/dash_segmenter.hpp"
#include "output/dash/mpd.hpp"
#include "protocol/http/cacheable.hpp"
#include "protocol/http/handlers.hpp"
#include "protocol/http/http_config.hpp"

namespace firstmile::http {

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(30);

// Writes a string response (HEAD: its header only). False when the write failed.
asio::awaitable<bool> write_response(beast::tcp_stream& stream, const Request& req, Response res) {
  stream.expires_after(kWriteTimeout);
  if (req.method() == bhttp::verb::head) {
    res.prepare_payload();
    auto text = header_text(res.base());
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(text), kAwaitable);
    co_return !ec && res.keep_alive();
  }
  auto [ec, n] = co_await bhttp::async_write(stream, res, kAwaitable);
  co_return !ec && res.keep_alive();
}

bhttp::response<bhttp::empty_body> media_header(const Request& req, const char* content_type,
                                                const DashRequest& dash, const HttpConfig& cfg) {
  bhttp::response<bhttp::empty_body> h;
  h.result(bhttp::status::ok);
  h.version(req.version());
  h.set(bhttp::field::server, "firstmile/" FIRSTMILE_VERSION);
  h.set(bhttp::field::content_type, content_type);
  // Names are unique per stream instance and Period: the bytes behind a name never change
  // (a chunked answer ends with the same bytes as the complete segment).
  h.set(bhttp::field::cache_control,
        std::string(dash.private_cache ? "private" : "public") + ", max-age=86400, immutable");
  add_cors(h, cfg);
  h.keep_alive(req.keep_alive());
  return h;
}

// A complete object's answer: the whole of it, or what the request's conditions and range
// leave of it (304, 206, 416).
BufferResponse media_answer(const Request& req, bhttp::response<bhttp::empty_body> h,
                            const Buffer& body, const DashRequest& dash) {
  h.content_length(body.size());
  BufferResponse res{std::move(h), body};
  answer_conditionally(req, res,
                       immutable_validators(dash.app, dash.name, dash.file, body.size(), {}),
                       std::chrono::system_clock::now());
  return res;
}

asio::awaitable<bool> write_buffer(beast::tcp_stream& stream, const Request& req,
                                   BufferResponse res) {
  auto text = header_text(res.header.base());
  const bool head = req.method() == bhttp::verb::head;
  std::array<asio::const_buffer, 2> bufs{asio::buffer(text),
                                         asio::buffer(res.body.data(), head ? 0 : res.body.size())};
  stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await asio::async_write(stream, bufs, kAwaitable);
  co_return !ec && res.header.keep_alive();
}

asio::awaitable<bool> write_chunk(beast::tcp_stream& stream, ByteSpan data) {
  if (data.empty()) co_return true;
  char size_line[24];
  const int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
  std::array<asio::const_buffer, 3> bufs{asio::buffer(size_line, static_cast<size_t>(len)),
                                         asio::buffer(data.data(), data.size()),
                                         asio::buffer("\r\n", 2)};
  stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await asio::async_write(stream, bufs, kAwaitable);
  co_return !ec;
}

// The segment `number` of representation `id` while it is being produced: its chunks so far at
// once, then each one as it is made, then the rest when it completes (RFC 9112 7.1 chunked
// transfer coding). Returns whether the connection may be kept: false when the segment
// disappeared before completing (the publisher left or the stream jumped), since an unfinished
// chunked body can only be signalled by closing.
asio::awaitable<bool> stream_open_segment(beast::tcp_stream& stream, const Request& req,
                                          const DashRequest& dash, const HttpConfig& cfg,
                                          dash::DashSegmenter& segmenter,
                                          std::shared_ptr<const dash::DashSnapshot> snap,
                                          std::string id, uint64_t number) {
  auto h = media_header(req, id == "v" ? "video/mp4" : "audio/mp4", dash, cfg);
  h.chunked(true);
  auto text = header_text(h.base());
  stream.expires_after(kWriteTimeout);
  auto [hec, hn] = co_await asio::async_write(stream, asio::buffer(text), kAwaitable);
  if (hec) co_return false;
  if (req.method() == bhttp::verb::head) co_return h.keep_alive();

  size_t sent_chunks = 0, sent_bytes = 0;
  // A segment never lasts longer than max_segment_duration; past a few times that, give up.
  const auto timeout = std::chrono::milliseconds(
      static_cast<int64_t>(3000 * std::max(1.0, segmenter.config().max_segment_duration)));
  for (;;) {
    const auto* rep = snap->find_representation(id, number);
    if (const auto* done = rep ? rep->find(number) : nullptr) {
      auto rest = done->data.slice(sent_bytes);
      auto task = write_chunk(stream, rest.span());
      if (!co_await std::move(task)) co_return false;
      segmenter.clients().add_bytes(rest.size());
      stream.expires_after(kWriteTimeout);
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer("0\r\n\r\n", 5), kAwaitable);
      co_return !ec && h.keep_alive();
    }
    if (!rep || !rep->open || rep->open->number != number) co_return false;
    const auto& chunks = rep->open->chunks;
    for (; sent_chunks < chunks.size(); ++sent_chunks) {
      auto task = write_chunk(stream, chunks[sent_chunks].span());
      if (!co_await std::move(task)) co_return false;
      sent_bytes += chunks[sent_chunks].size();
      segmenter.clients().add_bytes(chunks[sent_chunks].size());
    }
    const size_t have = sent_chunks;
    dash::DashWaiters::Predicate ready = [id, number, have](const dash::DashSnapshot& s) {
      const auto* r = s.find_representation(id, number);
      if (!r || r->find(number)) return true;  // complete, or gone
      return !r->open || r->open->number != number || r->open->chunks.size() > have;
    };
    auto wait = segmenter.waiters().wait(std::move(ready), timeout);
    auto result = co_await std::move(wait);
    if (result.outcome != dash::DashWaiters::Outcome::Ready || !result.snapshot) co_return false;
    snap = result.snapshot;
  }
}

}  // namespace

Response dash_time_response(const Request& req, const HttpConfig& cfg) {
  auto res = make_response(req, bhttp::status::ok, "text/plain", dash::iso_time(unix_ms()), cfg);
  res.set(bhttp::field::cache_control, "no-store");
  return res;
}

asio::awaitable<bool> serve_dash(ServerContext& ctx, beast::tcp_stream& stream, const Request& req,
                                 const DashRequest& dash) {
  const auto& cfg = ctx.config.get<HttpConfig>();
  auto error = [&](bhttp::status status, std::string_view reason) {
    return write_response(stream, req, make_error(req, status, reason, cfg));
  };
  auto max = ctx.config.stream.max_name_length;
  if (!valid_name(dash.app, max) || !valid_name(dash.name, max) || !valid_name(dash.file, max)) {
    {
      auto task = error(bhttp::status::not_found, "invalid stream or file name");
      co_return co_await std::move(task);
    }
  }
  auto s = ctx.streams.find(dash.app, dash.name);
  if (!s) {
    auto task = error(bhttp::status::not_found, "stream not found");
    co_return co_await std::move(task);
  }
  auto segmenter = s->output_as<dash::DashSegmenter>("dash");
  if (!segmenter) {
    auto task = error(bhttp::status::not_found, "DASH is disabled");
    co_return co_await std::move(task);
  }
  auto snap = segmenter->snapshot();
  if (!snap || !snap->playable()) {
    auto task = error(bhttp::status::not_found, "stream has no DASH segment yet");
    co_return co_await std::move(task);
  }

  if (dash.file == "index.mpd") {
    // The clock players sync with: the operator's URL for GET /time when set; else the
    // server's time as the MPD is made. Never the request's Host header: a cache would keep
    // the MPD with whatever host one client sent and serve it to everybody.
    const auto& time_url = ctx.config.get<DashSettings>().time_url;
    dash::MpdUrls urls{dash.forward_query, time_url,
                       time_url.empty() ? dash::iso_time(unix_ms()) : std::string()};
    auto text = dash::render_mpd(*snap, urls);
    if (text.empty()) {
      auto task = error(bhttp::status::not_found, "stream has no DASH segment yet");
      co_return co_await std::move(task);
    }
    // 23009-1 Annex C: application/dash+xml.
    auto res = make_response(req, bhttp::status::ok, "application/dash+xml", std::move(text), cfg);
    // It changes with every chunk while live; a CDN may hold it for a moment at most.
    const bool live = !snap->ended;
    res.set(bhttp::field::cache_control,
            std::string(dash.private_cache ? "private" : "public") +
                (live && snap->low_latency ? ", max-age=0, no-cache" : ", max-age=1"));
    const auto validators = encode_text(req, res, std::nullopt);
    answer_conditionally(req, res, validators, std::chrono::system_clock::now());
    auto task = write_response(stream, req, std::move(res));
    co_return co_await std::move(task);
  }

  if (dash.file.ends_with("-init.mp4")) {
    const auto* rep = snap->find_init(dash.file);
    if (!rep) {
      auto task = error(bhttp::status::not_found, "init segment not found");
      co_return co_await std::move(task);
    }
    auto answer =
        media_answer(req, media_header(req, rep->id == "v" ? "video/mp4" : "audio/mp4", dash, cfg),
                     rep->init, dash);
    if (req.method() != bhttp::verb::head) segmenter->clients().add_bytes(answer.body.size());
    auto task = write_buffer(stream, req, std::move(answer));
    co_return co_await std::move(task);
  }

  auto parsed = snap->parse_media_name(dash.file);
  if (!parsed) {
    auto task = error(bhttp::status::not_found, "no such resource");
    co_return co_await std::move(task);
  }
  const auto& [id, number] = *parsed;
  const auto* rep = snap->find_representation(id, number);
  // A viewer is counted at its first media fetch (as for HLS), and announced as on_play.
  if (rep && segmenter->clients().note(dash.client))
    ctx.admission.http_client_started(*s, dash.client, dash.query, "dash");
  if (rep) {
    if (const auto* seg = rep->find(number)) {
      auto answer =
          media_answer(req, media_header(req, id == "v" ? "video/mp4" : "audio/mp4", dash, cfg),
                       seg->data, dash);
      if (req.method() != bhttp::verb::head) segmenter->clients().add_bytes(answer.body.size());
      auto task = write_buffer(stream, req, std::move(answer));
      co_return co_await std::move(task);
    }
    if (snap->low_latency && rep->open && rep->open->number == number) {
      auto task = stream_open_segment(stream, req, dash, cfg, *segmenter, snap, id, number);
      co_return co_await std::move(task);
    }
  }
  {
    auto task =
        error(bhttp::status::not_found, "segment not found (evicted, or not available yet)");
    co_return co_await std::move(task);
  }
}

}  // namespace firstmile::http
