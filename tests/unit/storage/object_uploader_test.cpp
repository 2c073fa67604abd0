// The uploader against a store of the test's own: order within a stream's lane under random
// request times, the spool while the store fails (and across a restart), drops and refusals,
// and no retry storm when the store refuses everything.
#include "storage/object_uploader.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "quiet_log.hpp"
#include "storage/spool.hpp"

namespace firstmile::storage {
namespace {

using namespace std::chrono_literals;

using test::quiet_log;

struct Call {
  std::string key;
  std::string body;
  bool put = true;
  int started = 0;   // order in which requests started
  int finished = 0;  // and finished
};

// Answers after a random delay (0-15 ms) so that requests overlap and finish out of order.
class FakeStore final : public ObjectStore {
 public:
  std::atomic<int> mode{0};  // 0 ok, 1 network failure, 2 store refuses all
  std::string reject_key;

  asio::awaitable<StoreResult> put(const ObjectOp& op) override {
    auto r = co_await serve(op.key, op.body, true);
    co_return r;
  }
  asio::awaitable<StoreResult> remove(const std::string& key) override {
    auto r = co_await serve(key, "", false);
    co_return r;
  }
  asio::awaitable<StoreResult> check() override { co_return StoreResult{}; }

  std::vector<Call> done() {
    std::lock_guard lock(mutex);
    return calls;
  }
  int attempts() {
    std::lock_guard lock(mutex);
    return tries;
  }

 private:
  asio::awaitable<StoreResult> serve(std::string key, std::string body, bool put) {
    int started;
    int delay;
    {
      std::lock_guard lock(mutex);
      started = ++clock;
      ++tries;
      delay = std::uniform_int_distribution<int>(0, 15)(rng);
    }
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(delay));
    co_await t.async_wait(asio::use_awaitable);
    StoreResult r;
    if (mode == 1) {
      r.outcome = StoreResult::Outcome::Retry;
      r.error = "connection refused";
      co_return r;
    }
    if (mode == 2) {
      r.outcome = StoreResult::Outcome::Store;
      r.error = "HTTP 403 InvalidAccessKeyId";
      co_return r;
    }
    if (key == reject_key) {
      r.outcome = StoreResult::Outcome::Rejected;
      r.error = "HTTP 400 KeyTooLongError";
      co_return r;
    }
    std::lock_guard lock(mutex);
    calls.push_back(Call{key, body, put, started, ++clock});
    co_return r;
  }

  std::mutex mutex;
  std::vector<Call> calls;
  int clock = 0;
  int tries = 0;
  std::minstd_rand rng{42};
};

ObjectOp put(const std::string& lane, const std::string& key, std::string body,
             bool after = false) {
  return ObjectOp{.kind = ObjectOp::Kind::Put,
                  .lane = lane,
                  .key = key,
                  .content_type = content_type_for(key),
                  .body = std::move(body),
                  .after_earlier = after};
}

ObjectOp del(const std::string& lane, const std::string& key, int64_t not_before = 0) {
  return ObjectOp{.kind = ObjectOp::Kind::Delete,
                  .lane = lane,
                  .key = key,
                  .after_earlier = true,
                  .not_before_ms = not_before};
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit = 5000ms) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return done();
}

struct ObjectUploaderTest : ::testing::Test {
  std::filesystem::path dir;
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("fm-uploader-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  UploaderConfig config() {
    UploaderConfig c;
    c.concurrency = 4;
    c.spool_dir = dir.string();
    c.retry_min = 5ms;
    c.retry_max = 40ms;
    return c;
  }
  size_t spool_files() {
    size_t n = 0;
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(dir, ec))
      n += f.path().extension() == ".op" ? 1 : 0;
    return n;
  }
};

StoreFactory factory(const std::shared_ptr<FakeStore>& store) {
  return [store](asio::any_io_executor) { return store; };
}

