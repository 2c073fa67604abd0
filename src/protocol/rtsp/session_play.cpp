// rtsp::Session, playing: DESCRIBE (play auth, the stream's SDP), SETUP of its tracks with RTP
// interleaved on the server's channels, PLAY (the one viewer path: a Viewer on the stream's
// "rtsp" fan-out, whose RtpPackager frames each frame's RTP once for every player).
#include <boost/asio/co_spawn.hpp>

#include "protocol/rtsp/session.hpp"

#include "core/stream_name.hpp"
#include "output/fanout_config.hpp"
#include "protocol/pull/demand.hpp"
#include "protocol/rtsp/rtp_packager.hpp"
#include "protocol/rtsp/wire/request_url.hpp"
#include "protocol/rtsp/wire/transport.hpp"

namespace firstmile::rtsp {

asio::awaitable<void> Session::on_describe(const Message& request) {
  auto url = parse_request_url(request.uri);
  if (!url || url->segments.size() != 2 || !valid_name(url->segments[0]) ||
      !valid_name(url->segments[1], ctx_.config.stream.max_name_length)) {
    reply(request, 404, "Not Found (the URL must be rtsp://HOST:PORT/APP/STREAM)");
    co_return;
  }
  bool stale = false;
  auto credentials = credentials_of(request, stale);
  const bool sent_credentials = credentials.has_value();
  control::AccessRequest access{"rtsp", url->segments[0],      url->segments[1], url->query,
                                peer_,  std::move(credentials)};
  // The task is a named local: GCC 12 mishandles temporaries inside co_await expressions.
  auto task = ctx_.admission.authorize_play(std::move(access));
  auto decision = co_await std::move(task);
  app_ = url->segments[0];
  stream_name_ = url->segments[1];
  query_ = url->query;
  if (!decision.allowed && (decision.http_status == 401 || decision.http_status == 403) &&
      challenges_ < kMaxChallenges) {
    // The client may have credentials it sends only when asked (rtsp://user:pass@...).
    ++challenges_;
    ctx_.log->info("rtsp play challenged stream={} peer={} credentials={} reason=\"{}\"", label(),
                   peer_, sent_credentials ? "refused" : (stale ? "stale" : "none"),
                   decision.reason);
    challenge(request, false, app_, stale, decision.reason);
    co_return;
  }
  if (!decision.allowed) {
    ctx_.log->warn("rtsp play refused stream={} peer={} reason=\"{}\"", label(), peer_,
                   decision.reason);
    reply(request, decision.http_status == 503 ? 503 : 403, decision.reason);
    co_return;
  }
  // A stream an on-demand pull publishes starts now; the DESCRIBE waits for it.
  std::function<bool()> live = [this] {
    auto s = ctx_.streams.find(app_, stream_name_);
    return s && s->live();
  };
  auto waiting = pull::wait_for_demand(ctx_, app_, stream_name_, std::move(live));
  co_await std::move(waiting);
  auto stream = ctx_.streams.find(app_, stream_name_);
  if (!stream) {
    ctx_.log->info("rtsp play refused stream={} peer={} reason=\"no such stream\"", label(), peer_);
    reply(request, 404, "Not Found (no such stream)");
    co_return;
  }
  stream_ = std::move(stream);
  pending_describe_ = request;
}

void Session::answer_describe(const Message& request) {
  boost::system::error_code ec;
  const auto local = socket_.local_endpoint(ec).address();
  auto sdp = stream_->tracks_ready()
                 ? describe_tracks(stream_->tracks(), ec ? "0.0.0.0" : local.to_string())
                 : std::nullopt;
  if (!sdp) {
    reply(request, 404, "Not Found (the stream has no track RTSP can carry yet)");
    end_reason_ = "nothing to describe";
    return;
  }
  phase_ = Phase::Described;
  // Content-Base: the URLs SETUP names tracks by (RFC 2326 C.1.1).
  reply(request, 200, "OK",
        {{"Content-Base", request.uri + "/"}, {"Content-Type", "application/sdp"}},
        std::move(*sdp));
}

void Session::on_setup_play(const Message& request) {
  auto url = parse_request_url(request.uri);
  int track = -1;
  if (url && url->segments.size() == 3 && url->segments[0] == app_ &&
      url->segments[1] == stream_name_) {
    if (url->segments[2] == "trackID=0" && stream_->tracks().video) track = 0;
    if (url->segments[2] == "trackID=1" && stream_->tracks().audio) track = 1;
  }
  if (track < 0) {
    reply(request, 404, "Not Found (no such track)");
    return;
  }
  if (phase_ == Phase::Playing) {
    reply(request, 455, "Method Not Valid in This State (SETUP while playing)");
    return;
  }
  const auto header = request.header("Transport");
  auto offered = header ? parse_transports(*header) : Result<std::vector<Transport>>(fail("none"));
  // The client's first alternative the server serves: TCP interleaved, or unicast UDP to the
  // client's ports; every track of a session the same way.
  const Transport* chosen = nullptr;
  if (offered) {
    for (const auto& t : *offered) {
      if (!t.multicast && (t.tcp || t.client_port) &&
          (!play_over_udp_ || *play_over_udp_ == !t.tcp)) {
        chosen = &t;
        break;
      }
    }
  }
  if (!chosen) {
    reply(request, 461,
          "Unsupported Transport (RTP/AVP/TCP, or unicast RTP/AVP with client_port, the same for "
          "every track)");
    return;
  }
  const auto index = static_cast<size_t>(track);
  Transport confirmed;
  if (chosen->tcp) {
    // The server's channels, whatever the client asked for: every player shares the same
    // framed packets (RtpPackager). RFC 2326 12.39 lets the server's answer set them.
    const uint8_t channel = track == 0 ? kVideoChannel : kAudioChannel;
    confirmed.tcp = true;
    confirmed.interleaved = PortPair{channel, static_cast<uint16_t>(channel + 1)};
  } else {
    if (!play_udp_[index]) {
      boost::system::error_code ec;
      const auto local = socket_.local_endpoint(ec).address();
      auto pair = ec ? Result<std::unique_ptr<UdpPortPool::Pair>>(fail(ec.message()))
                     : udp_ports_->take(local, socket_.get_executor());
      if (!pair) {
        ctx_.log->warn("rtsp play refused stream={} peer={} reason=\"{}\"", label(), peer_,
                       pair.error().message);
        reply(request, 453, "Not Enough Bandwidth (" + pair.error().message + ")");
        return;
      }
      play_udp_[index] = std::move(*pair);
    }
    play_client_ports_[index] = chosen->client_port->rtp;
    confirmed.client_port = chosen->client_port;
    confirmed.server_port =
        PortPair{play_udp_[index]->port, static_cast<uint16_t>(play_udp_[index]->port + 1)};
  }
  play_over_udp_ = !chosen->tcp;
  play_tracks_[index] = true;
  if (session_id_.empty()) session_id_ = new_session_id();
  reply(request, 200, "OK", {{"Transport", write(confirmed)}});
}

void Session::on_play(const Message& request) {
  if (phase_ == Phase::Playing) {
    reply(request, 200, "OK");  // a PLAY while playing: nothing to change on a live stream
    return;
  }
  if (phase_ != Phase::Described || (!play_tracks_[0] && !play_tracks_[1])) {
    reply(request, 455, "Method Not Valid in This State (PLAY before SETUP)");
    return;
  }
  if (!slot_.become_viewer()) {
    ctx_.log->warn("rtsp play refused stream={} peer={} reason=\"viewer connections full\"",
                   label(), peer_);
    reply(request, 503, "Service Unavailable (too many viewers)");
    end_reason_ = "viewer connections full";
    return;
  }
  if (*play_over_udp_) {
    play_udp(request);
    return;
  }
  viewer_ =
      std::make_shared<output::Viewer>(socket_.get_executor(), ctx_.config.get<FanoutConfig>());
  viewer_->on_close = [this](const std::string& reason) {
    ctx_.log->warn("rtsp viewer dropped stream={} peer={} reason=\"{}\"", label(), peer_, reason);
  };
  // The answer goes first in the viewer's queue, ahead of the cached GOP the attach sends.
  reply(request, 200, "OK", {{"Range", "npt=0.000-"}});
  output::Packet answer;
  answer.data = Buffer::copy(as_bytes(out_));
  answer.config = true;
  out_.clear();
  viewer_->push(answer);
  attach_player(viewer_, [weak = weak_from_this()] {
    media::ViewerCounters c;
    if (auto self = weak.lock(); self && self->viewer_) {
      const auto& st = self->viewer_->stats();
      c = {st.bytes_sent, st.packets_dropped, st.skips, false, {}};
    }
    return c;
  });
  phase_ = Phase::Playing;
  last_activity_ = std::chrono::steady_clock::now();
  asio::co_spawn(socket_.get_executor(), write_media(shared_from_this()),
                 LogExceptions{ctx_.log, "rtsp player", &ctx_.faults, "rtsp"});
  ctx_.log->info("rtsp play start stream={} peer={} video={} audio={}", label(), peer_,
                 play_tracks_[0], play_tracks_[1]);
}

void Session::attach_player(std::shared_ptr<output::Subscriber> player,
                            std::function<media::ViewerCounters()> counters) {
  media::ViewerEntry entry;
  entry.protocol = "rtsp";
  entry.peer = peer_;
  entry.query = query_;
  // A kick closes whichever subscriber plays; its end closes the session.
  entry.kick = [player = std::weak_ptr<output::Subscriber>(player)](const std::string& reason) {
    if (auto p = player.lock()) p->close(reason);
  };
  entry.counters = std::move(counters);
  viewing_ = output::ViewerAttachment::attach(
      *stream_, "rtsp", [] { return std::make_unique<RtpPackager>(); }, std::move(player),
      std::move(entry));
}

asio::awaitable<void> Session::write_media(std::shared_ptr<Session> self) {
  co_await viewer_->write_loop(socket_);
  // The stream ended (what was queued is written), the viewer was dropped or kicked, or a write
  // failed: the session ends, and its read is cancelled by the close.
  if (end_reason_.empty()) {
    end_reason_ = viewer_->close_reason().empty() ? "stream ended" : viewer_->close_reason();
  }
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void Session::play_udp(const Message& request) {
  std::array<std::optional<UdpPlayer::Target>, 2> targets;
  for (size_t i = 0; i < 2; ++i) {
    if (!play_tracks_[i] || !play_udp_[i]) continue;
    boost::system::error_code ignored;
    play_udp_[i]->rtp->non_blocking(true, ignored);
    targets[i] =
        UdpPlayer::Target{&*play_udp_[i]->rtp, udp::endpoint(peer_address_, play_client_ports_[i])};
  }
  udp_player_ = std::make_shared<UdpPlayer>(targets);
  udp_player_->on_end = [this](const std::string& reason) {
    // The stream ended, or a kick: the session ends with it.
    if (end_reason_.empty()) end_reason_ = reason;
    boost::system::error_code ignored;
    socket_.close(ignored);
  };
  // The answer goes on the RTSP connection, before the attach sends the cached GOP.
  reply(request, 200, "OK", {{"Range", "npt=0.000-"}});
  attach_player(udp_player_, [weak = weak_from_this()] {
    media::ViewerCounters c;
    if (auto self = weak.lock(); self && self->udp_player_) {
      const auto& st = self->udp_player_->stats();
      c = {st.bytes_sent, st.packets_dropped, 0, false, {}};
    }
    return c;
  });
  phase_ = Phase::Playing;
  last_activity_ = std::chrono::steady_clock::now();
  ctx_.log->info("rtsp play start stream={} peer={} video={} audio={} transport=udp", label(),
                 peer_, play_tracks_[0], play_tracks_[1]);
}

void Session::end_play() {
  if (udp_player_) {
    const std::string reason = end_reason_.empty() ? "closed" : end_reason_;
    udp_player_->on_end = nullptr;
    udp_player_->close(reason);
    viewing_.detach(reason);
    const auto& st = udp_player_->stats();
    ctx_.log->info("rtsp play stop stream={} peer={} bytes={} packets={} dropped={} reason=\"{}\"",
                   label(), peer_, st.bytes_sent, st.packets_sent, st.packets_dropped, reason);
    udp_player_.reset();
    return;
  }
  if (!viewer_) return;
  const std::string reason = end_reason_.empty() ? "closed" : end_reason_;
  if (end_reason_ == "teardown") {
    // The TEARDOWN's answer waits in the viewer's queue behind the media already there: no more
    // media comes, what is queued is written, then write_media closes the connection (players
    // such as GStreamer's wait for that answer).
    viewing_.detach(reason);
    viewer_->finish();
    closing_after_writes_ = true;
  } else {
    viewer_->close(reason);
    viewing_.detach(reason);
  }
  const auto& st = viewer_->stats();
  ctx_.log->info("rtsp play stop stream={} peer={} bytes={} dropped={} skips={} reason=\"{}\"",
                 label(), peer_, st.bytes_sent, st.packets_dropped, st.skips, reason);
}

}  // namespace firstmile::rtsp
