#include <boost/asio/this_coro.hpp>

#include "control/admission.hpp"
#include "core/stream_name.hpp"
#include "format/query_string.hpp"
#include "output/hls/hls_config.hpp"
#include "output/hls/hls_output.hpp"
#include "output/hls/multivariant.hpp"
#include "output/hls/playlist_waiters.hpp"
#include "output/hls/segmenter.hpp"
#include "protocol/http/cacheable.hpp"
#include "protocol/http/handlers.hpp"
#include "protocol/http/http_config.hpp"
#include "protocol/http/wire/media_request.hpp"
#include "protocol/pull/demand.hpp"

namespace firstmile::http {

namespace {
// Appends the query to one URI: '?' or '&' depending on whether it has one already.
void append_uri_query(std::string& out, std::string_view uri, const std::string& query) {
  out.append(uri);
  out.push_back(uri.find('?') == std::string_view::npos ? '?' : '&');
  out.append(query);
}

std::chrono::milliseconds blocking_timeout(const hls::HlsSnapshot& snap) {
  // 6.2.5.2: a request that cannot be answered within three target durations gets 503.
  return std::chrono::milliseconds(int64_t{3000} * std::max<uint32_t>(snap.target_duration, 1));
}

BufferResponse media_response(const Request& req, const Buffer& data, const char* content_type,
                              const char* visibility, const HttpConfig& cfg,
                              const Validators& validators) {
  BufferResponse out;
  out.header.result(bhttp::status::ok);
  out.header.version(req.version());
  out.header.set(bhttp::field::server, "firstmile/" FIRSTMILE_VERSION);
  out.header.set(bhttp::field::content_type, content_type);
  // Names are unique per stream instance (and per init generation): the bytes never change.
  out.header.set(bhttp::field::cache_control,
                 std::string(visibility) + ", max-age=86400, immutable");
  add_cors(out.header, cfg);
  out.header.keep_alive(req.keep_alive());
  out.header.content_length(data.size());
  out.body = data;
  answer_conditionally(req, out, validators, std::chrono::system_clock::now());
  return out;
}

// A playlist answer: gzip when asked, validators, then the request's conditions.
void finish_playlist(const Request& req, Response& res, const hls::HlsSnapshot& snap) {
  const auto validators = encode_text(req, res, snap.published);
  answer_conditionally(req, res, validators, std::chrono::system_clock::now());
}

}  // namespace

// Appends `query` to every URI of a playlist: URI lines (not starting with '#') and the
// URI="..." attribute of tags (EXT-X-MAP, EXT-X-PART, EXT-X-PRELOAD-HINT).
std::string with_query(const std::string& playlist, const std::string& query) {
  std::string out;
  out.reserve(playlist.size() + 64 * 8);
  size_t pos = 0;
  while (pos < playlist.size()) {
    size_t eol = playlist.find('\n', pos);
    if (eol == std::string::npos) eol = playlist.size();
    std::string_view line(playlist.data() + pos, eol - pos);
    if (line.empty()) {
    } else if (line[0] != '#') {
      append_uri_query(out, line, query);
    } else {
      constexpr std::string_view kUri = "URI=\"";
      size_t at = line.find(kUri);
      // An attribute name starts the list or follows a ',' (not "...-URI=").
      while (at != std::string_view::npos && line[at - 1] != ':' && line[at - 1] != ',')
        at = line.find(kUri, at + 1);
      const size_t close = at == std::string_view::npos ? at : line.find('"', at + kUri.size());
      if (close == std::string_view::npos) {
        out.append(line);
      } else {
        out.append(line.substr(0, at + kUri.size()));
        append_uri_query(out, line.substr(at + kUri.size(), close - at - kUri.size()), query);
        out.append(line.substr(close));
      }
    }
    if (eol < playlist.size()) out.push_back('\n');
    pos = eol + 1;
  }
  return out;
}

asio::awaitable<std::variant<Response, BufferResponse>> handle_hls(ServerContext& ctx,
                                                                   const Request& req,
                                                                   const HlsRequest& hls) {
  const auto& app = hls.app;
  const auto& name = hls.name;
  const auto& file = hls.file;
  const auto& cfg = ctx.config.get<HttpConfig>();
  auto max = ctx.config.stream.max_name_length;
  if (!valid_name(app, max) || !valid_name(name, max) || !valid_name(file, max)) {
    co_return make_error(req, bhttp::status::not_found, "invalid stream or file name", cfg);
  }
  // hls.audio_rendition adds video.m3u8 and audio.m3u8 (demuxed renditions).
  bool playlist = file == "index.m3u8" || file == "video.m3u8" || file == "audio.m3u8";
  bool master = file == "master.m3u8";
  bool ts_segment = file.ends_with(".ts");
  bool m4s = file.ends_with(".m4s");
  bool init = file.ends_with(".mp4");
  if (!playlist && !master && !ts_segment && !m4s && !init)
    co_return make_error(req, bhttp::status::not_found, "no such resource", cfg);

  // Live with a part to show. A stream that is not live (its publish ended, it lingers) may
  // still be served as it is, unless an on-demand source starts for it.
  auto has_segment = [](const std::shared_ptr<media::Stream>& s) {
    if (!s || !s->live()) return false;
    auto out = s->output_as<hls::HlsOutput>("hls");
    auto snap = out ? out->segmenter()->snapshot() : nullptr;
    return snap && !snap->playlist.empty();
  };
  auto stream = ctx.streams.find(app, name);
  if (!has_segment(stream)) {
    // A stream an on-demand pull publishes starts now; the request waits for its first part.
    std::function<bool()> ready = [&] { return has_segment(ctx.streams.find(app, name)); };
    auto waiting = pull::wait_for_demand(ctx, app, name, std::move(ready));
    co_await std::move(waiting);
    stream = ctx.streams.find(app, name);
  }
  if (!stream) co_return make_error(req, bhttp::status::not_found, "stream not found", cfg);
  auto hls_output = stream->output_as<hls::HlsOutput>("hls");
  if (!hls_output) co_return make_error(req, bhttp::status::not_found, "HLS is disabled", cfg);
  auto segmenter = hls_output->segmenter();
  auto snap = segmenter->snapshot();
  if (!snap || snap->playlist.empty()) {
    co_return make_error(req, bhttp::status::not_found, "stream has no HLS segment yet", cfg);
  }
  const bool low_latency = snap->variant == hls::HlsVariant::LowLatency;
  const hls::HlsRendition rendition = file == "video.m3u8"   ? hls::HlsRendition::Video
                                      : file == "audio.m3u8" ? hls::HlsRendition::Audio
                                      : playlist || master   ? hls::HlsRendition::Muxed
                                                             : segmenter->rendition_of(file);

  const char* visibility = hls.private_cache ? "private" : "public";
  if (master) {
    // The multivariant playlist: this stream's media playlist, or its video rendition with the
    // audio one (hls.audio_rendition), measured from the segments in memory; the transcoding
    // ladder adds its renditions here.
    auto video = segmenter->snapshot(hls::HlsRendition::Video);
    auto audio = segmenter->snapshot(hls::HlsRendition::Audio);
    auto text = hls::stream_multivariant(*snap, video.get(), audio.get());
    auto res =
        make_response(req, bhttp::status::ok, "application/vnd.apple.mpegurl",
                      hls.forward_query.empty() ? text : with_query(text, hls.forward_query), cfg);
    res.set(bhttp::field::cache_control, std::string(visibility) + ", max-age=2");
    finish_playlist(req, res, *snap);
    co_return res;
  }
  if (rendition != hls::HlsRendition::Muxed) {
    snap = segmenter->snapshot(rendition);
    if (!snap || snap->playlist.empty())
      co_return make_error(req, bhttp::status::not_found, "no such rendition (yet)", cfg);
  }
  if (playlist) {
    LlHlsDirectives d;
    bool blocking = false;
    if (low_latency) {
      // Only an LL-HLS playlist announces delivery directives; the others ignore the query
      // as they always did.
      auto parsed = parse_ll_hls_directives(hls.query);
      if (!parsed)
        co_return make_error(req, bhttp::status::bad_request, parsed.error().message, cfg);
      d = *parsed;
      blocking = d.msn.has_value();
    }
    if (blocking) {
      // 6.2.5.2: "If the _HLS_msn is greater than the Media Sequence Number of the last Media
      // Segment in the current Playlist plus two, or if the _HLS_part exceeds the last Partial
      // Segment in the current Playlist by the Advance Part Limit, then the server SHOULD
      // immediately return Bad Request".
      // The playlist's last segment: while a segment is held as open, the one before it.
      const uint64_t last = snap->listed_sequence ? *snap->listed_sequence : 0;
      if (*d.msn > last + 2) {
        co_return make_error(req, bhttp::status::bad_request,
                             "_HLS_msn is more than two segments past the playlist", cfg);
      }
      if (d.part) {
        const uint64_t limit = snap->advance_part_limit();
        const bool too_far =
            (*d.msn == snap->open_sequence && *d.part > snap->open_parts + limit) ||
            (*d.msn > snap->open_sequence && *d.part > limit);
        if (too_far) {
          co_return make_error(req, bhttp::status::bad_request,
                               "_HLS_part is past the advance part limit", cfg);
        }
      }
      const uint64_t msn = *d.msn;
      const std::optional<uint64_t> part = d.part;
      hls::PlaylistWaiters::Predicate ready = [msn, part](const hls::HlsSnapshot& s) {
        return part ? s.has_part(msn, *part) : s.has_segment(msn);
      };
      auto wait = segmenter->waiters(rendition).wait(std::move(ready), blocking_timeout(*snap));
      auto result = co_await std::move(wait);
      if (result.outcome == hls::PlaylistWaiters::Outcome::Full) {
        co_return make_error(req, bhttp::status::service_unavailable,
                             "too many blocking playlist requests on this stream", cfg);
      }
      if (result.outcome == hls::PlaylistWaiters::Outcome::TimedOut) {
        co_return make_error(req, bhttp::status::service_unavailable,
                             "the requested segment or part did not appear within three target "
                             "durations",
                             cfg);
      }
      snap = result.snapshot;
    }
    const std::string& text =
        d.skip && !snap->delta_playlist.empty() ? snap->delta_playlist : snap->playlist;
    auto res =
        make_response(req, bhttp::status::ok, "application/vnd.apple.mpegurl",
                      hls.forward_query.empty() ? text : with_query(text, hls.forward_query), cfg);
    int max_age;
    if (blocking && !snap->ended) {
      // The URL names one version of the playlist (_HLS_msn/_HLS_part/_HLS_skip are part of
      // it), so a CDN may keep the answer and give it to every player asking the same: for as
      // long as anyone can ask, the playlist window.
      max_age = static_cast<int>(6 * std::max<uint32_t>(snap->target_duration, 1));
    } else if (low_latency) {
      max_age = snap->ended ? 2 : 1;  // a live LL playlist changes every part
    } else {
      // A live playlist changes every segment: a CDN may hold it for about half a segment at
      // most. An ended one is final until a reconnect; still keep it short.
      max_age =
          snap->ended
              ? 2
              : std::max(1, static_cast<int>(ctx.config.get<HlsSettings>().segment_duration / 2));
    }
    res.set(bhttp::field::cache_control,
            std::string(visibility) + ", max-age=" + std::to_string(max_age));
    finish_playlist(req, res, *snap);
    co_return res;
  }

  if (init) {
    const auto* i = snap->find_init(file);
    if (!i) co_return make_error(req, bhttp::status::not_found, "init segment not found", cfg);
    co_return media_response(req, i->data, "video/mp4", visibility, cfg,
                             immutable_validators(app, name, file, i->data.size(), i->made));
  }

  const Buffer* data = nullptr;
  std::chrono::system_clock::time_point made{};
  if (const auto* seg = snap->find(file)) {
    data = &seg->data;
    made = seg->made;
  } else if (m4s && low_latency) {
    auto id = snap->parse_part_name(file);
    if (id && !snap->resolve_part(*id) && snap->part_pending(*id)) {
      // A part not made yet (the preload hint): wait for it (RFC 8216bis 6.2.6: a server
      // SHOULD block a request for a hinted resource until it is available).
      const hls::HlsPartId want = *id;
      hls::PlaylistWaiters::Predicate ready = [want](const hls::HlsSnapshot& s) {
        return s.resolve_part(want) != nullptr || !s.part_pending(want);
      };
      auto wait = segmenter->waiters(rendition).wait(std::move(ready), blocking_timeout(*snap));
      auto result = co_await std::move(wait);
      if (result.outcome == hls::PlaylistWaiters::Outcome::Full) {
        co_return make_error(req, bhttp::status::service_unavailable,
                             "too many blocking part requests on this stream", cfg);
      }
      if (result.outcome == hls::PlaylistWaiters::Outcome::TimedOut) {
        co_return make_error(req, bhttp::status::service_unavailable,
                             "the part did not appear within three target durations", cfg);
      }
      snap = result.snapshot;
    }
    if (id) {
      if (const auto* p = snap->resolve_part(*id)) {
        data = &p->data;
        made = p->made;
      }
    }
  }
  // A viewer is counted at its first media fetch (LL-HLS players may fetch parts only).
  if (data && hls_output->clients().note(hls.client))
    ctx.admission.http_client_started(*stream, hls.client, hls.query, "hls");
  if (!data) {
    co_return make_error(req, bhttp::status::not_found,
                         m4s ? "segment or part not found (evicted, or not made yet)"
                             : "segment not found (expired or not yet made)",
                         cfg);
  }
  auto out = media_response(req, *data, ts_segment ? "video/mp2t" : "video/mp4", visibility, cfg,
                            immutable_validators(app, name, file, data->size(), made));
  if (req.method() != bhttp::verb::head) hls_output->clients().add_bytes(out.body.size());
  co_return out;
}

}  // namespace firstmile::http
