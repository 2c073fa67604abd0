#pragma once
// Uploads objects to a store on a thread of its own, off the media threads, and loses nothing
// that it accepted when the store fails.
//
// Order: objects are sent in the order they were queued, several at once, except that an
// object marked `after_earlier` (a playlist, a delete) starts only once every earlier upload of
// its lane (a stream) is stored. So a playlist never reaches the store before the segments it
// lists, two versions of a playlist never overtake each other, and a segment is deleted only
// after the playlist that dropped it.
//
// Failure: an upload that fails is tried again with exponential back-off and jitter (up to
// retry_max), one request at a time while the store fails. Meanwhile everything queued is
// written to the spool directory (bounded by spool_max), which also survives a restart: start()
// loads what an earlier run left and drains it first, in order. A store that refuses everything
// (credentials, a missing bucket) is tried every store_retry only: no retry storm. An object the
// store refuses for good (a key it will not take) is dropped, counted and logged.
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/config.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "storage/object_op.hpp"
#include "storage/s3_client.hpp"

namespace firstmile::storage {

// The store an uploader sends to (S3Store; tests use their own).
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual asio::awaitable<StoreResult> put(const ObjectOp& op) = 0;
  virtual asio::awaitable<StoreResult> remove(const std::string& key) = 0;
  // Whether the store can be used at all (the bucket exists, the credentials work).
  virtual asio::awaitable<StoreResult> check() = 0;
};

// An S3 bucket as an ObjectStore: objects over `part_size` go up as a multipart upload.
class S3Store final : public ObjectStore {
 public:
  S3Store(std::unique_ptr<S3Client> client, uint64_t part_size)
      : client_(std::move(client)), part_size_(part_size) {}
  asio::awaitable<StoreResult> put(const ObjectOp& op) override;
  asio::awaitable<StoreResult> remove(const std::string& key) override;
  asio::awaitable<StoreResult> check() override;

 private:
  std::unique_ptr<S3Client> client_;
  uint64_t part_size_;
};

struct UploaderConfig {
  size_t concurrency = 8;
  size_t memory_max = 64 << 20;  // bytes held in memory (queued, not spooled)
  std::string spool_dir;         // empty: no spool (what fails waits in memory only)
  uint64_t spool_max = 2ull << 30;
  // Back-off after a failed attempt: doubling from retry_min to retry_max (a live stream wants
  // its store back within seconds of it returning); store_retry when the store refuses
  // everything (credentials, bucket), which only the operator can fix.
  Duration retry_min{500};
  Duration retry_max{5000};
  Duration store_retry{30000};
  std::string name = "s3";  // for log lines and stats
};

struct UploaderStats {
  uint64_t queued = 0;        // objects waiting or in flight
  uint64_t memory_bytes = 0;  // of those, held in memory
  uint64_t spooled = 0;       // of those, in the spool
  uint64_t spool_bytes = 0;
  uint64_t uploaded = 0;
  uint64_t deleted = 0;
  uint64_t failed_attempts = 0;
  uint64_t refused = 0;       // enqueue() found no room
  uint64_t rejected = 0;      // refused for good by the store, dropped
  uint64_t spool_errors = 0;  // the spool could not be written or read
  bool failing = false;       // the last attempt failed
  std::string last_error;
  int64_t last_ok_ms = 0;   // Unix ms of the last stored object
  std::string check_error;  // what the start check found wrong; "" when fine
};

using StoreFactory = std::function<std::shared_ptr<ObjectStore>(asio::any_io_executor)>;

class ObjectUploader {
 public:
  ObjectUploader(UploaderConfig config, StoreFactory store, Logger log);
  ~ObjectUploader();  // stop()
  ObjectUploader(const ObjectUploader&) = delete;
  ObjectUploader& operator=(const ObjectUploader&) = delete;

  // Loads the spool an earlier run left, checks the store (logged, and in stats()), then
  // uploads on its own thread.
  void start();
  // Gives what is in flight until `grace` to finish, spools what is left, joins.
  void stop(Duration grace = Duration(1000));

  // Queues `ops` in order, all or none: false (and counted) when they do not fit in memory, or
  // in the spool while the store fails. Never blocks on I/O; any thread.
  bool enqueue(std::vector<ObjectOp> ops);

  UploaderStats stats() const;
  // Nothing queued, in flight or spooled (tests, shutdown).
  bool idle() const;

 private:
  struct Entry;
  void pump();
  void dispatch();
  asio::awaitable<void> attempt(std::shared_ptr<Entry> entry);
  void finished(const std::shared_ptr<Entry>& entry, const StoreResult& result);
  void spool_entry(Entry& entry);
  void spool_all();
  void queue_entry(std::shared_ptr<Entry> entry);  // into entries_, or delayed_ when not due
  void finish();  // shutdown: spools what is left, lets the thread end
  void load_spool();
  void arm_timer(std::chrono::steady_clock::time_point when);
  Duration backoff(int attempts) const;

  UploaderConfig config_;
  StoreFactory make_store_;
  Logger log_;

  using Work = asio::executor_work_guard<asio::io_context::executor_type>;
  asio::io_context io_;
  std::thread thread_;
  std::atomic<bool> started_{false};
  std::unique_ptr<Work> work_;
  std::shared_ptr<ObjectStore> store_;
  std::optional<asio::steady_timer> timer_;
  std::chrono::steady_clock::time_point timer_at_;
  bool timer_armed_ = false;
  asio::cancellation_signal check_cancel_;

  // Shared with enqueue().
  mutable std::mutex mutex_;
  std::vector<ObjectOp> inbox_;
  size_t memory_bytes_ = 0;  // inbox and in-memory entries
  uint64_t spool_bytes_ = 0;
  bool failing_ = false;
  bool stopping_ = false;
  uint64_t queued_ = 0;   // entries not done
  uint64_t spooled_ = 0;  // of those, on disk
  UploaderStats stats_;

  // The uploader's thread only.
  // Queue order, done ones removed at once; deletes not due yet wait in delayed_ (by due time)
  // and join the queue's end when due, so that a dispatch walks only what may start.
  std::list<std::shared_ptr<Entry>> entries_;
  std::multimap<int64_t, std::shared_ptr<Entry>> delayed_;
  uint64_t next_seq_ = 1;
  size_t running_ = 0;
  int failures_in_row_ = 0;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::steady_clock::time_point closing_at_{};  // set by stop(): the grace's end
  bool finished_ = false;
};

}  // namespace firstmile::storage
