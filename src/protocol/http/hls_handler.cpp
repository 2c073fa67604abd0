#include "control/control_plane.hpp"
#include "media/stream_name.hpp"
#include "output/hls/segmenter.hpp"
#include "protocol/http/handlers.hpp"

namespace firstmile::http {

namespace {
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
}  // namespace

// Appends `query` to every URI line of a playlist (lines not starting with '#').
std::string with_query(const std::string& playlist, const std::string& query) {
  std::string out;
  out.reserve(playlist.size() + 64 * 8);
  size_t pos = 0;
  while (pos < playlist.size()) {
    size_t eol = playlist.find('\n', pos);
    if (eol == std::string::npos) eol = playlist.size();
    std::string_view line(playlist.data() + pos, eol - pos);
    out.append(line);
    if (!line.empty() && line[0] != '#') out.append("?").append(query);
    if (eol < playlist.size()) out.push_back('\n');
    pos = eol + 1;
  }
  return out;
}

std::variant<Response, BufferResponse> handle_hls(ServerContext& ctx, const Request& req,
                                                  const HlsRequest& hls) {
  const auto& app = hls.app;
  const auto& name = hls.name;
  const auto& file = hls.file;
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

  const char* visibility = hls.private_cache ? "private" : "public";
  if (playlist) {
    auto res = make_response(
        req, bhttp::status::ok, "application/vnd.apple.mpegurl",
        hls.forward_query.empty() ? snap->playlist : with_query(snap->playlist, hls.forward_query),
        cfg);
    // A live playlist changes every segment: a CDN may hold it for about half a segment at
    // most. An ended one is final until a reconnect; still keep it short.
    auto max_age =
        snap->ended ? 2 : std::max(1, static_cast<int>(ctx.config.hls.segment_duration / 2));
    res.set(bhttp::field::cache_control,
            std::string(visibility) + ", max-age=" + std::to_string(max_age));
    return res;
  }
  const auto* seg = snap->find(file);
  if (seg && stream->note_hls_client(hls.client))
    ctx.control.hls_client_started(*stream, hls.client, hls.query);
  if (!seg)
    return make_error(req, bhttp::status::not_found, "segment not found (expired or not yet made)",
                      cfg);
  BufferResponse out;
  out.header.result(bhttp::status::ok);
  out.header.version(req.version());
  out.header.set(bhttp::field::server, "firstmile/" FIRSTMILE_VERSION);
  out.header.set(bhttp::field::content_type, "video/mp2t");
  // Segment names are unique per stream instance, so a segment never changes once listed.
  out.header.set(bhttp::field::cache_control,
                 std::string(visibility) + ", max-age=86400, immutable");
  add_cors(out.header, cfg);
  out.header.keep_alive(req.keep_alive());
  out.header.content_length(seg->data.size());
  out.body = seg->data;
  if (req.method() != bhttp::verb::head) stream->add_hls_bytes(seg->data.size());
  return out;
}

}  // namespace firstmile::http
