#include "protocol/rtsp/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <random>

#include "core/awaitable.hpp"
#include "core/stream_name.hpp"
#include "format/rtp/packet.hpp"
#include "format/sdp.hpp"
#include "protocol/publish/admit.hpp"
#include "protocol/rtsp/queued_write.hpp"
#include "protocol/rtsp/rtsp_config.hpp"
#include "protocol/rtsp/wire/request_url.hpp"
#include "protocol/rtsp/wire/transport.hpp"

namespace firstmile::rtsp {

using namespace boost::asio::experimental::awaitable_operators;
namespace rtp = format::rtp;

namespace {

// Requests are small: a session reads them (and a player its keep-alives) in a small buffer,
// and takes the large one when it records media interleaved in the connection.
constexpr size_t kRequestReadBuffer = 4 * 1024;
constexpr size_t kMediaReadBuffer = 64 * 1024;
constexpr size_t kMaxTracks = 8;  // media sections in one ANNOUNCE
constexpr std::string_view kPublic =
    "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER";

}  // namespace

std::string new_session_id() {
  std::random_device rd;
  std::uniform_int_distribution<uint64_t> dist;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(dist(rd)));
  return buf;
}

namespace {

// The path a control URL names below the stream ("streamid=0"), from an absolute control URL
// or a relative one.
std::string control_path(std::string_view control) {
  if (control.find("://") == std::string_view::npos) return std::string(control);
  auto url = parse_request_url(control);
  if (!url || url->segments.size() < 2) return std::string(control);
  std::string out;
  for (size_t i = 2; i < url->segments.size(); ++i) {
    if (!out.empty()) out += '/';
    out += url->segments[i];
  }
  return out;
}

}  // namespace

Session::Session(ServerContext& ctx, tcp::socket socket, ConnectionLimiter::Slot slot,
                 std::shared_ptr<UdpPortPool> udp_ports)
    : ctx_(ctx),
      udp_ports_(std::move(udp_ports)),
      socket_(std::move(socket)),
      slot_(std::move(slot)),
      peer_(peer_string(socket_)) {
  read_buffer_.resize(kRequestReadBuffer);
  boost::system::error_code ec;
  peer_address_ = socket_.remote_endpoint(ec).address();
}

bool Session::move_udp_sockets(const asio::any_io_executor& executor) {
  for (auto& t : tracks_) {
    if (!t.udp) continue;
    for (auto* socket : {&t.udp->rtp, &t.udp->rtcp}) {
      auto moved = move_udp_socket(**socket, executor);
      if (!moved) {
        ctx_.log->warn("rtsp session peer={} error=\"{}\"", peer_, moved.error().message);
        return false;
      }
      socket->emplace(std::move(*moved));
    }
  }
  return true;
}

Session::~Session() = default;

std::string Session::label() const {
  if (stream_name_.empty()) return "-";
  // The name may be the secret stream key, unless the control plane renamed it.
  return app_ + "/" + (renamed_ ? stream_name_ : redact(stream_name_));
}

asio::awaitable<void> Session::start() {
  auto self = shared_from_this();
  co_await (serve() || watchdog());
  if (stream_ && (pending_record_ || pending_describe_)) {
    const auto& ex = stream_->executor();
    if (ex != socket_.get_executor()) {
      auto moved = move_socket(socket_, ex);
      if (!moved) {
        ctx_.log->warn("rtsp session peer={} error=\"{}\"", peer_, moved.error().message);
        co_return;
      }
      socket_ = std::move(*moved);
      if (!move_udp_sockets(ex)) co_return;
    }
    asio::co_spawn(ex, continue_on_stream(self),
                   LogExceptions{ctx_.log, "rtsp session", &ctx_.faults, "rtsp"});
    co_return;
  }
  ctx_.log->debug("rtsp close peer={} stream={} reason=\"{}\"", peer_, label(),
                  end_reason_.empty() ? "closed" : end_reason_);
}

