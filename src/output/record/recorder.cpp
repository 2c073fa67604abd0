#include "output/record/recorder.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "core/clock.hpp"
#include "core/path_component.hpp"
#include "output/record/mp4_finalize.hpp"

namespace firstmile::record {

namespace asio = boost::asio;

// One recording file, shared by the recorder (which queues work for it) and that work.
// Everything but `failed` is touched on the file's strand only.
struct Recorder::File {
  std::filesystem::path path;
  int64_t start_ms = 0;
  std::FILE* fp = nullptr;
  uint64_t written = 0;
  uint64_t fragments = 0;
  std::string error;
  std::atomic<bool> failed{false};
};

DiskQueue::DiskQueue(size_t threads, uint64_t max_bytes)
    : pool_(threads == 0 ? 1 : threads), max_bytes_(max_bytes) {}

DiskQueue::~DiskQueue() {
  join();
}

DiskQueue::Strand DiskQueue::make_strand() {
  return asio::make_strand(pool_.get_executor());
}

bool DiskQueue::reserve(uint64_t bytes) {
  uint64_t now = queued_.load();
  do {
    if (now + bytes > max_bytes_) return false;
  } while (!queued_.compare_exchange_weak(now, now + bytes));
  return true;
}

void DiskQueue::release(uint64_t bytes) {
  queued_.fetch_sub(bytes);
}

void DiskQueue::join() {
  if (joined_.exchange(true)) return;
  pool_.join();
}

Result<std::filesystem::path> recording_path(const std::string& path_template,
                                             const std::string& app, const std::string& stream,
                                             int64_t unix_ms) {
  if (!is_safe_path_component(app) || !is_safe_path_component(stream))
    return fail("the app or stream name cannot be a file name");
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char start[32];
  std::strftime(start, sizeof start, "%Y-%m-%d_%H-%M-%S", &utc);
  std::string out;
  for (size_t i = 0; i < path_template.size();) {
    auto field = [&](std::string_view name, std::string_view value) {
      if (path_template.compare(i, name.size(), name) != 0) return false;
      out += value;
      i += name.size();
      return true;
    };
    if (field("{app}", app) || field("{stream}", stream) || field("{start_time}", start)) continue;
    out += path_template[i++];
  }
  std::filesystem::path p(out);
  for (const auto& part : p) {
    if (part == "..") return fail("the path would leave its directory");
  }
  return p;
}

std::filesystem::path recordings_root(const std::string& path_template) {
  const size_t field = path_template.find('{');
  const size_t slash = path_template.rfind('/', field);
  if (slash == std::string::npos || slash == 0) return {};
  return std::filesystem::path(path_template.substr(0, slash));
}

std::vector<std::filesystem::path> list_recordings(const std::filesystem::path& root,
                                                   const Logger& log, int max_depth) {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  std::error_code ec;
  if (root.empty() || !fs::is_directory(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() >= max_depth) it.disable_recursion_pending();
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    if (name.ends_with(".mp4.tmp")) {
      std::error_code rm;
      fs::remove(it->path(), rm);
      log->info("recording leftover removed path={}", it->path().string());
    } else if (name.ends_with(".mp4")) {
      out.push_back(it->path());
    }
  }
  return out;
}

void finish_leftover(const std::filesystem::path& path, const Logger& log,
                     const std::function<void(const RecordingDone&)>& on_done) {
  if (!looks_fragmented(path)) return;  // finished, or not a recording
  RecordingDone done;
  done.path = path;
  done.recovered = true;
  // The app and stream as the default layout places them (.../{app}/{stream}/NAME.mp4).
  done.stream = path.parent_path().filename().string();
  done.app = path.parent_path().parent_path().filename().string();
  auto finished = finalize_mp4(path);
  std::error_code ec;
  if (finished) {
    done.duration = finished->duration;
    done.size = finished->size;
    log->info("recording finished after a restart path={} duration={:.3f} size={}", path.string(),
              done.duration, done.size);
  } else {
    done.error = finished.error().message;
    done.size = std::filesystem::file_size(path, ec);
    log->error("recording left fragmented path={} error=\"{}\"", path.string(), done.error);
  }
  if (on_done) on_done(done);
}

namespace {

// Appends and flushes to the disk: what returns is there after a crash.
bool write_synced(std::FILE* fp, ByteSpan data, std::string& error) {
  if (std::fwrite(data.data(), 1, data.size(), fp) != data.size()) {
    error = os_error("write");
    return false;
  }
  if (std::fflush(fp) != 0 || ::fdatasync(fileno(fp)) != 0) {
    error = os_error("sync");
    return false;
  }
  return true;
}

}  // namespace

Recorder::Recorder(RecorderConfig config, std::shared_ptr<DiskQueue> disk)
    : config_(std::move(config)),
      disk_(std::move(disk)),
      strand_(disk_->make_strand()),
      fragment_ticks_(std::max<int64_t>(1, media::seconds_to_ticks(config_.fragment))),
      max_ticks_(std::max<int64_t>(1, media::seconds_to_ticks(config_.max_duration))) {}

Recorder::~Recorder() {
  close();
}

void Recorder::on_tracks(const media::Tracks& tracks) {
  if (have_tracks_ && media::same_track(tracks.video, tracks_.video) &&
      media::same_track(tracks.audio, tracks_.audio))
    return;
  close();  // new codec parameters: a new file (an MP4 has one sample description per track)
  tracks_ = tracks;
  have_tracks_ = true;
  has_video_ = tracks.video && (tracks.video->codec == media::Codec::H264 ||
                                tracks.video->codec == media::Codec::H265);
}

void Recorder::on_frame(const media::FramePtr& frame) {
  if (!frame || stopped_ || !have_tracks_) return;
  const media::Frame& f = *frame;
  const bool key = f.kind == media::MediaKind::Video && f.keyframe;
  const bool can_start = has_video_ ? key : true;
  if (file_ && file_->failed.load()) {
    close();
    stopped_ = true;  // until the next publish: the log line says why
    return;
  }
  // A timestamp jump or the file's length: the next file starts at a keyframe.
  if (file_ && (f.discontinuity || (f.dts - file_start_dts_ >= max_ticks_ && can_start))) close();
  if (!file_) {
    if (!can_start) return;
    open(f);
    if (!file_) return;
  }
  if (!pending_.empty() && f.dts - fragment_start_dts_ >= fragment_ticks_) {
    if (f.kind == media::MediaKind::Video)
      flush(f.dts, std::nullopt);
    else
      flush(std::nullopt, f.dts);
  }
  if (pending_.empty()) fragment_start_dts_ = f.dts;
  pending_.push_back(frame);
}

void Recorder::on_end() {
  close();
  stopped_ = false;
  have_tracks_ = false;
}

void Recorder::open(const media::Frame& first) {
  muxer_ = std::make_unique<format::Fmp4Muxer>(tracks_);
  if (muxer_->tracks().empty()) {
    config_.log->warn("recording skipped app={} stream={} reason=\"no track an MP4 can hold\"",
                      config_.app, config_.stream);
    muxer_.reset();
    stopped_ = true;
    return;
  }
  const int64_t now = unix_ms();
  auto path = recording_path(config_.path_template, config_.app, config_.stream, now);
  if (!path) {
    config_.log->error("recording skipped app={} stream={} error=\"{}\"", config_.app,
                       config_.stream, path.error().message);
    muxer_.reset();
    stopped_ = true;
    return;
  }
  file_ = std::make_shared<File>();
  file_->path = *path;
  file_->start_ms = now;
  file_start_dts_ = first.dts;
  ++stats_.files;
  Bytes init = muxer_->init_segment();
  asio::post(strand_, [file = file_, init = std::move(init), log = config_.log] {
    std::error_code ec;
    if (file->path.has_parent_path())
      std::filesystem::create_directories(file->path.parent_path(), ec);
    // A name already taken (two publishes in one second) gets a suffix.
    const std::filesystem::path base = file->path;
    for (int n = 2; std::filesystem::exists(file->path, ec) && n < 100; ++n)
      file->path = base.parent_path() / (base.stem().string() + "-" + std::to_string(n) + ".mp4");
    file->fp = std::fopen(file->path.c_str(), "wbx");
    if (!file->fp) {
      file->error = os_error("create");
    } else if (write_synced(file->fp, init, file->error)) {
      file->written = init.size();
      log->info("recording started path={}", file->path.string());
      return;
    }
    file->failed = true;
    log->error("recording failed path={} error=\"{}\"", file->path.string(), file->error);
  });
}

void Recorder::flush(std::optional<int64_t> next_video_dts, std::optional<int64_t> next_audio_dts) {
  if (pending_.empty() || !muxer_ || !file_) return;
  Bytes fragment = muxer_->fragment(pending_, next_video_dts, next_audio_dts);
  pending_.clear();
  if (fragment.empty()) return;
  const uint64_t size = fragment.size();
  if (!disk_->reserve(size)) {
    // The disk is behind by record.max_queue: stop rather than grow, or leave a hole.
    file_->failed = true;
    ++stats_.failures;
    config_.log->error(
        "recording stopped app={} stream={} error=\"the disk is too slow: record.max_queue is "
        "full\"",
        config_.app, config_.stream);
    return;
  }
  ++stats_.fragments;
  asio::post(strand_, [file = file_, fragment = std::move(fragment), disk = disk_, size,
                       log = config_.log] {
    if (file->fp && !file->failed.load()) {
      if (write_synced(file->fp, fragment, file->error)) {
        file->written += size;
        ++file->fragments;
      } else {
        file->failed = true;
        log->error("recording stopped path={} error=\"{}\"", file->path.string(), file->error);
      }
    }
    disk->release(size);
  });
}

void Recorder::close() {
  if (!file_) return;
  if (!file_->failed.load()) flush(std::nullopt, std::nullopt);  // else it could not be written
  asio::post(strand_, [file = file_, app = config_.app, stream = config_.stream,
                       on_done = config_.on_done, log = config_.log] {
    if (!file->fp) return;  // never created: the failure is logged
    std::fclose(file->fp);
    file->fp = nullptr;
    std::error_code ec;
    if (file->fragments == 0) {
      // Nothing but the header: no recording to speak of.
      std::filesystem::remove(file->path, ec);
      return;
    }
    RecordingDone done;
    done.app = app;
    done.stream = stream;
    done.path = file->path;
    done.start_ms = file->start_ms;
    auto finished = finalize_mp4(file->path);
    if (finished) {
      done.duration = finished->duration;
      done.size = finished->size;
      log->info("recording finished path={} duration={:.3f} size={}", file->path.string(),
                done.duration, done.size);
    } else {
      done.error = file->error.empty() ? finished.error().message : file->error;
      done.size = std::filesystem::file_size(file->path, ec);
      log->error("recording left fragmented path={} error=\"{}\"", file->path.string(),
                 finished.error().message);
    }
    if (on_done) on_done(done);
  });
  file_.reset();
  muxer_.reset();
  pending_.clear();
}

}  // namespace firstmile::record
