#include "output/hls/disk_writer.hpp"

#include <cstdio>
#include <system_error>
#include <utility>
#include <vector>

namespace firstmile::hls {

namespace {

// What a disk copy writes: its files are recognised by these endings alone.
bool is_hls_file(const std::filesystem::path& p) {
  const auto ext = p.extension();
  return ext == ".m3u8" || ext == ".ts" || ext == ".m4s" || ext == ".mp4" || ext == ".tmp";
}

}  // namespace

uint64_t remove_hls_leftovers(const std::filesystem::path& root, int depth) {
  std::error_code ec;
  uint64_t removed = 0;
  std::vector<std::filesystem::path> dirs;
  for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
    // Symbolic links are not followed: they may lead out of the directory.
    if (e.is_symlink(ec)) continue;
    if (e.is_directory(ec)) {
      if (depth > 0) dirs.push_back(e.path());
    } else if (depth == 0 && e.is_regular_file(ec) && is_hls_file(e.path())) {
      if (std::filesystem::remove(e.path(), ec)) ++removed;
    }
  }
  for (const auto& d : dirs) {
    removed += remove_hls_leftovers(d, depth - 1);
    if (std::filesystem::is_empty(d, ec) && !ec) std::filesystem::remove(d, ec);
  }
  return removed;
}

Result<std::unique_ptr<HlsDiskWriter>> HlsDiskWriter::create(HlsDiskConfig config) {
  if (config.directory.empty()) return fail("hls disk copy: no directory");
  if (config.directory.find('\0') != std::string::npos) {
    return fail("hls disk copy: NUL in directory");
  }
  for (const std::string* name : {&config.app, &config.stream, &config.playlist_name}) {
    if (!is_safe_path_component(*name)) {
      return fail("hls disk copy: unsafe path component \"", *name, "\"");
    }
  }
  return std::unique_ptr<HlsDiskWriter>(new HlsDiskWriter(std::move(config)));
}

HlsDiskWriter::HlsDiskWriter(HlsDiskConfig config)
    : config_(std::move(config)),
      dir_(std::filesystem::path(config_.directory) / config_.app / config_.stream) {
  thread_ = std::thread([this] { run(); });
}

HlsDiskWriter::~HlsDiskWriter() {
  stop();
  if (config_.remove_at_end && config_.remove_at_end()) remove_written();
}

void HlsDiskWriter::remove_written() {
  std::error_code ec;
  uint64_t removed = 0;
  for (const auto& name : tracker_.written())
    removed += std::filesystem::remove(dir_ / name, ec) ? 1 : 0;
  removed += std::filesystem::remove(dir_ / config_.playlist_name, ec) ? 1 : 0;
  tracker_ = MirrorTracker();
  // The stream's directory, and the app's, if nothing else is in them.
  for (auto d = dir_; d != dir_.parent_path().parent_path(); d = d.parent_path()) {
    if (!std::filesystem::is_empty(d, ec) || ec) break;
    std::filesystem::remove(d, ec);
  }
  std::lock_guard lock(mutex_);
  stats_.files_removed += removed;
}

void HlsDiskWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

HlsDiskStats HlsDiskWriter::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void HlsDiskWriter::submit(const std::shared_ptr<const HlsSnapshot>& snapshot) {
  if (!snapshot) return;
  auto job = tracker_.plan(*snapshot);
  if (!job) return;  // a new LL-HLS part: nothing changes on disk
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queued_bytes_ + job->bytes > config_.max_queue_bytes) {
      // Nothing is recorded as done, so the next snapshot carries this work again.
      ++stats_.jobs_dropped;
      return;
    }
    queued_bytes_ += job->bytes;
    tracker_.commit(*job, *snapshot);
    queue_.push_back(std::move(*job));
  }
  wake_.notify_one();
}

void HlsDiskWriter::run() {
  // Files an earlier instance of this stream left (a crash, a restart): none of them is in the
  // new playlist, and nothing else would ever remove them.
  const uint64_t leftovers = remove_hls_leftovers(dir_, 0);
  std::unique_lock lock(mutex_);
  stats_.files_removed += leftovers;
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and drained
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    execute(job);
    lock.lock();
    queued_bytes_ -= job.bytes;
    ++stats_.jobs_written;
  }
}

void HlsDiskWriter::execute(const Job& job) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  bool segments_ok = true;
  uint64_t written = 0;
  for (const HlsInit& init : job.inits) {
    // The playlist names its init segment: a failed one fails the playlist like a segment.
    if (!write_file(init.name, init.data.span())) segments_ok = false;
  }
  for (const HlsSegment& s : job.segments) {
    if (write_file(s.name, s.data.span())) {
      ++written;
    } else {
      segments_ok = false;
    }
  }
  // A playlist naming a segment that failed to write would send players to a 404.
  const bool playlist_ok = segments_ok && write_file(config_.playlist_name, as_bytes(job.playlist));
  uint64_t removed = 0;
  for (const std::string& name : job.remove) {
    if (std::filesystem::remove(dir_ / name, ec)) ++removed;
  }
  std::lock_guard lock(mutex_);
  stats_.segments_written += written;
  stats_.files_removed += removed;
  stats_.write_errors += (job.segments.size() - written) + (segments_ok && !playlist_ok ? 1 : 0);
}

bool HlsDiskWriter::write_file(const std::string& name, ByteSpan data) {
  // Write then rename: a reader sees the old file or the new one, never a partial one.
  const std::filesystem::path final_path = dir_ / name;
  std::filesystem::path temp_path = final_path;
  temp_path += ".tmp";
  std::FILE* f = std::fopen(temp_path.c_str(), "wb");
  if (!f) return false;
  const bool wrote = data.empty() || std::fwrite(data.data(), 1, data.size(), f) == data.size();
  const bool closed = std::fclose(f) == 0;
  std::error_code ec;
  if (!wrote || !closed) {
    std::filesystem::remove(temp_path, ec);
    return false;
  }
  std::filesystem::rename(temp_path, final_path, ec);
  if (ec) {
    std::filesystem::remove(temp_path, ec);
    return false;
  }
  return true;
}

}  // namespace firstmile::hls