asio::awaitable<void> Session::continue_on_stream(std::shared_ptr<Session> self) {
  if (pending_describe_) {
    const Message describe = std::move(*pending_describe_);
    pending_describe_.reset();
    answer_describe(describe);
    co_await flush();
    if (end_reason_.empty()) co_await (serve() || watchdog());
    end_on_stream();
    co_return;
  }
  const Message record = std::move(*pending_record_);
  pending_record_.reset();
  if (auto st = attach_publication(); !st) {
    ctx_.log->warn("rtsp refused stream={} peer={} reason=\"{}\"", label(), peer_,
                   st.error().message);
    reply(record, 403, st.error().message);
    co_await flush();
    end_reason_ = st.error().message;
    end_on_stream();
    co_return;
  }
  phase_ = Phase::Recording;
  read_buffer_.resize(kMediaReadBuffer);
  last_activity_ = std::chrono::steady_clock::now();
  reply(record, 200, "OK");
  co_await flush();
  for (size_t i = 0; i < tracks_.size(); ++i) {
    if (!tracks_[i].udp) continue;
    for (bool rtcp : {false, true}) {
      asio::co_spawn(socket_.get_executor(), receive_udp(self, i, rtcp),
                     LogExceptions{ctx_.log, "rtsp udp", &ctx_.faults, "rtsp"});
    }
  }
  if (end_reason_.empty()) co_await (serve() || watchdog());
  end_on_stream();
}

asio::awaitable<void> Session::watchdog() {
  asio::steady_timer timer(socket_.get_executor());
  for (;;) {
    timer.expires_after(std::chrono::milliseconds(250));
    auto [ec] = co_await timer.async_wait(kAwaitable);
    if (ec) co_return;
    const auto& cfg = ctx_.config.get<RtspConfig>();
    const auto now = std::chrono::steady_clock::now();
    const bool streaming = phase_ == Phase::Recording || phase_ == Phase::Playing;
    if (!streaming && now - started_ > cfg.handshake_timeout) {
      end_reason_ = "no RECORD or PLAY within rtsp.handshake_timeout";
      co_return;
    }
    if (phase_ == Phase::Playing && now - last_activity_ > cfg.session_timeout) {
      // A player keeps its session with requests (GET_PARAMETER, OPTIONS) or RTCP.
      end_reason_ = "nothing received within rtsp.session_timeout";
      co_return;
    }
    if (phase_ == Phase::Recording) {
      if (now - last_activity_ > cfg.session_timeout) {
        end_reason_ = "nothing received within rtsp.session_timeout";
        co_return;
      }
      ingest_.tick();
      if (ingest_.reports_due()) {
        send_reports();
        co_await flush();
      }
    }
  }
}

asio::awaitable<void> Session::serve() {
  for (;;) {
    for (;;) {
      auto item = reader_.next();
      if (!item) {
        end_reason_ = "malformed request: " + item.error().message;
        ctx_.log->warn("rtsp refused peer={} stream={} reason=\"{}\"", peer_, label(), end_reason_);
        Message bad;
        reply(bad, 400, "Bad Request");
        co_await flush();
        co_return;
      }
      if (!*item) break;
      if (auto* frame = std::get_if<InterleavedFrame>(&**item)) {
        on_frame(frame->channel, frame->data);
        continue;
      }
      co_await handle(std::get<Message>(**item));
      co_await flush();
      if (!end_reason_.empty()) co_return;
      // RECORD admitted, DESCRIBE allowed: the rest is served on the stream's executor.
      if (pending_record_ || pending_describe_) co_return;
    }
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), kAwaitable);
    if (ec) {
      if (end_reason_.empty()) {
        end_reason_ = ec == asio::error::eof ? "closed by peer" : ec.message();
      }
      co_return;
    }
    last_activity_ = std::chrono::steady_clock::now();
    reader_.feed(ByteSpan(read_buffer_.data(), n));
  }
}

Message Session::answer(const Message& request, int status, std::string_view reason) const {
  Message m;
  m.status = status;
  m.reason = std::string(reason);
  if (auto cseq = request.header("CSeq")) m.headers.emplace_back("CSeq", std::string(*cseq));
  m.headers.emplace_back("Server", "firstmile/" FIRSTMILE_VERSION);
  if (!session_id_.empty()) {
    const auto timeout = std::chrono::duration_cast<std::chrono::seconds>(
        ctx_.config.get<RtspConfig>().session_timeout);
    m.headers.emplace_back("Session", session_id_ + ";timeout=" + std::to_string(timeout.count()));
  }
  return m;
}