TEST_F(ObjectUploaderTest, PlaylistsWaitForTheirSegmentsAndKeepTheirOrder) {
  auto store = std::make_shared<FakeStore>();
  ObjectUploader up(config(), factory(store), quiet_log());
  up.start();
  // Two streams, 30 snapshots each: two segments then the playlist naming them.
  for (int i = 0; i < 30; ++i) {
    for (const std::string lane : {"a/", "b/"}) {
      std::vector<ObjectOp> ops;
      ops.push_back(put(lane, lane + std::to_string(2 * i) + ".ts", "x"));
      ops.push_back(put(lane, lane + std::to_string(2 * i + 1) + ".ts", "y"));
      ops.push_back(put(lane, lane + "index.m3u8", "v" + std::to_string(i), true));
      if (i >= 3) ops.push_back(del(lane, lane + std::to_string(2 * (i - 3)) + ".ts"));
      ASSERT_TRUE(up.enqueue(std::move(ops)));
    }
  }
  ASSERT_TRUE(wait_for([&] { return up.idle(); }));
  auto calls = store->done();
  ASSERT_EQ(calls.size(), 2u * (30 * 3 + 27));
  bool overlapped = false;
  for (const std::string lane : {"a/", "b/"}) {
    int last_version = -1;
    for (const auto& c : calls) {
      if (c.key != lane + "index.m3u8") continue;
      const int version = std::stoi(c.body.substr(1));
      EXPECT_GT(version, last_version) << "an older playlist overwrote a newer one";
      last_version = version;
      // Every segment the playlist names finished before it started.
      for (const auto& s : calls) {
        if (!s.put || s.key.rfind(lane, 0) != 0 || !s.key.ends_with(".ts")) continue;
        const int n = std::stoi(s.key.substr(lane.size()));
        if (n / 2 <= version) {
          EXPECT_LT(s.finished, c.started) << s.key << " after playlist v" << version;
        }
      }
    }
    EXPECT_EQ(last_version, 29);
    // A segment is deleted only after the playlist that dropped it was stored.
    for (const auto& d : calls) {
      if (d.put) continue;
      const int n = std::stoi(d.key.substr(lane.size()));
      if (d.key.rfind(lane, 0) != 0) continue;
      for (const auto& c : calls) {
        if (c.key == lane + "index.m3u8" && std::stoi(c.body.substr(1)) == n / 2 + 3) {
          EXPECT_LT(c.finished, d.started) << d.key;
        }
      }
    }
  }
  // Requests did run side by side (else the order would prove nothing).
  for (size_t i = 1; i < calls.size() && !overlapped; ++i)
    overlapped = calls[i].started < calls[i - 1].finished - 1;
  EXPECT_TRUE(overlapped);
  auto s = up.stats();
  EXPECT_EQ(s.uploaded, 2u * 90);
  EXPECT_EQ(s.deleted, 2u * 27);
  EXPECT_EQ(s.memory_bytes, 0u);
}

TEST_F(ObjectUploaderTest, FailingStoreSpoolsAndARestartDrainsInOrder) {
  auto store = std::make_shared<FakeStore>();
  store->mode = 1;
  {
    ObjectUploader up(config(), factory(store), quiet_log());
    up.start();
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(up.enqueue({put("s/", "s/" + std::to_string(i) + ".ts", std::string(1000, 'a')),
                              put("s/", "s/index.m3u8", "v" + std::to_string(i), true)}));
    }
    ASSERT_TRUE(wait_for([&] { return spool_files() == 20; })) << spool_files();
    auto s = up.stats();
    EXPECT_TRUE(s.failing);
    EXPECT_EQ(s.last_error, "connection refused");
    EXPECT_GE(s.failed_attempts, 1u);
    EXPECT_EQ(s.spooled, 20u);
    EXPECT_EQ(s.spool_bytes, 10u * 1000 + 20);  // bodies
    EXPECT_EQ(s.memory_bytes, 0u);
    up.stop();
  }
  EXPECT_EQ(spool_files(), 20u);
  EXPECT_TRUE(store->done().empty());

  // The next run: the store works again.
  auto fresh = std::make_shared<FakeStore>();
  ObjectUploader up(config(), factory(fresh), quiet_log());
  EXPECT_EQ(up.stats().queued, 0u);
  up.start();
  ASSERT_TRUE(up.enqueue({put("s/", "s/10.ts", "new"), put("s/", "s/index.m3u8", "v10", true)}));
  ASSERT_TRUE(wait_for([&] { return up.idle(); }));
  auto calls = fresh->done();
  ASSERT_EQ(calls.size(), 22u);
  std::vector<std::string> playlists;
  for (const auto& c : calls) {
    if (c.key == "s/index.m3u8") playlists.push_back(c.body);
    if (c.key.ends_with(".ts") && c.key != "s/10.ts") EXPECT_EQ(c.body, std::string(1000, 'a'));
  }
  ASSERT_EQ(playlists.size(), 11u);
  for (size_t i = 0; i < playlists.size(); ++i)
    EXPECT_EQ(playlists[i], "v" + std::to_string(i));
  EXPECT_EQ(spool_files(), 0u);
  EXPECT_EQ(up.stats().spool_bytes, 0u);
}

