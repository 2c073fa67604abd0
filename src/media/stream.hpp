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
#include <mutex>
#include <optional>
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
namespace firstmile::dash {
class DashSegmenter;
}

namespace firstmile::media {

namespace asio = boost::asio;

// Transport statistics of one client's link (SRT), sampled about once a second by its protocol
// thread. Counters are the connection's totals; the receive side for a publisher, the send side
// for a player.
struct LinkStats {
  double rtt_ms = 0;
  double bandwidth_mbps = 0;  // the link capacity the protocol estimates
  double send_rate_mbps = 0;
  double receive_rate_mbps = 0;
  uint64_t packets_lost = 0;
  uint64_t packets_retransmitted = 0;
  uint64_t packets_dropped = 0;  // too late to be played (receiver) or sent (sender)
};
// Link counters that only grow, by role ("publisher", "player"), for the metrics.
struct LinkTotals {
  uint64_t lost = 0, retransmitted = 0, dropped = 0;
  void add(const LinkStats& s) {
    lost += s.packets_lost;
    retransmitted += s.packets_retransmitted;
    dropped += s.packets_dropped;
  }
  void add(const LinkTotals& t) {
    lost += t.lost;
    retransmitted += t.retransmitted;
    dropped += t.dropped;
  }
};

struct PublisherInfo {
  std::string protocol;  // "rtmp", later "srt", "rtsp", "whip"
  std::string peer;      // "address:port"
  std::string query;     // the URL's query string, for auth (never logged)
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  // Ends the publisher's session (take-over, API kick, shutdown). Runs on the stream's executor.
  std::function<void(const std::string& reason)> kick;
  // Link statistics (SRT); unset for protocols without them. Any thread.
  std::function<std::optional<LinkStats>()> link_stats;
  uint64_t id = 0;  // client id, set by attach_publisher()
};

// What a viewer's session tells the stream about itself (RTMP player, HTTP-FLV client).
struct ViewerCounters {
  uint64_t bytes = 0;
  uint64_t dropped = 0;  // packets dropped for being slow
  uint64_t skips = 0;    // skips to the next keyframe
  bool slow_disconnect = false;
  std::optional<LinkStats> link;  // SRT players
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

// Totals that only grow, for the metrics (departed clients included).
struct StreamTotals {
  uint64_t bytes_in = 0;
  std::map<std::string, uint64_t> bytes_out;  // per protocol
  uint64_t dropped = 0, skips = 0, slow_disconnects = 0;
  std::map<std::string, LinkTotals> links;  // by role: "publisher", "player"
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
  const asio::any_io_executor& executor() const { return executor_; }
  // Set once while the registry creates the stream, read from HTTP threads afterwards.
  void set_hls(std::shared_ptr<hls::HlsSegmenter> hls) { hls_ = std::move(hls); }
  const std::shared_ptr<hls::HlsSegmenter>& hls() const { return hls_; }
  // The DASH output (dash.enabled), set like hls.
  void set_dash(std::shared_ptr<dash::DashSegmenter> dash) { dash_ = std::move(dash); }
  const std::shared_ptr<dash::DashSegmenter>& dash() const { return dash_; }
  // An HLS segment request from `address` (the client's IP). HLS viewers are the distinct
  // addresses that fetched a segment recently (HTTP is stateless; this is what a CDN log
  // would count too).
  // Returns true when the address is new (or came back after the window).
  bool note_hls_client(const std::string& address);
  size_t hls_viewers() const;
  // Bytes of HLS segments served (HTTP threads), for the metrics.
  void add_hls_bytes(uint64_t n) { hls_bytes_.fetch_add(n, std::memory_order_relaxed); }

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
  uint64_t next_client_id();
  ClientInfo publisher_client() const;
  ClientInfo viewer_client(uint64_t id, const ViewerEntry& v, const ViewerCounters& c) const;

  std::string app_, name_, path_;
  asio::any_io_executor executor_;
  const Config& config_;
  Logger log_;
  IdleCallback on_idle_;
  StreamHooks hooks_;
  uint64_t local_client_ids_ = 0;
  std::map<uint64_t, ViewerEntry> viewers_;
  StreamTotals totals_;  // departed clients only; info() adds the connected ones
  uint64_t publisher_bytes_at_start_ = 0;
  std::shared_ptr<hls::HlsSegmenter> hls_;
  std::shared_ptr<dash::DashSegmenter> dash_;
  mutable std::mutex hls_clients_mutex_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> hls_clients_;
  std::atomic<uint64_t> hls_bytes_{0};

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
