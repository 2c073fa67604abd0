#include "protocol/http/cacheable.hpp"

#include <zlib.h>

#include <gtest/gtest.h>

#include "core/bytes.hpp"
#include "protocol/http/wire/conditional.hpp"

namespace firstmile::http {
namespace {

using Clock = std::chrono::system_clock;
using std::chrono::seconds;

const Clock::time_point kNow{seconds(1796640000)};  // Wed, 08 Dec 2026 ...
const std::string kTag = "\"00000000000000aa\"";

Request get(bhttp::verb method = bhttp::verb::get) {
  return Request{method, "/live/s/index.m3u8", 11};
}

Response text_answer(const Request& req, std::string body) {
  HttpConfig cfg;
  auto res =
      make_response(req, bhttp::status::ok, "application/vnd.apple.mpegurl", std::move(body), cfg);
  res.set(bhttp::field::cache_control, "public, max-age=1");
  return res;
}

BufferResponse buffer_answer(const Request& req, size_t size) {
  BufferResponse out;
  out.header.result(bhttp::status::ok);
  out.header.version(11);
  out.header.set(bhttp::field::content_type, "video/mp2t");
  out.header.set(bhttp::field::cache_control, "public, max-age=86400, immutable");
  Bytes bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<uint8_t>(i);
  out.body = Buffer::adopt(std::move(bytes));
  out.header.content_length(size);
  return out;
}

std::string gunzip(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(64 * 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

TEST(Cacheable, AnAnswerCarriesItsValidators) {
  auto req = get();
  auto res = text_answer(req, "#EXTM3U\n");
  answer_conditionally(req, res, {kTag, kNow - seconds(5)}, kNow);
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(res[bhttp::field::etag], kTag);
  EXPECT_EQ(res[bhttp::field::last_modified], http_date(kNow - seconds(5)));
  EXPECT_EQ(res[bhttp::field::date], http_date(kNow));
  EXPECT_EQ(res[bhttp::field::accept_ranges], "bytes");
  EXPECT_EQ(res.body(), "#EXTM3U\n");
}

TEST(Cacheable, MatchingTagIsNotModifiedAndKeepsWhatACacheUpdates) {
  auto req = get();
  req.set(bhttp::field::if_none_match, "\"zz\", " + kTag);
  auto res = text_answer(req, "#EXTM3U\n");
  answer_conditionally(req, res, {kTag, std::nullopt}, kNow);
  EXPECT_EQ(res.result(), bhttp::status::not_modified);
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(res.count(bhttp::field::content_type), 0u);
  EXPECT_EQ(res.count(bhttp::field::content_length), 0u);
  EXPECT_EQ(res[bhttp::field::etag], kTag);
  EXPECT_EQ(res[bhttp::field::cache_control], "public, max-age=1");

  auto media = buffer_answer(req, 100);
  answer_conditionally(req, media, {kTag, std::nullopt}, kNow);
  EXPECT_EQ(media.header.result(), bhttp::status::not_modified);
  EXPECT_TRUE(media.body.empty());
  EXPECT_EQ(media.header.count(bhttp::field::content_length), 0u);
}

TEST(Cacheable, OtherTagGivesTheWholeAnswerWhateverTheDateSays) {
  auto req = get();
  req.set(bhttp::field::if_none_match, "\"old\"");
  req.set(bhttp::field::if_modified_since, http_date(kNow));  // ignored next to If-None-Match
  auto res = text_answer(req, "#EXTM3U\n");
  answer_conditionally(req, res, {kTag, kNow - seconds(60)}, kNow);
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(res.body(), "#EXTM3U\n");
}

TEST(Cacheable, ModifiedSinceComparesWholeSecondsAndDistrustsTheLastOne) {
  const auto modified = kNow - seconds(10) + std::chrono::milliseconds(300);
  auto status_for = [&](const std::string& since, Clock::time_point lm) {
    auto req = get();
    req.set(bhttp::field::if_modified_since, since);
    auto res = text_answer(req, "x");
    answer_conditionally(req, res, {kTag, lm}, kNow);
    return res.result();
  };
  EXPECT_EQ(status_for(http_date(modified), modified), bhttp::status::not_modified);
  EXPECT_EQ(status_for(http_date(modified + seconds(3)), modified), bhttp::status::not_modified);
  EXPECT_EQ(status_for(http_date(modified - seconds(1)), modified), bhttp::status::ok);
  EXPECT_EQ(status_for("not a date", modified), bhttp::status::ok);
  // Changed within the last second: it may change again within the same second (a weak
  // validator, RFC 9110 8.8.2.2), so no 304 on the date alone.
  const auto fresh = kNow - std::chrono::milliseconds(400);
  EXPECT_EQ(status_for(http_date(kNow), fresh), bhttp::status::ok);
}

TEST(Cacheable, RangeOfATextAndOfASegment) {
  auto req = get();
  req.set(bhttp::field::range, "bytes=2-4");
  auto res = text_answer(req, "0123456789");
  answer_conditionally(req, res, {kTag, std::nullopt}, kNow);
  EXPECT_EQ(res.result(), bhttp::status::partial_content);
  EXPECT_EQ(res.body(), "234");
  EXPECT_EQ(res[bhttp::field::content_range], "bytes 2-4/10");
  EXPECT_EQ(res[bhttp::field::content_length], "3");

  req.set(bhttp::field::range, "bytes=-16");
  auto media = buffer_answer(req, 1000);
  answer_conditionally(req, media, {kTag, std::nullopt}, kNow);
  EXPECT_EQ(media.header.result(), bhttp::status::partial_content);
  EXPECT_EQ(media.header[bhttp::field::content_range], "bytes 984-999/1000");
  EXPECT_EQ(media.header[bhttp::field::content_length], "16");
  ASSERT_EQ(media.body.size(), 16u);
  EXPECT_EQ(media.body[0], static_cast<uint8_t>(984 % 256));
}

TEST(Cacheable, RangePastTheEndIs416WithTheSize) {
  auto req = get();
  req.set(bhttp::field::range, "bytes=1000-");
  auto media = buffer_answer(req, 1000);
  answer_conditionally(req, media, {kTag, std::nullopt}, kNow);
  EXPECT_EQ(media.header.result(), bhttp::status::range_not_satisfiable);
  EXPECT_EQ(media.header[bhttp::field::content_range], "bytes */1000");
  EXPECT_EQ(media.header[bhttp::field::content_type], "application/json");
  EXPECT_EQ(media.header[bhttp::field::content_length], std::to_string(media.body.size()));
  EXPECT_GT(media.body.size(), 10u);
}

TEST(Cacheable, RangeIgnoredForHeadAndUnderAStaleIfRange) {
  auto head = get(bhttp::verb::head);
  head.set(bhttp::field::range, "bytes=0-1");
  auto a = buffer_answer(head, 100);
  answer_conditionally(head, a, {kTag, std::nullopt}, kNow);
  EXPECT_EQ(a.header.result(), bhttp::status::ok);
  EXPECT_EQ(a.body.size(), 100u);

  auto req = get();
  req.set(bhttp::field::range, "bytes=0-1");
  req.set(bhttp::field::if_range, "\"other\"");
  auto b = buffer_answer(req, 100);
  answer_conditionally(req, b, {kTag, std::nullopt}, kNow);
  EXPECT_EQ(b.header.result(), bhttp::status::ok);
  EXPECT_EQ(b.body.size(), 100u);

  req.set(bhttp::field::if_range, kTag);
  auto c = buffer_answer(req, 100);
  answer_conditionally(req, c, {kTag, std::nullopt}, kNow);
  EXPECT_EQ(c.header.result(), bhttp::status::partial_content);
  EXPECT_EQ(c.body.size(), 2u);
}

TEST(Cacheable, OnlySuccessfulReadsAreTouched) {
  auto req = get();
  req.set(bhttp::field::if_none_match, "*");
  HttpConfig cfg;
  auto err = make_error(req, bhttp::status::not_found, "stream not found", cfg);
  const std::string before = err.body();
  answer_conditionally(req, err, {kTag, std::nullopt}, kNow);
  EXPECT_EQ(err.result(), bhttp::status::not_found);
  EXPECT_EQ(err.body(), before);
  EXPECT_EQ(err.count(bhttp::field::etag), 0u);

  auto del = get(bhttp::verb::delete_);
  del.set(bhttp::field::if_none_match, "*");
  auto res = text_answer(del, "x");
  answer_conditionally(del, res, {kTag, std::nullopt}, kNow);
  EXPECT_EQ(res.result(), bhttp::status::ok);
}

TEST(Cacheable, TextIsGzippedWhenAskedWithItsOwnTag) {
  std::string playlist = "#EXTM3U\n#EXT-X-VERSION:7\n";
  for (int i = 0; i < 50; ++i)
    playlist += "#EXTINF:2.000,\nsegment" + std::to_string(i) + ".m4s\n";

  auto plain_req = get();
  auto plain = text_answer(plain_req, playlist);
  auto plain_v = encode_text(plain_req, plain, std::nullopt);
  EXPECT_EQ(plain.body(), playlist);
  EXPECT_EQ(plain.count(bhttp::field::content_encoding), 0u);
  EXPECT_EQ(plain[bhttp::field::vary], "Accept-Encoding");
  EXPECT_EQ(plain_v.etag, entity_tag(fnv1a64(playlist)));

  auto req = get();
  req.set(bhttp::field::accept_encoding, "gzip, deflate, br");
  auto res = text_answer(req, playlist);
  auto v = encode_text(req, res, kNow);
  EXPECT_EQ(res[bhttp::field::content_encoding], "gzip");
  EXPECT_EQ(res[bhttp::field::vary], "Accept-Encoding");
  EXPECT_EQ(res[bhttp::field::content_length], std::to_string(res.body().size()));
  EXPECT_LT(res.body().size(), playlist.size() / 3);
  EXPECT_EQ(gunzip(res.body()), playlist);
  EXPECT_EQ(v.etag, entity_tag(fnv1a64(playlist), "-gz"));
  EXPECT_NE(v.etag, plain_v.etag);
  EXPECT_EQ(v.last_modified, kNow);

  // A cache revalidating the gzip form with its tag gets 304.
  req.set(bhttp::field::if_none_match, v.etag);
  answer_conditionally(req, res, v, kNow);
  EXPECT_EQ(res.result(), bhttp::status::not_modified);
  EXPECT_EQ(res.count(bhttp::field::content_encoding), 0u);
}

TEST(Cacheable, ImmutableTagsDifferByNameAndSize) {
  auto a = immutable_validators("live", "s", "1.ts", 100, std::nullopt);
  EXPECT_EQ(a.etag, immutable_validators("live", "s", "1.ts", 100, std::nullopt).etag);
  EXPECT_NE(a.etag, immutable_validators("live", "s", "2.ts", 100, std::nullopt).etag);
  EXPECT_NE(a.etag, immutable_validators("live", "t", "1.ts", 100, std::nullopt).etag);
  EXPECT_NE(a.etag, immutable_validators("live", "s", "1.ts", 101, std::nullopt).etag);
  EXPECT_NE(a.etag, immutable_validators("lives", "", "1.ts", 100, std::nullopt).etag);
  EXPECT_EQ(a.etag.size(), 18u);
}

}  // namespace
}  // namespace firstmile::http
