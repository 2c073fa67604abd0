#pragma once
// Stream: the hub of one live stream. It owns the tracks, a cache from the last keyframe, the
// outputs (sinks) and the statistics, and knows nothing of any wire protocol. Everything but
// the few members marked "any thread" runs on the stream's executor only: sessions that attach
// to a stream move there first (docs/architecture.md, "Threads").
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "media/frame.hpp"
#include "media/link_stats.hpp"
#include "media/sink.hpp"
#include "media/track.hpp"

namespace firstmile::media {

namespace asio = boost::asio;

struct PublisherInfo {
  std::string protocol;  // "rtmp", "srt", "udp", later "rtsp", "whip"
  std::string peer;      // "address:port"
  std::string query;     // the URL's query string, for auth (never logged)
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  // Ends the publisher's session (take-over, API kick, shutdown). Runs on the stream's executor.
  std::function<void(const std::string& reason)> kick;
  // Link statistics, for protocols that measure their link (SRT); unset for the others. Any
  // thread.
  std::function<std::optional<LinkStats>()> link_stats;
  uint64_t id = 0;  // client id, set by attach_publisher()
};

// What a viewer's session tells the stream about itself (RTMP player, HTTP-FLV client).
struct ViewerCounters {
  uint64_t bytes = 0;
  uint64_t dropped = 0;  // packets dropped for being slow
  uint64_t skips = 0;    // skips to the next keyframe
  bool slow_disconnect = false;
  std::optional<LinkStats> link;  // protocols that measure their link
};
struct ViewerEntry {
  std::string protocol;  // "rtmp", "flv", "srt"
  std::string peer;
  std::string query;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  std::function<void(const std::string& reason)> kick;  // stream executor
  std::function<ViewerCounters()> counters;             // stream executor
};

// One connected client as the API shows it.
struct ClientInfo {
  uint64_t id = 0;
  bool publisher = false;
  std::string protocol, peer, query;
  std::chrono::system_clock::time_point started;
  uint64_t bytes = 0;  // received from a publisher, sent to a viewer
  double bitrate = 0;  // bits per second (publisher: last window; viewer: average)
  std::optional<LinkStats> link;
};

// The key of StreamTotals::links: "srt/publisher".
inline std::string link_key(const std::string& protocol, const std::string& role) {
  return protocol + "/" + role;
}

// Totals that only grow, for the metrics (departed clients included).
struct StreamTotals {
  uint64_t bytes_in = 0;
  std::map<std::string, uint64_t> bytes_out;  // per protocol
  uint64_t dropped = 0, skips = 0, slow_disconnects = 0;
  // By protocol and role: link_key("srt", "publisher"), link_key("rtsp", "publisher"), ...
  std::map<std::string, LinkTotals> links;
};

class Stream;
// What the control plane hears of a stream's life (webhooks, metrics). Called on the stream's
// executor: implementations only queue work and return.
class StreamEvents {
 public:
  virtual ~StreamEvents() = default;
  virtual void publish_stopped(const Stream& stream, const ClientInfo& publisher,
                               const std::string& reason) = 0;
  virtual void play_started(const Stream& stream, const ClientInfo& viewer) = 0;
  virtual void play_stopped(const Stream& stream, const ClientInfo& viewer,
                            const std::string& reason) = 0;
};

// Shared by every stream of a server: client ids unique across streams, and the listener.
struct StreamHooks {
  StreamEvents* events = nullptr;
  std::atomic<uint64_t>* client_ids = nullptr;
};

struct TrackStats {
  uint64_t frames = 0;
  uint64_t bytes = 0;
  // Frames dropped because their time did not advance past the track's previous frame.
  uint64_t timestamp_errors = 0;
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
  std::vector<ClientInfo> clients;  // publisher first, then connected viewers
  StreamTotals totals;
};

class Stream : public std::enable_shared_from_this<Stream> {
 public:
  using IdleCallback = std::function<void(Stream&)>;

  Stream(std::string app, std::string name, asio::any_io_executor executor, const Config& config,
         Logger log, IdleCallback on_idle, StreamHooks hooks = {});
  ~Stream();

  // Any thread.
  const std::string& app() const { return app_; }
  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }
  // The path as logs show it: unless the control plane gave the publish a name of its own
  // (mark_name_public), the name may be the publisher's stream key, so it is shortened
  // ("live/abcd…(12)").
  std::string log_label() const;
  void mark_name_public() { name_public_.store(true, std::memory_order_relaxed); }
  const asio::any_io_executor& executor() const { return executor_; }
  // The configuration the server started with (outputs read their settings from it).
  const Config& config() const { return config_; }

  // Outputs for the stream's whole life (HLS, DASH, later a recorder), attached by the
  // registry's setup before anyone else sees the stream; from then on the table is read-only, so
  // any thread (an HTTP request) may look one up by its key.
  void add_output(std::string key, std::shared_ptr<Sink> sink);
  std::shared_ptr<Sink> output(std::string_view key) const;
  template <class T>
  std::shared_ptr<T> output_as(std::string_view key) const {
    return std::dynamic_pointer_cast<T>(output(key));
  }

