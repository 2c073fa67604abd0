#pragma once
// The media side of an RTSP publish, whoever started it: an encoder that ANNOUNCEd and RECORDs
// (rtsp::Session) or a camera the server pulls from (rtsp::PullSource). It owns a receiver per
// SDP media section and the publication they feed: RTP (in order from TCP, or through a reorder
// buffer from UDP) becomes the hub's frames, RTCP sender reports anchor each track's RTP clock on
// one session clock, and receiver reports go back every few seconds. The tracks are announced
// once each knows its configuration (or a while after the first packet for those that do).
// The transport (which channel or port carries which track) stays with the caller. Lives on the
// stream's executor once the publication is attached.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/log.hpp"
#include "format/rtp/reorder_buffer.hpp"
#include "format/rtp/rtcp_stats.hpp"
#include "format/rtp/track_receiver.hpp"
#include "media/link_stats.hpp"
#include "protocol/publish/publication.hpp"
#include "transcode/audio_to_aac.hpp"

namespace firstmile::rtsp {

class RtpIngest {
 public:
  RtpIngest();
  ~RtpIngest();
  RtpIngest(const RtpIngest&) = delete;
  RtpIngest& operator=(const RtpIngest&) = delete;

  // The session's media, in SDP order; returns its index. G.711 audio is made AAC here (once for
  // the stream); refused when that cannot be set up.
  Result<size_t> add_track(std::unique_ptr<format::rtp::TrackReceiver> receiver);
  size_t size() const { return tracks_.size(); }
  const format::rtp::TrackReceiver& receiver(size_t track) const {
    return *tracks_[track].receiver;
  }
  // The track was set up (only those are announced, reported on and flushed).
  void set_up(size_t track) { tracks_[track].set_up = true; }
  bool is_set_up(size_t track) const { return tracks_[track].set_up; }
  bool any_set_up() const;
  // "H264/90000,MPEG4-GENERIC/48000" of the tracks set up, for log lines.
  std::string codecs() const;

  // Stream executor: the media now goes to `publication`; `label` names the stream in logs.
  void start(std::unique_ptr<publish::Publication> publication, Logger log, std::string label);
  bool publishing() const { return publication_ && !publication_->ended(); }

  // An RTP packet of `track`, in order (TCP interleaved).
  void on_rtp(size_t track, ByteSpan packet);
  // A datagram of `track` from UDP: put back in order first.
  void on_datagram(size_t track, ByteSpan datagram);
  void on_rtcp(size_t track, ByteSpan data);
  // On a timer (a few times a second): gaps that waited long enough give way, tracks that
  // waited long enough for their configuration are announced.
  void tick();
  // Every 5 s (RFC 3550 6.2's minimum for a small session): a receiver report for each track
  // that has received media, as compound RTCP for `send`.
  void send_reports(const std::function<void(size_t track, const Bytes& rtcp)>& send);
  bool reports_due() const;

  // The last access units, then the publication ends with `reason` (nothing when not started).
  // Returns the counters for the stop line.
  std::string end(const std::string& reason);
  std::string counters_summary() const;
  // Packets that came when nothing could take them (before start(), not RTP).
  uint64_t ignored() const { return ignored_; }
  // For PublisherInfo::link_stats (any thread): packets lost (sequence gaps) and dropped (late
  // or duplicate over UDP), as of the last tick() or end().
  std::function<std::optional<media::LinkStats>()> link_stats() const;

 private:
  struct Track {
    std::unique_ptr<format::rtp::TrackReceiver> receiver;
    bool set_up = false;
    format::rtp::ReorderBuffer reorder;
    std::optional<format::rtp::ReceptionStats> stats;  // from the first packet's source on
    format::rtp::SequenceUnwrapper sequences;
    std::unique_ptr<transcode::AudioToAac> to_aac;  // G.711: what the hub gets is AAC
    std::optional<media::TrackInfo> aac_track;      // to_aac's track
  };
  // The track as announced (AAC for a G.711 one).
  const std::optional<media::TrackInfo>& announced_track(const Track& t) const;
  // Passes the receiver's frames of `t` (in frames_) to the publication, made AAC first for a
  // G.711 track (`last`: with what the encoder still holds).
  void publish_frames(Track& t, bool last = false);
  int64_t now_ticks() const;
  int64_t now_ms() const;
  void release(size_t track, std::vector<Bytes>& released);
  void announce_if_ready(int64_t now);

  std::vector<Track> tracks_;
  std::unique_ptr<publish::Publication> publication_;
  Logger log_;
  std::string label_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_reports_ = started_;
  bool announced_ = false;
  std::optional<int64_t> first_packet_;
  std::vector<media::Frame> frames_;
  uint64_t ignored_ = 0;
  struct Link {
    std::atomic<uint64_t> lost{0}, dropped{0};
  };
  std::shared_ptr<Link> link_ = std::make_shared<Link>();
  void update_link();
  uint64_t rtcp_packets_ = 0;
  uint64_t sender_reports_ = 0;
  uint64_t receiver_reports_ = 0;
  const uint32_t ssrc_;  // ours, in receiver reports
  // The sender's NTP time (seconds) of the first sender report and where it fell on the session
  // clock: the sender's clock mapped onto ours, for the tracks' anchors.
  std::optional<double> ntp_origin_;
  int64_t ntp_origin_ticks_ = 0;
};

}  // namespace firstmile::rtsp
