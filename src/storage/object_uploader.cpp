#include "storage/object_uploader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <fstream>
#include <random>
#include <unordered_set>

#include "core/clock.hpp"
#include "storage/spool.hpp"

// g++ 12 with -fsanitize=address reports asio's coroutine frame deallocation as mismatched
// (GCC PR 109224, a false positive for coroutine frames with class-specific operator new).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace firstmile::storage {

namespace {

// The last component of an object key, for log lines: the key's prefix holds the stream's name,
// which may be its publisher's key when publishes are not renamed (never logged in full).
std::string_view file_of(std::string_view key) {
  auto slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

// Writes `data` to `path` whole or not at all: a temporary file, flushed to the disk, renamed.
bool write_durably(const std::filesystem::path& path, std::string_view data) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  bool ok = done == data.size() && ::fdatasync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

std::optional<std::string> read_file(const std::filesystem::path& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string out(limit, '\0');
  in.read(out.data(), static_cast<std::streamsize>(limit));
  out.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) return std::nullopt;
  return out;
}

}  // namespace

// ---- S3Store ---------------------------------------------------------------------------------

asio::awaitable<StoreResult> S3Store::put(const ObjectOp& op) {
  if (op.body.size() <= part_size_) {
    auto r = co_await client_->put_object(op.key, op.body, op.content_type, op.cache_control);
    co_return r;
  }
  auto created = co_await client_->create_multipart(op.key, op.content_type, op.cache_control);
  if (!created.ok()) co_return created;
  std::vector<std::string> etags;
  for (size_t offset = 0; offset < op.body.size(); offset += part_size_) {
    auto part =
        co_await client_->upload_part(op.key, created.upload_id, static_cast<int>(etags.size() + 1),
                                      op.body.substr(offset, part_size_));
    if (!part.ok()) {
      // The parts stored so far would be billed until aborted.
      auto aborted = co_await client_->abort_multipart(op.key, created.upload_id);
      (void)aborted;
      co_return part;
    }
    etags.push_back(part.etag);
  }
  auto done = co_await client_->complete_multipart(op.key, created.upload_id, std::move(etags));
  if (!done.ok()) {
    auto aborted = co_await client_->abort_multipart(op.key, created.upload_id);
    (void)aborted;
  }
  co_return done;
}

asio::awaitable<StoreResult> S3Store::remove(const std::string& key) {
  auto r = co_await client_->delete_object(key);
  co_return r;
}

asio::awaitable<StoreResult> S3Store::check() {
  auto r = co_await client_->head_bucket();
  co_return r;
}

// ---- ObjectUploader --------------------------------------------------------------------------

struct ObjectUploader::Entry {
  uint64_t seq = 0;
  ObjectOp op;  // body empty while spooled
  size_t size = 0;
  bool on_disk = false;
  enum class State : uint8_t { Waiting, Running, Done } state = State::Waiting;
  asio::cancellation_signal cancel;
  std::list<std::shared_ptr<Entry>>::iterator where;  // in entries_
};

void ObjectUploader::queue_entry(std::shared_ptr<Entry> e) {
  if (e->op.kind == ObjectOp::Kind::Delete && e->op.not_before_ms > unix_ms()) {
    const int64_t due = e->op.not_before_ms;
    delayed_.emplace(due, std::move(e));
    return;
  }
  entries_.push_back(std::move(e));
  entries_.back()->where = std::prev(entries_.end());
}

ObjectUploader::ObjectUploader(UploaderConfig config, StoreFactory store, Logger log)
    : config_(std::move(config)), make_store_(std::move(store)), log_(std::move(log)) {
  config_.concurrency = std::max<size_t>(1, config_.concurrency);
}

ObjectUploader::~ObjectUploader() {
  stop();
}

void ObjectUploader::start() {
  if (started_) return;
  load_spool();
  store_ = make_store_(io_.get_executor());
  timer_.emplace(io_);
  work_ = std::make_unique<Work>(io_.get_executor());
  asio::co_spawn(
      io_,
      [this, store = store_]() -> asio::awaitable<void> {
        auto r = co_await store->check();
        std::lock_guard lock(mutex_);
        if (r.ok()) {
          stats_.check_error.clear();
          log_->info("{} store ready", config_.name);
        } else {
          stats_.check_error = r.error;
          log_->error("{} store check failed error=\"{}\" (uploads go on; what fails is spooled)",
                      config_.name, r.error);
        }
      },
      asio::bind_cancellation_slot(check_cancel_.slot(), asio::detached));
  asio::post(io_, [this] { pump(); });
  started_ = true;
  thread_ = std::thread([this] { io_.run(); });
}

