#include "media/stream_name.hpp"
#include "output/hls/segmenter.hpp"
#include "protocol/http/handlers.hpp"

namespace firstmile::http {

namespace {
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
}  // namespace

std::variant<Response, BufferResponse> handle_hls(ServerContext& ctx, const Request& req,
                                                  const std::string& app, const std::string& name,
                                                  const std::string& file,
                                                  const std::string& client) {
  const auto& cfg = ctx.config.http;
  auto max = ctx.config.stream.max_name_length;
  if (!media::valid_name(app, max) || !media::valid_name(name, max) ||
      !media::valid_name(file, max)) {
    return make_error(req, bhttp::status::not_found, "invalid stream or file name", cfg);
  }
  bool playlist = file == "index.m3u8";
  bool segment = ends_with(file, ".ts");
  if (!playlist && !segment)
    return make_error(req, bhttp::status::not_found, "no such resource", cfg);

  auto stream = ctx.registry.find(app, name);
  if (!stream) return make_error(req, bhttp::status::not_found, "stream not found", cfg);
  if (!stream->hls()) return make_error(req, bhttp::status::not_found, "HLS is disabled", cfg);
  auto snap = stream->hls()->snapshot();
  if (!snap || snap->playlist.empty()) {
    return make_error(req, bhttp::status::not_found, "stream has no HLS segment yet", cfg);
  }

  if (playlist) {
    auto res =
        make_response(req, bhttp::status::ok, "application/vnd.apple.mpegurl", snap->playlist, cfg);
    // A live playlist changes every segment: a CDN may hold it for about half a segment at
    // most. An ended one is final until a reconnect; still keep it short.
    auto max_age =
        snap->ended ? 2 : std::max(1, static_cast<int>(ctx.config.hls.segment_duration / 2));
    res.set(bhttp::field::cache_control, "public, max-age=" + std::to_string(max_age));
    return res;
  }
  const auto* seg = snap->find(file);
  if (seg) stream->note_hls_client(client);
  if (!seg)
    return make_error(req, bhttp::status::not_found, "segment not found (expired or not yet made)",
                      cfg);
  BufferResponse out;
  out.header.result(bhttp::status::ok);
  out.header.version(req.version());
  out.header.set(bhttp::field::server, "firstmile/" FIRSTMILE_VERSION);
  out.header.set(bhttp::field::content_type, "video/mp2t");
  // Segment names are unique per stream instance, so a segment never changes once listed.
  out.header.set(bhttp::field::cache_control, "public, max-age=86400, immutable");
  add_cors(out.header, cfg);
  out.header.keep_alive(req.keep_alive());
  out.header.content_length(seg->data.size());
  out.body = seg->data;
  return out;
}

}  // namespace firstmile::http
