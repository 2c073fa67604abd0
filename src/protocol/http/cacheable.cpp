#include "protocol/http/cacheable.hpp"

#include <zlib.h>

#include <boost/json.hpp>

#include "core/bytes.hpp"

#include "protocol/http/wire/conditional.hpp"

namespace firstmile::http {

namespace {

using Clock = std::chrono::system_clock;

struct Decision {
  enum class Kind { Full, NotModified, Partial, Unsatisfiable };
  Kind kind = Kind::Full;
  uint64_t first = 0;
  uint64_t length = 0;
};

// RFC 9110 13.2.2, in its order: If-None-Match decides when present, If-Modified-Since only
// without it; then Range (GET only) under If-Range.
Decision decide(const Request& req, const Validators& v, uint64_t size, Clock::time_point now) {
  Decision d;
  if (auto inm = req.find(bhttp::field::if_none_match); inm != req.end()) {
    if (none_match_hits(inm->value(), v.etag)) d.kind = Decision::Kind::NotModified;
  } else if (auto ims = req.find(bhttp::field::if_modified_since);
             ims != req.end() && v.last_modified) {
    // A Last-Modified within a second of now is a weak validator (8.8.2.2): the object may
    // change again within the same second, so it does not answer 304.
    const auto since = parse_http_date(ims->value());
    const auto modified = std::chrono::floor<std::chrono::seconds>(*v.last_modified);
    if (since && modified <= *since && *v.last_modified + std::chrono::seconds(1) <= now)
      d.kind = Decision::Kind::NotModified;
  }
  if (d.kind == Decision::Kind::NotModified || req.method() != bhttp::verb::get) return d;
  auto range = req.find(bhttp::field::range);
  if (range == req.end()) return d;
  if (auto if_range = req.find(bhttp::field::if_range);
      if_range != req.end() && !if_range_holds(if_range->value(), v.etag, v.last_modified))
    return d;
  const auto answer = select_range(range->value(), size);
  if (answer.kind == RangeAnswer::Kind::Partial) {
    d = {Decision::Kind::Partial, answer.first, answer.length};
  } else if (answer.kind == RangeAnswer::Kind::Unsatisfiable) {
    d.kind = Decision::Kind::Unsatisfiable;
  }
  return d;
}

bool applies(const Request& req, unsigned status) {
  return status == 200 && (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head);
}

void add_validators(bhttp::fields& f, const Validators& v, Clock::time_point now) {
  f.set(bhttp::field::etag, v.etag);
  if (v.last_modified) f.set(bhttp::field::last_modified, http_date(*v.last_modified));
  f.set(bhttp::field::date, http_date(now));
  f.set(bhttp::field::accept_ranges, "bytes");
}

// 304 keeps the fields a cache updates its copy with (15.4.5: Cache-Control, Date, ETag,
// Vary...) and drops those of the body.
void not_modified(bhttp::fields& f) {
  f.erase(bhttp::field::content_type);
  f.erase(bhttp::field::content_length);
  f.erase(bhttp::field::content_encoding);
  f.erase(bhttp::field::accept_ranges);
}

std::string content_range(const Decision& d, uint64_t size) {
  if (d.kind == Decision::Kind::Unsatisfiable) return "bytes */" + std::to_string(size);
  return "bytes " + std::to_string(d.first) + "-" + std::to_string(d.first + d.length - 1) + "/" +
         std::to_string(size);
}

std::string unsatisfiable_body(uint64_t size) {
  boost::json::object o;
  o["error"] =
      "the range asks for bytes past the end of this " + std::to_string(size) + "-byte object";
  return boost::json::serialize(o) + "\n";
}

std::string gzip(const std::string& text) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip wrapper (RFC 1952) rather than zlib's.
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("gzip: deflateInit2 failed");
  std::string out(deflateBound(&zs, text.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate did not finish");
  return out;
}

}  // namespace

Validators immutable_validators(std::string_view app, std::string_view stream,
                                std::string_view file, size_t size,
                                std::optional<Clock::time_point> made) {
  uint64_t h = fnv1a64(app);
  h = fnv1a64("/", h);
  h = fnv1a64(stream, h);
  h = fnv1a64("/", h);
  h = fnv1a64(file, h);
  h = fnv1a64(std::to_string(size), h);
  return {entity_tag(h), made};
}

Validators encode_text(const Request& req, Response& res,
                       std::optional<Clock::time_point> last_modified) {
  res.set(bhttp::field::vary, "Accept-Encoding");
  const uint64_t h = fnv1a64(res.body());
  auto accept = req.find(bhttp::field::accept_encoding);
  if (accept == req.end() || res.body().empty() || !accepts_gzip(accept->value()))
    return {entity_tag(h), last_modified};
  res.body() = gzip(res.body());
  res.set(bhttp::field::content_encoding, "gzip");
  res.prepare_payload();
  // Another representation, another tag (8.8.3: the tags of the two must differ).
  return {entity_tag(h, "-gz"), last_modified};
}

void answer_conditionally(const Request& req, Response& res, const Validators& v,
                          Clock::time_point now) {
  if (!applies(req, res.result_int())) return;
  add_validators(res.base(), v, now);
  const uint64_t size = res.body().size();
  const auto d = decide(req, v, size, now);
  switch (d.kind) {
    case Decision::Kind::Full:
      return;
    case Decision::Kind::NotModified:
      res.result(bhttp::status::not_modified);
      not_modified(res.base());
      res.body().clear();
      return;
    case Decision::Kind::Partial:
      res.result(bhttp::status::partial_content);
      res.set(bhttp::field::content_range, content_range(d, size));
      res.body() = res.body().substr(d.first, d.length);
      res.prepare_payload();
      return;
    case Decision::Kind::Unsatisfiable:
      res.result(bhttp::status::range_not_satisfiable);
      res.set(bhttp::field::content_range, content_range(d, size));
      res.set(bhttp::field::content_type, "application/json");
      res.set(bhttp::field::cache_control, "no-cache");
      res.erase(bhttp::field::content_encoding);
      res.body() = unsatisfiable_body(size);
      res.prepare_payload();
      return;
  }
}

void answer_conditionally(const Request& req, BufferResponse& res, const Validators& v,
                          Clock::time_point now) {
  auto& h = res.header;
  if (!applies(req, h.result_int())) return;
  add_validators(h.base(), v, now);
  const uint64_t size = res.body.size();
  const auto d = decide(req, v, size, now);
  switch (d.kind) {
    case Decision::Kind::Full:
      return;
    case Decision::Kind::NotModified:
      h.result(bhttp::status::not_modified);
      not_modified(h.base());
      res.body = Buffer();
      return;
    case Decision::Kind::Partial:
      h.result(bhttp::status::partial_content);
      h.set(bhttp::field::content_range, content_range(d, size));
      res.body = res.body.slice(d.first, d.length);
      h.content_length(res.body.size());
      return;
    case Decision::Kind::Unsatisfiable: {
      h.result(bhttp::status::range_not_satisfiable);
      h.set(bhttp::field::content_range, content_range(d, size));
      h.set(bhttp::field::content_type, "application/json");
      h.set(bhttp::field::cache_control, "no-cache");
      const std::string text = unsatisfiable_body(size);
      res.body = Buffer::copy(as_bytes(text));
      h.content_length(res.body.size());
      return;
    }
  }
}

}  // namespace firstmile::http