void ObjectUploader::stop(Duration grace) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (!thread_.joinable()) return;
  asio::post(io_, [this, grace] {
    pump();
    closing_at_ = std::chrono::steady_clock::now() + grace;
    arm_timer(closing_at_);
    dispatch();
  });
  thread_.join();
}

bool ObjectUploader::enqueue(std::vector<ObjectOp> ops) {
  size_t bytes = 0;
  for (const auto& op : ops)
    bytes += op.body.size();
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    bool room = !stopping_ && memory_bytes_ + bytes <= config_.memory_max;
    if (room && failing_ && !config_.spool_dir.empty())
      room = spool_bytes_ + memory_bytes_ + bytes <= config_.spool_max;
    if (!room) {
      ++stats_.refused;
      return false;
    }
    wake = inbox_.empty();
    memory_bytes_ += bytes;
    for (auto& op : ops)
      inbox_.push_back(std::move(op));
  }
  if (wake && started_) asio::post(io_, [this] { pump(); });
  return true;
}

UploaderStats ObjectUploader::stats() const {
  std::lock_guard lock(mutex_);
  UploaderStats s = stats_;
  s.memory_bytes = memory_bytes_;
  s.spool_bytes = spool_bytes_;
  s.failing = failing_;
  s.queued = queued_ + inbox_.size();
  s.spooled = spooled_;
  return s;
}

bool ObjectUploader::idle() const {
  std::lock_guard lock(mutex_);
  return queued_ == 0 && inbox_.empty();
}

void ObjectUploader::pump() {
  std::vector<ObjectOp> ops;
  {
    std::lock_guard lock(mutex_);
    ops.swap(inbox_);
    queued_ += ops.size();
  }
  bool spool = false;
  {
    std::lock_guard lock(mutex_);
    spool = failing_;
  }
  for (auto& op : ops) {
    auto e = std::make_shared<Entry>();
    e->seq = next_seq_++;
    e->size = op.body.size();
    e->op = std::move(op);
    // While the store fails, what comes in goes to the disk at once: a crash then loses nothing.
    if (spool) spool_entry(*e);
    queue_entry(std::move(e));
  }
  dispatch();
}

void ObjectUploader::dispatch() {
  if (!started_) return;
  if (finished_) return;
  const auto now = std::chrono::steady_clock::now();
  bool failing;
  {
    std::lock_guard lock(mutex_);
    failing = failing_;
  }
  const bool stopping = closing_at_ != std::chrono::steady_clock::time_point{};
  // Shutting down while the store fails: nothing will get through in the grace.
  if (stopping && failing) closing_at_ = now;
  if (stopping && now >= closing_at_) {
    // Shutdown: what runs is cancelled (it comes back as Waiting), what waits stays queued and
    // is spooled once nothing runs.
    for (auto& e : entries_) {
      if (e->state == Entry::State::Running) e->cancel.emit(asio::cancellation_type::terminal);
    }
    if (running_ == 0) finish();
    return;
  }
  const size_t limit = failing ? 1 : config_.concurrency;
  if (failing && now < retry_at_) {
    arm_timer(retry_at_);
    return;
  }
  const int64_t wall = unix_ms();
  // Deletes that came due join the end of the queue: still after the playlist that dropped
  // their segment, which was queued before them.
  while (!delayed_.empty() && delayed_.begin()->first <= wall) {
    entries_.push_back(std::move(delayed_.begin()->second));
    entries_.back()->where = std::prev(entries_.end());
    delayed_.erase(delayed_.begin());
  }
  std::unordered_set<std::string_view> blocked;  // lanes with an earlier upload not stored yet
  std::optional<std::chrono::steady_clock::time_point> wake;
  if (!delayed_.empty()) wake = now + std::chrono::milliseconds(delayed_.begin()->first - wall);
  for (auto& e : entries_) {
    if (running_ >= limit) break;
    const bool is_put = e->op.kind == ObjectOp::Kind::Put;
    if (e->state == Entry::State::Waiting) {
      bool ready = !(e->op.after_earlier && blocked.count(e->op.lane));
      if (e->op.not_before_ms > wall) {
        ready = false;
        auto at = now + std::chrono::milliseconds(e->op.not_before_ms - wall);
        if (!wake || at < *wake) wake = at;
      }
      if (ready) {
        e->state = Entry::State::Running;
        ++running_;
        asio::co_spawn(io_, attempt(e),
                       asio::bind_cancellation_slot(e->cancel.slot(), asio::detached));
      }
    }
    if (is_put) blocked.insert(e->op.lane);
  }
  if (wake) arm_timer(*wake);
  // Shutting down and nothing runs: what waits (deletes not due yet) goes to the spool now.
  if (stopping && running_ == 0) finish();
}

