#pragma once
// Optional copy of a stream's HLS output to a directory (for a web server or a CDN origin that
// reads files). File I/O runs on the writer's own thread behind a queue bounded in bytes, so a
// slow disk never stalls the stream's thread: when the queue is full, work is dropped and
// counted, and the next snapshot catches up.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "output/hls/segmenter.hpp"
#include "output/hls/snapshot_store.hpp"

namespace firstmile::hls {

struct HlsDiskConfig {
  std::string directory;  // root; files go to <directory>/<app>/<stream>/
  std::string app;
  std::string stream;
  std::string playlist_name = "index.m3u8";
  size_t max_queue_bytes = 64 * 1024 * 1024;
  // Asked when the writer goes (its stream instance ended): true removes the files it wrote, so
  // that the directory holds the live streams' windows only. Unset: the files stay.
  std::function<bool()> remove_at_end;
};

struct HlsDiskStats {
  uint64_t jobs_written = 0;
  uint64_t jobs_dropped = 0;  // queue full
  uint64_t write_errors = 0;
  uint64_t segments_written = 0;
  uint64_t files_removed = 0;
};

// Removes what a disk copy leaves behind under `root` (<root>/<app>/<stream>/): playlists,
// segments, init segments and half-written .tmp files of earlier server runs or stream
// instances, then the directories that became empty. Other files and deeper trees are left
// alone. Returns how many files were removed.
uint64_t remove_hls_leftovers(const std::filesystem::path& root, int depth = 2);

class HlsDiskWriter final : public HlsStore {
 public:
  // Refuses app, stream or playlist names that could leave the directory.
  static Result<std::unique_ptr<HlsDiskWriter>> create(HlsDiskConfig config);
  ~HlsDiskWriter() override;  // drains the queue, then joins
  HlsDiskWriter(const HlsDiskWriter&) = delete;
  HlsDiskWriter& operator=(const HlsDiskWriter&) = delete;

  // Mirrors a snapshot: writes its listed segments (and fMP4 init segments) not yet on disk,
  // then the playlist (so it never names a file that is not there yet), then deletes files that
  // left the playlist. LL-HLS parts stay in memory: the disk gets the playlist without them.
  // A snapshot that changes nothing on disk (a new part only) queues nothing. Never blocks on I/O.
  // Call from one thread (the segmenter's, e.g. from HlsSegmenter::on_snapshot).
  void submit(const std::shared_ptr<const HlsSnapshot>& snapshot) override;
  // Drains what is queued, then stops the thread. Later submits are dropped. Idempotent.
  void stop();

  HlsDiskStats stats() const;
  const std::filesystem::path& directory() const { return dir_; }

 private:
  using Job = MirrorJob;

  explicit HlsDiskWriter(HlsDiskConfig config);
  void run();
  void execute(const Job& job);
  void remove_written();
  bool write_file(const std::string& name, ByteSpan data);

  HlsDiskConfig config_;
  std::filesystem::path dir_;

  // Submitter side: files on disk or queued to be.
  MirrorTracker tracker_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  size_t queued_bytes_ = 0;
  bool stopping_ = false;
  HlsDiskStats stats_;
  std::thread thread_;
};

}  // namespace firstmile::hls
