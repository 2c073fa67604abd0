#pragma once
// Recording: a stream's publish written to an MP4 file as it happens. The file is fragmented
// MP4 while the publish lasts (init segment, then a moof + mdat per record.fragment, each
// flushed to the disk), so a crash loses at most the fragment being written; when the publish
// ends (or the file reaches record.max_duration, or the tracks change) the file is rewritten
// with its moov first (mp4_finalize.hpp). The writes run on the DiskQueue's threads, never on
// the stream's.
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "format/fmp4/fmp4_muxer.hpp"
#include "media/sink.hpp"

namespace firstmile::record {

// Threads for the recordings' file I/O, shared by every recorder, and the bound on the bytes
// waiting for them.
class DiskQueue {
 public:
  DiskQueue(size_t threads, uint64_t max_bytes);
  ~DiskQueue();  // waits for the queued work
  DiskQueue(const DiskQueue&) = delete;
  DiskQueue& operator=(const DiskQueue&) = delete;

  using Strand = boost::asio::strand<boost::asio::thread_pool::executor_type>;
  // Work posted to one strand runs in order; strands run side by side.
  Strand make_strand();
  // Counts bytes about to be queued; false (nothing counted) past the bound.
  bool reserve(uint64_t bytes);
  void release(uint64_t bytes);
  uint64_t queued_bytes() const { return queued_.load(); }
  // Runs what is queued, then stops the threads. Idempotent.
  void join();

 private:
  boost::asio::thread_pool pool_;
  const uint64_t max_bytes_;
  std::atomic<uint64_t> queued_{0};
  std::atomic<bool> joined_{false};
};

// A recording that ended, finished or not.
struct RecordingDone {
  std::string app, stream;
  std::filesystem::path path;
  int64_t start_ms = 0;  // wall clock of its first frame
  double duration = 0;   // seconds
  uint64_t size = 0;     // bytes
  // Empty when the file was finished as a progressive MP4; else what went wrong (the file, if
  // any, is then the fragmented MP4 up to its last complete fragment).
  std::string error;
  bool recovered = false;  // left fragmented by an earlier run, finished at this start
};

struct RecorderConfig {
  std::string app, stream;
  std::string path_template;  // record.path
  double fragment = 1.0;      // seconds
  double max_duration = 3600;
  // Called on a DiskQueue thread once per file that was started.
  std::function<void(const RecordingDone&)> on_done;
  Logger log;
};

struct RecorderStats {
  uint64_t files = 0;
  uint64_t fragments = 0;
  uint64_t failures = 0;
};

// The file name of a recording that starts at `unix_ms`: the template with {app}, {stream} and
// {start_time} filled in. Refuses names that would leave the template's directory.
Result<std::filesystem::path> recording_path(const std::string& path_template,
                                             const std::string& app, const std::string& stream,
                                             int64_t unix_ms);

// The directory every file of `path_template` lies under: the template up to the directory
// that holds its first field. Empty when that is the working directory itself (nothing is
// searched there).
std::filesystem::path recordings_root(const std::string& path_template);

// At start, before any recording begins: the .mp4 files under `root` (at most `max_depth`
// directories down), after removing the .mp4.tmp files an interrupted finish left.
std::vector<std::filesystem::path> list_recordings(const std::filesystem::path& root,
                                                   const Logger& log, int max_depth = 4);
// Finishes `path` if it is still fragmented (a crash while it was recorded) and reports it
// through `on_done` as a recording that ended (`recovered`); a finished file is left alone.
// Blocking file I/O.
void finish_leftover(const std::filesystem::path& path, const Logger& log,
                     const std::function<void(const RecordingDone&)>& on_done);

class Recorder final : public media::Sink {
 public:
  Recorder(RecorderConfig config, std::shared_ptr<DiskQueue> disk);
  ~Recorder() override;  // the open file is finished on the disk threads
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void on_tracks(const media::Tracks& tracks) override;
  void on_frame(const media::FramePtr& frame) override;
  void on_end() override;

  bool recording() const { return file_ != nullptr; }
  RecorderStats stats() const { return stats_; }

 private:
  struct File;

  void open(const media::Frame& first);
  void flush(std::optional<int64_t> next_video_dts, std::optional<int64_t> next_audio_dts);
  void close();

  RecorderConfig config_;
  std::shared_ptr<DiskQueue> disk_;
  DiskQueue::Strand strand_;
  media::Tracks tracks_;
  bool have_tracks_ = false;
  bool has_video_ = false;
  std::unique_ptr<format::Fmp4Muxer> muxer_;
  std::shared_ptr<File> file_;
  std::vector<media::FramePtr> pending_;
  int64_t file_start_dts_ = 0;
  int64_t fragment_start_dts_ = 0;
  int64_t fragment_ticks_;
  int64_t max_ticks_;
  bool stopped_ = false;  // a failure ends recording until the next publish
  RecorderStats stats_;
};

}  // namespace firstmile::record
