#pragma once
// Stream: the hub of one live stream. It owns the tracks, a cache from the last keyframe, the
// outputs (sinks) and the statistics, and knows nothing of any wire protocol. Everything but
// the few members marked "any thread" runs on the stream's executor only: sessions that attach
// to a stream move there first (docs/architecture.md, "Threads").
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "media/frame.hpp"
#include "media/sink.hpp"
#include "media/track.hpp"
#include "output/fanout_output.hpp"

namespace firstmile::hls {
class HlsSegmenter;
}

namespace firstmile::media {

namespace asio = boost::asio;

struct PublisherInfo {
  std::string protocol;  // "rtmp", later "srt", "rtsp", "whip"
  std::string peer;      // "address:port"
  std::string query;     // the URL's query string, for auth (never logged)
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  // Ends the publisher's session (take-over, API kick, shutdown). Runs on the stream's executor.
  std::function<void(const std::string& reason)> kick;
};

struct TrackStats {
  uint64_t frames = 0;
  uint64_t bytes = 0;
  double bitrate = 0;     // bits per second over the last measurement window
  double frame_rate = 0;  // frames per second over the last measurement window
  // Current window.
  uint64_t window_bytes = 0;
  uint64_t window_frames = 0;
  std::chrono::steady_clock::time_point window_start{};
};

// A consistent copy of a stream's state, for the API.
struct StreamInfo {
  std::string app, name;
  bool live = false;
  std::optional<PublisherInfo> publisher;
  Tracks tracks;
  TrackStats video_stats, audio_stats;
  std::map<std::string, size_t> viewers;  // per output format
  std::chrono::system_clock::time_point created;
  uint64_t bytes_in = 0;
  uint64_t publishes = 0;
};

class Stream : public std::enable_shared_from_this<Stream> {
 public:
  using IdleCallback = std::function<void(Stream&)>;

  Stream(std::string app, std::string name, asio::any_io_executor executor, const Config& config,
         Logger log, IdleCallback on_idle);
  ~Stream();

  // Any thread.
  const std::string& app() const { return app_; }
  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }
  const asio::any_io_executor& executor() const { return executor_; }
  // Set once while the registry creates the stream, read from HTTP threads afterwards.
  void set_hls(std::shared_ptr<hls::HlsSegmenter> hls) { hls_ = std::move(hls); }
  const std::shared_ptr<hls::HlsSegmenter>& hls() const { return hls_; }
  // An HLS segment request from `address` (the client's IP). HLS viewers are the distinct
  // addresses that fetched a segment recently (HTTP is stateless; this is what a CDN log
  // would count too).
  void note_hls_client(const std::string& address);
  size_t hls_viewers() const;

  // Stream executor only.
  Result<uint64_t> attach_publisher(PublisherInfo info);
  void detach_publisher(uint64_t publisher_id, const std::string& reason);
  bool has_publisher() const { return publisher_.has_value(); }
  void kick_publisher(const std::string& reason);

  // The publisher's tracks are ready (sequence headers seen) or changed.
  void set_tracks(Tracks tracks);
  const Tracks& tracks() const { return tracks_; }
  bool tracks_ready() const { return tracks_ready_; }
  void push(Frame frame);

  void add_sink(std::shared_ptr<Sink> sink);
  void remove_sink(const Sink* sink);

  // The fan-out output of one format, created on first use (seeded with the cached GOP).
  std::shared_ptr<output::FanoutOutput> fanout(
      const std::string& format, const std::function<std::unique_ptr<output::Packager>()>& make);
  // A viewer of `format` left: drops the output when it has no viewers; may end an idle stream.
  void viewer_left(const std::string& format);

  // Starts the linger timer: a stream nobody publishes to is removed when it expires and no
  // viewer waits on it. Called at creation and when the publisher leaves.
  void arm_linger();

  StreamInfo info() const;
  // Server shutdown: ends outputs (HLS gets ENDLIST), closes viewers, kicks the publisher.
  void shutdown();

 private:
  void update_stats(TrackStats& s, size_t bytes);
  void check_idle();

  std::string app_, name_, path_;
  asio::any_io_executor executor_;
  const Config& config_;
  Logger log_;
  IdleCallback on_idle_;
  std::shared_ptr<hls::HlsSegmenter> hls_;
  mutable std::mutex hls_clients_mutex_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> hls_clients_;

  std::optional<PublisherInfo> publisher_;
  uint64_t publisher_id_ = 0;
  uint64_t publishes_ = 0;
  Tracks tracks_;
  bool tracks_ready_ = false;

  // Timeline: outputs see one monotonic timeline across reconnects and jumps.
  bool rebase_pending_ = false;
  int64_t ts_offset_ = 0;
  int64_t last_dts_ = INT64_MIN;

  std::vector<FramePtr> gop_;
  uint64_t gop_bytes_ = 0;
  std::vector<std::shared_ptr<Sink>> sinks_;
  std::map<std::string, std::shared_ptr<output::FanoutOutput>, std::less<>> fanouts_;

  TrackStats video_stats_, audio_stats_;
  uint64_t bytes_in_ = 0;
  std::chrono::system_clock::time_point created_ = std::chrono::system_clock::now();
  asio::steady_timer linger_timer_;
  bool linger_expired_ = false;
  bool removed_ = false;
};

}  // namespace firstmile::media