void Session::reply(const Message& request, int status, std::string_view reason, Headers headers,
                    std::string body) {
  Message m = answer(request, status, reason);
  for (auto& h : headers)
    m.headers.push_back(std::move(h));
  m.body = std::move(body);
  out_ += write(m);
}

asio::awaitable<void> Session::flush() {
  // Answers (serve) and receiver reports (watchdog) share the connection: one writer at a time,
  // which takes whatever was queued meanwhile too.
  if (viewer_) {
    // Playing: the viewer owns the connection's writes; answers go in its queue, never dropped.
    if (!out_.empty()) {
      output::Packet p;
      p.data = Buffer::copy(as_bytes(out_));
      p.config = true;
      viewer_->push(p);
      out_.clear();
    }
    co_return;
  }
  auto writing = write_queued(socket_, out_, writing_);
  const auto ec = co_await std::move(writing);
  if (ec && end_reason_.empty()) end_reason_ = ec.message();
}

asio::awaitable<void> Session::handle(const Message& request) {
  if (!request.is_request()) co_return;  // a response: nothing was asked of the client
  if (!request.cseq()) {
    reply(request, 400, "Bad Request (no CSeq)");
    co_return;
  }
  // RFC 2326 12.37: a request naming another session is refused.
  if (auto s = request.header("Session")) {
    if (session_id_.empty() || session_id(*s) != session_id_) {
      reply(request, 454, "Session Not Found");
      co_return;
    }
  }
  const std::string& method = request.method;
  if (method == "OPTIONS") {
    reply(request, 200, "OK", {{"Public", std::string(kPublic)}});
  } else if (method == "ANNOUNCE") {
    on_announce(request);
  } else if (method == "DESCRIBE") {
    if (phase_ != Phase::Init) {
      reply(request, 455, "Method Not Valid in This State");
    } else {
      co_await on_describe(request);
    }
  } else if (method == "SETUP" && (phase_ == Phase::Described || phase_ == Phase::Playing)) {
    on_setup_play(request);
  } else if (method == "PLAY") {
    on_play(request);
  } else if (method == "SETUP") {
    on_setup(request);
  } else if (method == "RECORD") {
    co_await on_record(request);
  } else if (method == "TEARDOWN") {
    reply(request, 200, "OK");
    if (end_reason_.empty()) end_reason_ = "teardown";
  } else if (method == "GET_PARAMETER" || method == "SET_PARAMETER") {
    // Keep-alives (RFC 2326 10.8): the session's timer was reset by the read.
    reply(request, 200, "OK");
  } else if (method == "PAUSE") {
    reply(request, 501, "Not Implemented (a live stream cannot pause)");
  } else {
    reply(request, 501, "Not Implemented", {{"Public", std::string(kPublic)}});
  }
}