  // Stream executor only.
  Result<uint64_t> attach_publisher(PublisherInfo info);
  void detach_publisher(uint64_t publisher_id, const std::string& reason);
  bool has_publisher() const { return publisher_.has_value(); }
  void kick_publisher(const std::string& reason);

  // Connected viewers (for the API, kicks and lifecycle events). add_viewer() returns the
  // viewer's client id; remove_viewer() is idempotent.
  uint64_t add_viewer(ViewerEntry entry);
  void remove_viewer(uint64_t id, const std::string& reason);
  // Ends the publisher or viewer with this client id; false if it is not on this stream.
  bool kick_client(uint64_t id, const std::string& reason);

  // The publisher's tracks are ready (sequence headers seen) or changed.
  void set_tracks(Tracks tracks);
  const Tracks& tracks() const { return tracks_; }
  bool tracks_ready() const { return tracks_ready_; }
  // Any thread: a publisher is attached and its tracks are known (what tracks_ready() and
  // has_publisher() say together on the stream's executor, a moment later elsewhere).
  bool live() const { return live_.load(std::memory_order_acquire); }
  // A publisher has claimed the name (StreamRegistry::acquire); until then only players wait on
  // it, and it goes as soon as none does. Any thread.
  bool claimed() const { return claimed_.load(std::memory_order_acquire); }
  void claim() { claimed_.store(true, std::memory_order_release); }
  void push(Frame frame);

  // An unkeyed sink, attached and detached at any time (tests, taps).
  void add_sink(std::shared_ptr<Sink> sink);
  void remove_sink(const Sink* sink);

  // On-demand outputs by key (the RTMP, FLV and TS fan-outs): the first viewer of a format
  // makes it (seeded from the cached GOP), later viewers share it. release_sink() is what a
  // viewer calls as it leaves: the sink is dropped once it is no longer in use, and a stream
  // nobody publishes to may then end.
  std::shared_ptr<Sink> demand_sink(std::string_view key,
                                    const std::function<std::shared_ptr<Sink>()>& make);
  void release_sink(std::string_view key);

  // The registry is going away (server teardown, workers stopped): never call on_idle.
  void forget_idle_callback() { on_idle_ = nullptr; }

  // Starts the linger timer: a stream nobody publishes to is removed when it expires and no
  // viewer waits on it. Called at creation and when the publisher leaves.
  void arm_linger();

  StreamInfo info() const;
  // Server shutdown: ends outputs (HLS gets ENDLIST), closes viewers, kicks the publisher.
  void shutdown();

 private:
  void update_stats(TrackStats& s, size_t bytes);
  void check_idle();
  uint64_t next_client_id();
  ClientInfo publisher_client() const;
  ClientInfo viewer_client(uint64_t id, const ViewerEntry& v, const ViewerCounters& c) const;

  std::string app_, name_, path_;
  std::atomic<bool> name_public_{false};
  std::atomic<bool> live_{false};
  asio::any_io_executor executor_;
  const Config& config_;
  Logger log_;
  IdleCallback on_idle_;
  StreamHooks hooks_;
  uint64_t local_client_ids_ = 0;
  std::map<uint64_t, ViewerEntry> viewers_;
  StreamTotals totals_;  // departed clients only; info() adds the connected ones
  uint64_t publisher_bytes_at_start_ = 0;
  // Keyed outputs for the stream's life: written by the registry's setup, then read-only.
  std::map<std::string, std::shared_ptr<Sink>, std::less<>> outputs_;

  std::optional<PublisherInfo> publisher_;
  uint64_t publisher_id_ = 0;
  uint64_t publishes_ = 0;
  Tracks tracks_;
  bool tracks_ready_ = false;

  // Timeline: outputs see one monotonic timeline across reconnects and jumps.
  bool rebase_pending_ = false;
  int64_t ts_offset_ = 0;
  int64_t last_dts_ = INT64_MIN;
  // Per track (video, audio), on the outputs' timeline: a frame must come after its track's
  // previous one, or outputs would write zero or negative durations and a segment whose time
  // never advances would grow without bound.
  int64_t last_track_dts_[2] = {INT64_MIN, INT64_MIN};
  std::chrono::steady_clock::time_point timestamp_log_{};  // last "timestamp" warning
  uint64_t timestamp_errors_logged_ = 0;                   // errors counted at that warning

  std::vector<FramePtr> gop_;
  uint64_t gop_bytes_ = 0;
  std::vector<std::shared_ptr<Sink>> sinks_;  // every output, in attach order, on-demand ones aside
  std::map<std::string, std::shared_ptr<Sink>, std::less<>> demand_;

  TrackStats video_stats_, audio_stats_;
  uint64_t bytes_in_ = 0;
  std::chrono::system_clock::time_point created_ = std::chrono::system_clock::now();
  asio::steady_timer linger_timer_;
  bool linger_expired_ = false;
  std::atomic<bool> claimed_{false};
  bool published_ = false;  // a publisher attached once
  bool removed_ = false;
};

}  // namespace firstmile::media