asio::awaitable<void> ObjectUploader::attempt(std::shared_ptr<Entry> entry) {
  StoreResult result;
  bool readable = true;
  if (entry->on_disk) {
    auto path = spool_path(config_.spool_dir, entry->seq);
    auto data = read_file(path, entry->size + 64 * 1024);
    auto op = data ? decode_spool_entry(*data) : fail("cannot read");
    if (op) {
      entry->op.body = std::move(op->body);
    } else {
      readable = false;
      result.outcome = StoreResult::Outcome::Rejected;
      result.error = "spool file " + path.string() + ": " + op.error().message;
      std::lock_guard lock(mutex_);
      ++stats_.spool_errors;
    }
  }
  if (readable) {
    // Whatever the store does, the entry comes back: an exception is a failed attempt.
    try {
      if (entry->op.kind == ObjectOp::Kind::Put) {
        result = co_await store_->put(entry->op);
      } else {
        result = co_await store_->remove(entry->op.key);
      }
    } catch (const std::exception& e) {
      result = StoreResult{};
      result.outcome = StoreResult::Outcome::Retry;
      result.error = e.what();
    }
  }
  finished(entry, result);
}

void ObjectUploader::finished(const std::shared_ptr<Entry>& entry, const StoreResult& result) {
  --running_;
  auto& e = *entry;
  if (result.ok() || result.outcome == StoreResult::Outcome::Rejected) {
    e.state = Entry::State::Done;
    bool recovered = false;
    {
      std::lock_guard lock(mutex_);
      if (result.ok()) {
        ++(e.op.kind == ObjectOp::Kind::Put ? stats_.uploaded : stats_.deleted);
        stats_.last_ok_ms = unix_ms();
        stats_.check_error.clear();  // the store works, whatever the start check found
        recovered = failing_;
        failing_ = false;
      } else {
        ++stats_.rejected;
      }
      if (e.on_disk) {
        spool_bytes_ -= e.size;
        --spooled_;
      } else {
        memory_bytes_ -= e.size;
      }
      --queued_;
    }
    if (!result.ok()) {
      log_->error("{} object dropped object={} error=\"{}\"", config_.name, file_of(e.op.key),
                  result.error);
    }
    if (recovered) {
      failures_in_row_ = 0;
      log_->info("{} store reachable again; draining {} queued objects", config_.name,
                 entries_.size() + delayed_.size());
    }
    if (e.on_disk) {
      std::error_code ec;
      std::filesystem::remove(spool_path(config_.spool_dir, e.seq), ec);
    }
    e.op.body = std::string();
    entries_.erase(e.where);
  } else {
    e.state = Entry::State::Waiting;
    const bool cancelled = closing_at_ != std::chrono::steady_clock::time_point{} &&
                           std::chrono::steady_clock::now() >= closing_at_;
    if (!cancelled) {
      ++failures_in_row_;
      Duration wait = result.outcome == StoreResult::Outcome::Store ? config_.store_retry
                                                                    : backoff(failures_in_row_);
      retry_at_ = std::chrono::steady_clock::now() + wait;
      bool first = false;
      {
        std::lock_guard lock(mutex_);
        ++stats_.failed_attempts;
        stats_.last_error = result.error;
        first = !failing_;
        failing_ = true;
      }
      log_->warn("{} upload failed object={} error=\"{}\" retry_in={}ms{}", config_.name,
                 file_of(e.op.key), result.error, wait.count(),
                 first && !config_.spool_dir.empty() ? " (spooling to disk until it works)" : "");
      if (first) spool_all();
    }
    if (e.on_disk) {
      e.op.body = std::string();
    } else if (!config_.spool_dir.empty()) {
      spool_entry(e);
    }
  }
  dispatch();
}