void Session::on_announce(const Message& request) {
  if (phase_ != Phase::Init) {
    reply(request, 455, "Method Not Valid in This State");
    return;
  }
  auto refuse = [&](int status, const std::string& reason) {
    ctx_.log->warn("rtsp refused peer={} reason=\"{}\"", peer_, reason);
    reply(request, status, reason);
  };
  auto url = parse_request_url(request.uri);
  if (!url || url->segments.size() != 2) {
    refuse(400, "the URL must be rtsp://HOST:PORT/APP/STREAM");
    return;
  }
  if (!valid_name(url->segments[0]) ||
      !valid_name(url->segments[1], ctx_.config.stream.max_name_length)) {
    refuse(400, "invalid app or stream name");
    return;
  }
  const auto type = request.header("Content-Type");
  if (!type || type->find("application/sdp") == std::string_view::npos) {
    refuse(415, "ANNOUNCE needs an application/sdp body");
    return;
  }
  auto session = format::sdp::parse(request.body);
  if (!session) {
    refuse(400, "SDP: " + session.error().message);
    return;
  }
  if (session->media.empty() || session->media.size() > kMaxTracks) {
    refuse(400, "the SDP must describe 1 to " + std::to_string(kMaxTracks) + " media");
    return;
  }
  std::vector<Track> tracks;
  std::vector<std::unique_ptr<rtp::TrackReceiver>> receivers;
  int video = 0, audio = 0;
  for (size_t i = 0; i < session->media.size(); ++i) {
    const auto& m = session->media[i];
    auto receiver = rtp::TrackReceiver::create(m);
    if (!receiver) {
      refuse(415, m.type + " track: " + receiver.error().message);
      return;
    }
    ((*receiver)->kind() == media::MediaKind::Video ? video : audio) += 1;
    if (video > 1 || audio > 1) {
      refuse(415, "a stream carries at most one video and one audio track");
      return;
    }
    Track t;
    const auto control = m.attribute("control");
    t.control = control ? control_path(*control) : std::string();
    tracks.push_back(std::move(t));
    receivers.push_back(std::move(*receiver));
  }
  for (auto& r : receivers) {
    if (auto added = ingest_.add_track(std::move(r)); !added) {
      refuse(415, added.error().message);
      end_reason_ = added.error().message;  // the ingest holds a part of the tracks: no retry
      return;
    }
  }
  tracks_ = std::move(tracks);
  app_ = url->segments[0];
  stream_name_ = url->segments[1];
  query_ = url->query;
  phase_ = Phase::Announced;
  reply(request, 200, "OK");
}

void Session::on_setup(const Message& request) {
  if (phase_ != Phase::Announced) {
    reply(request, 455, "Method Not Valid in This State (SETUP before ANNOUNCE)");
    return;
  }
  auto url = parse_request_url(request.uri);
  if (!url || url->segments.size() < 2 || url->segments[0] != app_ ||
      url->segments[1] != stream_name_) {
    reply(request, 404, "Not Found (not the announced stream)");
    return;
  }
  std::string below;
  for (size_t i = 2; i < url->segments.size(); ++i) {
    if (!below.empty()) below += '/';
    below += url->segments[i];
  }
  int index = -1;
  for (size_t i = 0; i < tracks_.size(); ++i) {
    if (tracks_[i].control == below || (below.empty() && tracks_.size() == 1)) {
      index = static_cast<int>(i);
      break;
    }
  }
  if (index < 0) {
    reply(request, 404, "Not Found (no such track)");
    return;
  }
  Track& track = tracks_[static_cast<size_t>(index)];
  if (ingest_.is_set_up(static_cast<size_t>(index))) {
    reply(request, 455, "Method Not Valid in This State (track already set up)");
    return;
  }
  const auto header = request.header("Transport");
  auto offered = header ? parse_transports(*header) : Result<std::vector<Transport>>(fail("none"));
  if (!offered) {
    reply(request, 461, "Unsupported Transport (" + offered.error().message + ")");
    return;
  }
  // The client's first alternative the server serves: TCP interleaved, or unicast UDP to the
  // client's ports.
  auto chosen = std::find_if(offered->begin(), offered->end(), [](const Transport& t) {
    return !t.multicast && (t.tcp || t.client_port);
  });
  if (chosen == offered->end()) {
    reply(request, 461, "Unsupported Transport (RTP/AVP/TCP or unicast RTP/AVP with client_port)");
    return;
  }
  Transport t = *chosen;
  if (!t.tcp) {
    boost::system::error_code ec;
    const auto local = socket_.local_endpoint(ec).address();
    auto pair = ec ? Result<std::unique_ptr<UdpPortPool::Pair>>(fail(ec.message()))
                   : udp_ports_->take(local, socket_.get_executor());
    if (!pair) {
      ctx_.log->warn("rtsp refused peer={} stream={} reason=\"{}\"", peer_, label(),
                     pair.error().message);
      reply(request, 453, "Not Enough Bandwidth (" + pair.error().message + ")");
      return;
    }
    track.udp = std::move(*pair);
    track.client_rtcp_port = t.client_port->rtcp;
    ingest_.set_up(static_cast<size_t>(index));
    if (session_id_.empty()) session_id_ = new_session_id();
    Transport confirmed;
    confirmed.client_port = t.client_port;
    confirmed.server_port = PortPair{track.udp->port, static_cast<uint16_t>(track.udp->port + 1)};
    confirmed.mode = t.mode.empty() ? "record" : t.mode;
    reply(request, 200, "OK", {{"Transport", write(confirmed)}});
    return;
  }
  if (!t.interleaved) {
    // The client left the channels to the server: the first free pair.
    for (int c = 0; c + 1 < 256; c += 2) {
      if (channels_[c].track < 0 && channels_[c + 1].track < 0) {
        t.interleaved = PortPair{static_cast<uint16_t>(c), static_cast<uint16_t>(c + 1)};
        break;
      }
    }
  }
  if (!t.interleaved || t.interleaved->rtp > 255 || t.interleaved->rtcp > 255 ||
      t.interleaved->rtp == t.interleaved->rtcp || channels_[t.interleaved->rtp].track >= 0 ||
      channels_[t.interleaved->rtcp].track >= 0) {
    reply(request, 461, "Unsupported Transport (interleaved channels in use)");
    return;
  }
  channels_[t.interleaved->rtp] = Channel{index, false};
  channels_[t.interleaved->rtcp] = Channel{index, true};
  track.rtcp_channel = t.interleaved->rtcp;
  ingest_.set_up(static_cast<size_t>(index));
  if (session_id_.empty()) session_id_ = new_session_id();
  Transport confirmed;
  confirmed.tcp = true;
  confirmed.interleaved = t.interleaved;
  confirmed.mode = t.mode.empty() ? "record" : t.mode;
  reply(request, 200, "OK", {{"Transport", write(confirmed)}});
}