TEST_F(ObjectUploaderTest, RecoversWithoutARestart) {
  auto store = std::make_shared<FakeStore>();
  store->mode = 1;
  ObjectUploader up(config(), factory(store), quiet_log());
  up.start();
  ASSERT_TRUE(up.enqueue({put("s/", "s/0.ts", "a"), put("s/", "s/index.m3u8", "v0", true)}));
  ASSERT_TRUE(wait_for([&] { return up.stats().failed_attempts >= 3; }));
  ASSERT_TRUE(up.enqueue({put("s/", "s/1.ts", "b"), put("s/", "s/index.m3u8", "v1", true)}));
  EXPECT_TRUE(wait_for([&] { return spool_files() == 4; }));
  store->mode = 0;
  ASSERT_TRUE(wait_for([&] { return up.idle(); }));
  auto calls = store->done();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[3].body, "v1");
  EXPECT_FALSE(up.stats().failing);
  EXPECT_EQ(spool_files(), 0u);
}

TEST_F(ObjectUploaderTest, AStoreThatRefusesEverythingIsTriedSlowly) {
  auto store = std::make_shared<FakeStore>();
  store->mode = 2;
  auto c = config();
  c.retry_min = 1ms;
  c.retry_max = 1ms;
  c.store_retry = 150ms;
  ObjectUploader up(c, factory(store), quiet_log());
  up.start();
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(up.enqueue({put("s/", "s/" + std::to_string(i) + ".ts", "a")}));
  std::this_thread::sleep_for(500ms);
  // The first wave (at most `concurrency` requests), then one every store_retry.
  EXPECT_LE(store->attempts(), 4 + 500 / 150 + 1);
  EXPECT_EQ(up.stats().last_error, "HTTP 403 InvalidAccessKeyId");
}

TEST_F(ObjectUploaderTest, ObjectRefusedForGoodIsDroppedAndOthersGoOn) {
  auto store = std::make_shared<FakeStore>();
  store->reject_key = "s/bad.ts";
  ObjectUploader up(config(), factory(store), quiet_log());
  up.start();
  ASSERT_TRUE(up.enqueue({put("s/", "s/bad.ts", "a"), put("s/", "s/good.ts", "b"),
                          put("s/", "s/index.m3u8", "v", true)}));
  ASSERT_TRUE(wait_for([&] { return up.idle(); }));
  EXPECT_EQ(store->done().size(), 2u);
  EXPECT_EQ(up.stats().rejected, 1u);
}

TEST_F(ObjectUploaderTest, NoRoomRefusesTheWholeBatch) {
  auto store = std::make_shared<FakeStore>();
  auto c = config();
  c.memory_max = 1000;
  ObjectUploader up(c, factory(store), quiet_log());
  // Not started: nothing drains.
  EXPECT_TRUE(up.enqueue({put("s/", "s/0.ts", std::string(600, 'a'))}));
  EXPECT_FALSE(up.enqueue(
      {put("s/", "s/1.ts", std::string(300, 'a')), put("s/", "s/2.ts", std::string(300, 'a'))}));
  EXPECT_EQ(up.stats().refused, 1u);
  up.start();
  ASSERT_TRUE(wait_for([&] { return up.idle(); }));
  EXPECT_EQ(store->done().size(), 1u);
}