void ObjectUploader::spool_entry(Entry& e) {
  if (config_.spool_dir.empty() || e.on_disk) return;
  if (!write_durably(spool_path(config_.spool_dir, e.seq), encode_spool_entry(e.op))) {
    std::lock_guard lock(mutex_);
    if (stats_.spool_errors++ == 0) {
      log_->error("{} spool not writable dir={} (objects wait in memory)", config_.name,
                  config_.spool_dir);
    }
    return;
  }
  e.on_disk = true;
  e.op.body = std::string();
  std::lock_guard lock(mutex_);
  memory_bytes_ -= e.size;
  spool_bytes_ += e.size;
  ++spooled_;
}

void ObjectUploader::spool_all() {
  for (auto& e : entries_) {
    if (e->state == Entry::State::Waiting) spool_entry(*e);
  }
  for (auto& [due, e] : delayed_)
    spool_entry(*e);
}

void ObjectUploader::finish() {
  if (finished_) return;
  finished_ = true;
  spool_all();
  size_t lost = 0;
  for (const auto& e : entries_)
    lost += e->on_disk ? 0 : 1;
  for (const auto& [due, e] : delayed_)
    lost += e->on_disk ? 0 : 1;
  const size_t left = entries_.size() + delayed_.size();
  if (lost > 0) {
    log_->error("{} stopped with {} objects not stored{}", config_.name, lost,
                config_.spool_dir.empty() ? " (no spool_dir)" : " (spool not writable)");
  } else if (left > 0) {
    log_->info("{} stopped; {} objects left in the spool for the next start", config_.name, left);
  }
  check_cancel_.emit(asio::cancellation_type::terminal);
  timer_.reset();
  store_.reset();
  work_.reset();
}

void ObjectUploader::load_spool() {
  if (config_.spool_dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(config_.spool_dir, ec);
  if (ec) {
    log_->error("{} spool directory unusable dir={} error=\"{}\"", config_.name, config_.spool_dir,
                ec.message());
    return;
  }
  std::vector<std::pair<uint64_t, std::filesystem::path>> files;
  for (const auto& f : std::filesystem::directory_iterator(config_.spool_dir, ec)) {
    if (f.path().extension() == ".tmp") {
      // Half-written when an earlier run stopped: its object was never accepted as spooled.
      std::filesystem::remove(f.path(), ec);
      continue;
    }
    if (auto seq = spool_sequence(f.path()); seq && f.is_regular_file(ec)) {
      files.emplace_back(*seq, f.path());
    }
  }
  std::sort(files.begin(), files.end());
  uint64_t bytes = 0;
  size_t loaded = 0;
  for (const auto& [seq, path] : files) {
    auto head = read_file(path, 64 * 1024);
    uint64_t body = 0;
    auto op = head ? decode_spool_entry(*head, true, &body) : fail("cannot read");
    if (!op) {
      log_->error("{} spool file skipped file={} error=\"{}\"", config_.name, path.string(),
                  op.error().message);
      std::filesystem::path bad = path;
      bad += ".bad";
      std::filesystem::rename(path, bad, ec);
      std::lock_guard lock(mutex_);
      ++stats_.spool_errors;
      continue;
    }
    auto e = std::make_shared<Entry>();
    e->seq = seq;
    e->op = std::move(*op);
    e->size = body;
    e->on_disk = true;
    queue_entry(std::move(e));
    ++loaded;
    bytes += body;
    next_seq_ = std::max(next_seq_, seq + 1);
  }
  std::lock_guard lock(mutex_);
  spool_bytes_ += bytes;
  spooled_ += loaded;
  queued_ += loaded;
  if (loaded > 0) {
    log_->info("{} spool holds {} objects ({} bytes) from an earlier run; draining them first",
               config_.name, loaded, bytes);
  }
}

void ObjectUploader::arm_timer(std::chrono::steady_clock::time_point when) {
  if (!timer_) return;
  if (timer_armed_ && timer_at_ <= when) return;
  timer_armed_ = true;
  timer_at_ = when;
  timer_->expires_at(when);
  timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // re-armed earlier, or stopping
    timer_armed_ = false;
    dispatch();
  });
}

Duration ObjectUploader::backoff(int attempts) const {
  auto d = config_.retry_min.count();
  for (int i = 1; i < attempts && d < config_.retry_max.count(); ++i)
    d *= 2;
  d = std::min<int64_t>(d, config_.retry_max.count());
  // Full jitter over the upper half: servers that failed together do not retry together.
  static thread_local std::minstd_rand rng{std::random_device{}()};
  std::uniform_int_distribution<int64_t> pick(d / 2, std::max<int64_t>(d / 2, d));
  return Duration(pick(rng));
}

}  // namespace firstmile::storage