asio::awaitable<void> Session::on_record(const Message& request) {
  if (phase_ != Phase::Announced || !ingest_.any_set_up()) {
    reply(request, 455, "Method Not Valid in This State (RECORD before SETUP)");
    co_return;
  }
  bool stale = false;
  auto credentials = credentials_of(request, stale);
  const bool sent_credentials = credentials.has_value();
  control::AccessRequest access{"rtsp", app_, stream_name_, query_, peer_, std::move(credentials)};
  std::function<bool(const std::string&)> still_wanted = [this](const std::string&) {
    return socket_.is_open() && end_reason_.empty();
  };
  auto task = publish::admit(ctx_, std::move(access), std::move(still_wanted));
  auto admitted = co_await std::move(task);
  if (admitted.outcome == publish::AdmitResult::Outcome::Withdrawn) {
    if (end_reason_.empty()) end_reason_ = "closed while authorizing";
    co_return;
  }
  if (!admitted.admitted()) {
    const bool refused_auth = admitted.outcome == publish::AdmitResult::Outcome::Refused &&
                              (admitted.status == 401 || admitted.status == 403);
    if (refused_auth && challenges_ < kMaxChallenges) {
      // The client may have credentials it sends only when asked (rtsp://user:key@...).
      ++challenges_;
      ctx_.log->info("rtsp challenged stream={} peer={} credentials={} reason=\"{}\"", label(),
                     peer_, sent_credentials ? "refused" : (stale ? "stale" : "none"),
                     admitted.reason);
      challenge(request, true, app_, stale, admitted.reason);
      co_return;
    }
    ctx_.log->warn("rtsp refused stream={} peer={} reason=\"{}\"", label(), peer_, admitted.reason);
    const bool refused = admitted.outcome == publish::AdmitResult::Outcome::Refused;
    reply(request, refused ? 403 : 503, admitted.reason);
    end_reason_ = admitted.reason;
    co_return;
  }
  if (sent_credentials) renamed_ = true;  // the key was the password: the name is public
  if (admitted.renamed(stream_name_)) {
    ctx_.log->info("rtsp publish renamed peer={} app={} key={} stream={}", peer_, app_,
                   redact(stream_name_), admitted.name);
    stream_name_ = admitted.name;
    renamed_ = true;
  }
  stream_ = std::move(admitted.stream);
  pending_record_ = request;
}

}  // namespace firstmile::rtsp