TEST_F(ObjectUploaderTest, DeletesWaitForTheirTime) {
  auto store = std::make_shared<FakeStore>();
  ObjectUploader up(config(), factory(store), quiet_log());
  up.start();
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  ASSERT_TRUE(up.enqueue({del("s/", "s/0.ts", now + 300), put("s/", "s/1.ts", "a")}));
  ASSERT_TRUE(wait_for([&] { return store->done().size() == 1; }));
  EXPECT_EQ(store->done()[0].key, "s/1.ts");  // not held up by the delete
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(store->done().size(), 1u);
  ASSERT_TRUE(wait_for([&] { return up.idle(); }));
  EXPECT_EQ(store->done()[1].key, "s/0.ts");
}

TEST_F(ObjectUploaderTest, StopSpoolsWhatWaits) {
  auto store = std::make_shared<FakeStore>();
  ObjectUploader up(config(), factory(store), quiet_log());
  up.start();
  const auto later = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() +
                     60000;
  ASSERT_TRUE(up.enqueue({del("s/", "s/0.ts", later)}));
  up.stop(Duration(50));
  EXPECT_EQ(spool_files(), 1u);
  EXPECT_FALSE(up.enqueue({put("s/", "s/1.ts", "a")}));
}

TEST(Spool, RoundTrip) {
  ObjectOp op{.kind = ObjectOp::Kind::Put,
              .lane = "live/cam one/",
              .key = "live/cam one/seg\n1.ts",
              .content_type = "video/mp2t",
              .cache_control = "public, max-age=86400, immutable",
              .body = std::string("\0\n\nbody", 7),
              .after_earlier = true,
              .not_before_ms = 1700000000123};
  const std::string data = encode_spool_entry(op);
  auto back = decode_spool_entry(data);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->kind, op.kind);
  EXPECT_EQ(back->lane, op.lane);
  EXPECT_EQ(back->key, op.key);
  EXPECT_EQ(back->content_type, op.content_type);
  EXPECT_EQ(back->cache_control, op.cache_control);
  EXPECT_EQ(back->body, op.body);
  EXPECT_TRUE(back->after_earlier);
  EXPECT_EQ(back->not_before_ms, op.not_before_ms);
  uint64_t size = 0;
  auto head = decode_spool_entry(std::string_view(data).substr(0, data.size() - 3), true, &size);
  ASSERT_TRUE(head);
  EXPECT_EQ(size, 7u);
  EXPECT_TRUE(head->body.empty());
}

TEST(Spool, RefusesDamagedFiles) {
  ObjectOp op{.kind = ObjectOp::Kind::Delete, .lane = "l", .key = "k"};
  const std::string good = encode_spool_entry(op);
  ASSERT_TRUE(decode_spool_entry(good));
  EXPECT_FALSE(decode_spool_entry(good + "x"));                               // longer than said
  EXPECT_FALSE(decode_spool_entry(good.substr(0, good.size() - 1)));          // header cut
  EXPECT_FALSE(decode_spool_entry("firstmile-spool 2\n" + good.substr(18)));  // other version
  std::string bad_escape = good;
  bad_escape.replace(bad_escape.find("lane l"), 6, "lane %G");
  EXPECT_FALSE(decode_spool_entry(bad_escape));
  std::string no_key = good;
  no_key.replace(no_key.find("key k"), 5, "key ");
  EXPECT_FALSE(decode_spool_entry(no_key));
  EXPECT_EQ(spool_sequence("/x/00000000000000000042.op"), 42u);
  EXPECT_FALSE(spool_sequence("/x/42.op"));
  EXPECT_FALSE(spool_sequence("/x/0000000000000000004x.op"));
  EXPECT_EQ(spool_path("/x", 42).string(), "/x/00000000000000000042.op");
}

TEST(ContentType, ByName) {
  EXPECT_EQ(content_type_for("index.m3u8"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(content_type_for("a-1.ts"), "video/mp2t");
  EXPECT_EQ(content_type_for("a-1.m4s"), "video/iso.segment");
  EXPECT_EQ(content_type_for("a-init.mp4"), "video/mp4");
  EXPECT_EQ(content_type_for("index.mpd"), "application/dash+xml");
  EXPECT_EQ(content_type_for("x.bin"), "application/octet-stream");
}

}  // namespace
}  // namespace firstmile::storage
