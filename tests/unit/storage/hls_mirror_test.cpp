// A stream's HLS in the bucket: which objects a snapshot adds and deletes, in what order and
// with what headers, what happens when the uploader has no room; and the s3 section's prefix
// and credentials.
#include "storage/hls_mirror.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "app/server_schema.hpp"
#include "core/config_schema.hpp"
#include "quiet_log.hpp"
#include "storage/s3_config.hpp"

namespace firstmile::storage {
namespace {

hls::HlsSegment segment(uint64_t seq) {
  hls::HlsSegment s;
  s.sequence = seq;
  s.name = "p-" + std::to_string(seq) + ".m4s";
  s.duration = 1.0;
  s.data = Buffer::adopt(Bytes(10, static_cast<uint8_t>(seq)));
  return s;
}

// Segments [first_kept, end) in memory, the playlist listing [listed, end), init "p-init.mp4".
std::shared_ptr<hls::HlsSnapshot> snapshot(uint64_t first_kept, uint64_t listed, uint64_t end,
                                           std::string init = "p-init.mp4") {
  auto s = std::make_shared<hls::HlsSnapshot>();
  for (uint64_t i = first_kept; i < end; ++i)
    s->segments.push_back(segment(i));
  s->media_sequence = listed;
  s->playlist = "#EXTM3U\n#PARTS " + std::to_string(end) + "\n";
  s->file_playlist =
      "#EXTM3U\n# listing " + std::to_string(listed) + ".." + std::to_string(end) + "\n";
  s->inits.push_back(hls::HlsInit{init, Buffer::adopt(Bytes(5, 1))});
  return s;
}

std::vector<std::string> describe(const std::vector<ObjectOp>& ops) {
  std::vector<std::string> out;
  for (const auto& op : ops) {
    out.push_back(std::string(op.kind == ObjectOp::Kind::Put ? "put " : "delete ") + op.key +
                  (op.after_earlier ? " after" : ""));
  }
  return out;
}

using test::quiet_log;

TEST(MirrorTracker, PlansNewFilesThenThePlaylistThenWhatLeft) {
  hls::MirrorTracker t;
  auto first = snapshot(0, 0, 2);
  auto job = t.plan(*first);
  ASSERT_TRUE(job);
  ASSERT_EQ(job->inits.size(), 1u);
  ASSERT_EQ(job->segments.size(), 2u);
  EXPECT_EQ(job->playlist, first->file_playlist);  // LL-HLS parts are not copied
  EXPECT_TRUE(job->remove.empty());
  // Not committed: planned again.
  EXPECT_EQ(t.plan(*first)->segments.size(), 2u);
  t.commit(*job, *first);
  EXPECT_FALSE(t.plan(*first));  // nothing changed (a new LL-HLS part)

  // Segment 2 is new; 0 left the playlist (still in memory for slow clients); a new init.
  auto second = snapshot(0, 1, 3, "p-init-1.mp4");
  job = t.plan(*second);
  ASSERT_TRUE(job);
  ASSERT_EQ(job->segments.size(), 1u);
  EXPECT_EQ(job->segments[0].sequence, 2u);
  EXPECT_EQ(job->inits[0].name, "p-init-1.mp4");
  EXPECT_EQ(job->remove, (std::vector<std::string>{"p-0.m4s", "p-init.mp4"}));
  t.commit(*job, *second);
  EXPECT_EQ(t.written(), (std::vector<std::string>{"p-1.m4s", "p-2.m4s", "p-init-1.mp4"}));
}

TEST(MirrorTracker, UnsafeNamesAreNotCopied) {
  hls::MirrorTracker t;
  auto s = snapshot(0, 0, 1);
  s->segments[0].name = "../escape.m4s";
  auto job = t.plan(*s);
  ASSERT_TRUE(job);
  EXPECT_TRUE(job->segments.empty());
}

TEST(HlsMirror, SegmentsThenThePlaylistThenDeletesAfterTheRetention) {
  auto uploader = std::make_shared<ObjectUploader>(
      UploaderConfig{}, [](asio::any_io_executor) { return nullptr; }, quiet_log());
  HlsMirror mirror(uploader, HlsMirrorConfig{.key_prefix = "live/cam/",
                                             .retention = Duration(30000),
                                             .playlist_max_age = 2});
  hls::MirrorTracker t;
  auto first = snapshot(0, 0, 2);
  auto job = t.plan(*first);
  t.commit(*job, *first);
  auto ops = mirror.operations(*job, 1000);
  EXPECT_EQ(describe(ops),
            (std::vector<std::string>{"put live/cam/p-init.mp4", "put live/cam/p-0.m4s",
                                      "put live/cam/p-1.m4s", "put live/cam/index.m3u8 after"}));
  EXPECT_EQ(ops[1].content_type, "video/iso.segment");
  EXPECT_EQ(ops[1].cache_control, "public, max-age=86400, immutable");
  EXPECT_EQ(ops[1].body, std::string(10, '\0'));
  EXPECT_EQ(ops[3].content_type, "application/vnd.apple.mpegurl");
  EXPECT_EQ(ops[3].cache_control, "public, max-age=2");
  EXPECT_EQ(ops[3].body, first->file_playlist);
  for (const auto& op : ops)
    EXPECT_EQ(op.lane, "live/cam/");

  auto second = snapshot(1, 1, 3);
  ops = mirror.operations(*t.plan(*second), 1000);
  EXPECT_EQ(describe(ops),
            (std::vector<std::string>{"put live/cam/p-2.m4s", "put live/cam/index.m3u8 after",
                                      "delete live/cam/p-0.m4s after"}));
  EXPECT_EQ(ops[2].not_before_ms, 31000);

  // retention: keep
  HlsMirror keeper(uploader, HlsMirrorConfig{.key_prefix = "k/", .retention = Duration(-1)});
  EXPECT_EQ(describe(keeper.operations(*t.plan(*second), 1000)),
            (std::vector<std::string>{"put k/p-2.m4s", "put k/index.m3u8 after"}));
}

TEST(HlsMirror, NoRoomDefersTheWholeSnapshot) {
  UploaderConfig c;
  c.memory_max = 25;  // the init (5) and one segment (10) fit, not two
  auto uploader = std::make_shared<ObjectUploader>(
      c, [](asio::any_io_executor) { return nullptr; }, quiet_log());
  HlsMirror mirror(uploader, HlsMirrorConfig{.key_prefix = "live/cam/"});
  mirror.submit(snapshot(0, 0, 2));
  EXPECT_EQ(mirror.stats().snapshots_deferred, 1u);
  EXPECT_EQ(uploader->stats().queued, 0u);
  // A later, smaller snapshot carries everything not queued yet.
  auto small = snapshot(0, 0, 1);
  small->file_playlist = "#";
  mirror.submit(small);
  EXPECT_EQ(mirror.stats().snapshots_queued, 1u);
  EXPECT_EQ(uploader->stats().queued, 3u);  // init, segment 0, playlist
}

TEST(S3Settings, PrefixFromAppAndStream) {
  EXPECT_EQ(*expand_prefix("{app}/{stream}/", "live", "cam"), "live/cam/");
  EXPECT_EQ(*expand_prefix("hls/{app}-{stream}", "live", "cam"), "hls/live-cam/");
  EXPECT_EQ(*expand_prefix("", "live", "cam"), "");
  EXPECT_FALSE(expand_prefix("{app}/{stream}/", "live", ".."));
  EXPECT_FALSE(expand_prefix("{app}/{stream}/", "li/ve", "cam"));
  EXPECT_FALSE(expand_prefix("/{app}/", "live", "cam"));
  EXPECT_FALSE(expand_prefix("a//{app}/", "live", "cam"));
  EXPECT_FALSE(expand_prefix("../{app}/", "live", "cam"));
  EXPECT_FALSE(expand_prefix("{app}?x/", "live", "cam"));
}

TEST(S3Settings, CredentialsFromTheSectionElseTheEnvironment) {
  S3Settings s;
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_SESSION_TOKEN");
  EXPECT_FALSE(resolve_credentials(s));
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  ::setenv("AWS_SESSION_TOKEN", "envtoken", 1);
  auto c = resolve_credentials(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->session_token, "envtoken");
  s.access_key_id = "AKIDCONF";
  s.secret_access_key = "confsecret";
  c = resolve_credentials(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKIDCONF");
  EXPECT_EQ(c->secret_access_key, "confsecret");
  EXPECT_EQ(c->session_token, "");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_SESSION_TOKEN");
}

TEST(S3Settings, CheckedAtLoadAndSecretsNotPrinted) {
  const auto& schema = config_schema();
  auto load = [&](const std::string& text) { return parse_config(text, "t.yaml", schema); };
  EXPECT_THROW(load("s3:\n  enabled: true\n  bucket: media\n"), ConfigError);  // no credentials
  EXPECT_THROW(load("s3:\n  enabled: true\n  access_key_id: a\n  secret_access_key: b\n"),
               ConfigError);  // no bucket
  EXPECT_THROW(load("s3:\n  prefix: \"../{app}\"\n"), ConfigError);
  EXPECT_THROW(load("s3:\n  retention: forever\n"), ConfigError);
  auto c = load(
      "s3:\n  enabled: true\n  bucket: media\n  access_key_id: AKIDCONF\n"
      "  secret_access_key: verysecret\n  retention: keep\n  endpoint: http://127.0.0.1:9000\n");
  EXPECT_EQ(c.get<S3Settings>().retention.count(), -1);
  const std::string printed = dump_config(c, schema, false);
  EXPECT_EQ(printed.find("verysecret"), std::string::npos);
  EXPECT_EQ(printed.find("AKIDCONF"), std::string::npos);
  EXPECT_NE(printed.find("retention: keep"), std::string::npos);
}

}  // namespace
}  // namespace firstmile::storage
