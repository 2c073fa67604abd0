#include "protocol/rtsp/pull_source.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <random>

#include "core/ascii.hpp"
#include "format/sdp.hpp"
#include "protocol/publish/publication.hpp"
#include "protocol/rtsp/rtp_ingest.hpp"
#include "protocol/rtsp/rtsp_config.hpp"
#include "protocol/rtsp/wire/auth.hpp"
#include "protocol/rtsp/wire/message.hpp"
#include "protocol/rtsp/wire/source_url.hpp"
#include "protocol/rtsp/wire/transport.hpp"

namespace firstmile::rtsp {

using namespace boost::asio::experimental::awaitable_operators;
namespace rtp = format::rtp;

namespace {

constexpr auto kAwaitable = asio::as_tuple(asio::use_awaitable);
constexpr auto kRequestTimeout = std::chrono::seconds(10);
// transport auto: no packet over UDP this long after PLAY gives way to TCP.
constexpr auto kUdpGiveUp = std::chrono::seconds(3);
constexpr size_t kReadBuffer = 64 * 1024;

std::string random_hex(size_t digits) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < digits; ++i)
    out += kHex[random() & 15];
  return out;
}

}  // namespace

// One attempt's connection: the requests on the worker, then the media on the stream's
// executor.
class PullSource::Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(PullSource& owner, SourceUrl url, bool use_udp, asio::any_io_executor executor)
      : owner_(owner),
        ctx_(owner.ctx_),
        url_(std::move(url)),
        use_udp_(use_udp),
        socket_(executor) {
    read_buffer_.resize(kReadBuffer);
  }

  asio::awaitable<Status> run();

  bool udp_gave_up() const { return udp_gave_up_; }
  bool went_idle() const { return idle_; }

 private:
  struct Track {
    int channel = -1;  // TCP: the RTP channel (RTCP is the next)
    std::unique_ptr<UdpPortPool::Pair> udp;
    uint16_t server_rtcp_port = 0;
  };

  asio::awaitable<Status> connect();
  // Sends `method` on `uri` and returns the answer; answers a 401 once with the credentials.
  asio::awaitable<Result<Message>> request(
      std::string method, std::string uri,
      std::vector<std::pair<std::string, std::string>> headers);
  asio::awaitable<Result<Message>> exchange(const Message& m);
  asio::awaitable<Result<std::optional<Message>>> read_until_answer(uint32_t cseq);
  asio::awaitable<Status> describe_and_setup();
  asio::awaitable<Status> setup(size_t index, const std::string& control_url);
  asio::awaitable<Status> on_stream(std::shared_ptr<Attempt> self);
  asio::awaitable<void> read_media();
  asio::awaitable<void> watchdog();
  asio::awaitable<void> receive_udp(std::shared_ptr<Attempt> self, size_t track, bool rtcp);
  asio::awaitable<void> send(std::string bytes);
  void on_frame(uint8_t channel, ByteSpan data);
  void close();

  PullSource& owner_;
  ServerContext& ctx_;
  SourceUrl url_;
  bool use_udp_;
  tcp::socket socket_;
  asio::ip::address peer_address_;
  MessageReader reader_;
  Bytes read_buffer_;
  uint32_t cseq_ = 0;
  std::string session_;
  std::chrono::seconds session_timeout_{60};
  bool get_parameter_ = false;  // the camera lists GET_PARAMETER (the keep-alive)
  std::optional<Challenge> challenge_;
  uint32_t nonce_count_ = 0;
  std::string base_;
  RtpIngest ingest_;
  std::vector<Track> tracks_;        // parallel to ingest_'s
  std::array<int, 256> channels_{};  // channel -> track * 2 (+1 for RTCP), -1 for none
  std::shared_ptr<media::Stream> stream_;
  std::chrono::steady_clock::time_point last_media_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point playing_since_ = last_media_;
  std::chrono::steady_clock::time_point last_viewer_check_ = last_media_;
  bool any_media_ = false;
  bool writing_ = false;
  std::string out_;
  std::string end_reason_;
  bool udp_gave_up_ = false;
  bool idle_ = false;  // on demand: ended for want of viewers
  uint64_t stray_ = 0;
};

asio::awaitable<Status> PullSource::Attempt::connect() {
  tcp::resolver resolver(socket_.get_executor());
  asio::steady_timer timer(socket_.get_executor());
  timer.expires_after(kRequestTimeout);
  auto resolved =
      co_await (resolver.async_resolve(url_.host, std::to_string(url_.port), kAwaitable) ||
                timer.async_wait(kAwaitable));
  if (resolved.index() == 1) co_return fail("resolving ", url_.host, " timed out");
  auto [rec, endpoints] = std::get<0>(resolved);
  if (rec) co_return fail("resolving ", url_.host, ": ", rec.message());
  timer.expires_after(kRequestTimeout);
  auto connected = co_await (asio::async_connect(socket_, endpoints, kAwaitable) ||
                             timer.async_wait(kAwaitable));
  if (connected.index() == 1) co_return fail("connecting timed out");
  auto [cec, endpoint] = std::get<0>(connected);
  if (cec) co_return fail("connecting: ", cec.message());
  peer_address_ = endpoint.address();
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  co_return Status{};
}

asio::awaitable<Result<std::optional<Message>>> PullSource::Attempt::read_until_answer(
    uint32_t cseq) {
  for (;;) {
    for (;;) {
      auto item = reader_.next();
      if (!item) co_return fail("malformed answer: ", item.error().message);
      if (!*item) break;
      if (auto* frame = std::get_if<InterleavedFrame>(&**item)) {
        on_frame(frame->channel, frame->data);
        continue;
      }
      auto& m = std::get<Message>(**item);
      if (m.is_request()) continue;  // a request from the camera: nothing we serve
      if (m.cseq() == cseq) co_return std::optional<Message>(std::move(m));
    }
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), kAwaitable);
    if (ec) co_return fail(ec == asio::error::eof ? "closed by the camera" : ec.message());
    reader_.feed(ByteSpan(read_buffer_.data(), n));
  }
}

asio::awaitable<Result<Message>> PullSource::Attempt::exchange(const Message& m) {
  const std::string text = write(m);
  auto [wec, written] = co_await asio::async_write(socket_, asio::buffer(text), kAwaitable);
  if (wec) co_return fail("sending ", m.method, ": ", wec.message());
  asio::steady_timer timer(socket_.get_executor());
  timer.expires_after(kRequestTimeout);
  auto answered = co_await (read_until_answer(*m.cseq()) || timer.async_wait(kAwaitable));
  if (answered.index() == 1) co_return fail(m.method, ": no answer in 10 s");
  auto& answer = std::get<0>(answered);
  if (!answer) co_return answer.error();
  co_return std::move(**answer);
}

asio::awaitable<Result<Message>> PullSource::Attempt::request(
    std::string method, std::string uri, std::vector<std::pair<std::string, std::string>> headers) {
  for (int round = 0;; ++round) {
    Message m;
    m.method = method;
    m.uri = uri;
    m.headers.emplace_back("CSeq", std::to_string(++cseq_));
    m.headers.emplace_back("User-Agent", "firstmile/" FIRSTMILE_VERSION);
    if (!session_.empty()) m.headers.emplace_back("Session", session_);
    if (challenge_) {
      m.headers.emplace_back("Authorization",
                             authorization(*challenge_, url_.user, url_.password, method, uri,
                                           ++nonce_count_, random_hex(16)));
    }
    for (const auto& h : headers)
      m.headers.push_back(h);
    auto task = exchange(m);
    auto answer = co_await std::move(task);
    if (!answer) co_return answer.error();
    if (answer->status != 401) co_return answer;
    // A challenge: answered once (again when only the nonce went stale).
    std::optional<Challenge> chosen;
    for (const auto& [name, value] : answer->headers) {
      if (!iequals(name, "WWW-Authenticate")) continue;
      auto challenges = parse_challenges(value);
      if (!challenges) continue;
      for (auto& c : *challenges) {
        if (!chosen ||
            (c.scheme == Challenge::Scheme::Digest && chosen->scheme == Challenge::Scheme::Basic))
          chosen = std::move(c);
      }
    }
    if (!chosen) co_return fail(method, ": 401 with no Basic or Digest challenge");
    if (url_.user.empty())
      co_return fail(method, ": 401 Unauthorized (the URL has no credentials)");
    const bool retry = round == 0 || (round == 1 && chosen->stale);
    if (!retry) co_return fail(method, ": 401 Unauthorized (wrong credentials?)");
    challenge_ = std::move(chosen);
    nonce_count_ = 0;
  }
}

asio::awaitable<Status> PullSource::Attempt::setup(size_t index, const std::string& control_url) {
  Track& track = tracks_[index];
  Transport offer;
  if (use_udp_) {
    boost::system::error_code ec;
    const auto local = socket_.local_endpoint(ec).address();
    if (ec) co_return fail("SETUP: ", ec.message());
    auto pair = owner_.udp_ports_->take(local, socket_.get_executor());
    if (!pair) co_return fail("SETUP: ", pair.error().message);
    track.udp = std::move(*pair);
    offer.client_port = PortPair{track.udp->port, static_cast<uint16_t>(track.udp->port + 1)};
  } else {
    offer.tcp = true;
    const auto channel = static_cast<uint16_t>(index * 2);
    offer.interleaved = PortPair{channel, static_cast<uint16_t>(channel + 1)};
  }
  auto task = request("SETUP", control_url, {{"Transport", write(offer)}});
  auto answer = co_await std::move(task);
  if (!answer) co_return answer.error();
  if (answer->status == 461 && use_udp_) {
    udp_gave_up_ = true;
    co_return fail("SETUP: the camera refuses UDP (461)");
  }
  if (answer->status != 200) co_return fail("SETUP: ", answer->status, " ", answer->reason);
  if (auto s = answer->header("Session")) {
    session_ = std::string(session_id(*s));
    // ";timeout=N" (RFC 2326 12.37), for the keep-alive period.
    if (auto t = s->find("timeout="); t != std::string_view::npos) {
      const auto n = std::atoi(std::string(s->substr(t + 8)).c_str());
      if (n > 0 && n < 3600) session_timeout_ = std::chrono::seconds(n);
    }
  }
  // Some cameras answer without a Transport header: what was offered holds.
  Transport confirmed = offer;
  if (auto header = answer->header("Transport")) {
    auto parsed = parse_transports(*header);
    if (parsed && !parsed->empty()) confirmed = parsed->front();
  }
  if (use_udp_) {
    if (confirmed.tcp) co_return fail("SETUP: asked for UDP, the camera answered TCP");
    track.server_rtcp_port = confirmed.server_port ? confirmed.server_port->rtcp : 0;
  } else {
    const PortPair channels = confirmed.interleaved.value_or(*offer.interleaved);
    if (channels.rtp > 255 || channels.rtcp > 255 || channels_[channels.rtp] >= 0 ||
        channels_[channels.rtcp] >= 0)
      co_return fail("SETUP: the camera chose interleaved channels in use");
    track.channel = channels.rtp;
    channels_[channels.rtp] = static_cast<int>(index * 2);
    channels_[channels.rtcp] = static_cast<int>(index * 2 + 1);
  }
  ingest_.set_up(index);
  co_return Status{};
}

asio::awaitable<Status> PullSource::Attempt::describe_and_setup() {
  channels_.fill(-1);
  {
    auto task = request("OPTIONS", url_.url, {});
    auto options = co_await std::move(task);
    if (!options) co_return options.error();
    if (auto pub = options->header("Public"))
      get_parameter_ = pub->find("GET_PARAMETER") != std::string_view::npos;
  }
  auto task = request("DESCRIBE", url_.url, {{"Accept", "application/sdp"}});
  auto described = co_await std::move(task);
  if (!described) co_return described.error();
  if (described->status != 200)
    co_return fail("DESCRIBE: ", described->status, " ", described->reason);
  auto sdp = format::sdp::parse(described->body);
  if (!sdp) co_return fail("DESCRIBE: SDP: ", sdp.error().message);
  base_ = url_.url;
  if (auto b = described->header("Content-Base")) {
    base_ = std::string(*b);
  } else if (auto l = described->header("Content-Location")) {
    base_ = std::string(*l);
  }
  // The first video and the first audio the server can take; the rest is left out.
  std::vector<std::string> controls;
  bool video = false, audio = false;
  std::string skipped;
  for (const auto& m : sdp->media) {
    auto receiver = rtp::TrackReceiver::create(m);
    if (!receiver) {
      skipped += (skipped.empty() ? "" : ", ") + m.type + " (" + receiver.error().message + ")";
      continue;
    }
    bool& taken = (*receiver)->kind() == media::MediaKind::Video ? video : audio;
    if (taken) continue;
    const std::string encoding = (*receiver)->encoding();
    if (auto added = ingest_.add_track(std::move(*receiver)); !added) {
      skipped += (skipped.empty() ? "" : ", ") + encoding + " (" + added.error().message + ")";
      continue;
    }
    taken = true;
    const auto control = m.attribute("control");
    controls.push_back(resolve_control(base_, control ? *control : std::string_view()));
    tracks_.emplace_back();
  }
  if (!skipped.empty())
    ctx_.log->warn("rtsp pull source={} skipped media: {}", owner_.label(), skipped);
  if (tracks_.empty()) co_return fail("DESCRIBE: no media the server can take: ", skipped);
  for (size_t i = 0; i < controls.size(); ++i) {
    auto setting_up = setup(i, controls[i]);
    auto st = co_await std::move(setting_up);
    if (!st) co_return st;
  }
  auto play_task = request("PLAY", base_, {{"Range", "npt=0.000-"}});
  auto played = co_await std::move(play_task);
  if (!played) co_return played.error();
  if (played->status != 200) co_return fail("PLAY: ", played->status, " ", played->reason);
  co_return Status{};
}

asio::awaitable<Status> PullSource::Attempt::run() {
  auto self = shared_from_this();
  auto connecting = connect();
  if (auto st = co_await std::move(connecting); !st) co_return st;
  auto handshake = describe_and_setup();
  if (auto st = co_await std::move(handshake); !st) {
    close();
    co_return st;
  }
  // The one publish path, for a source the operator configured: no admission, the stream
  // claimed as any publisher claims it.
  auto executor = co_await asio::this_coro::executor;
  auto stream = ctx_.streams.acquire(owner_.options_.app, owner_.options_.stream, executor,
                                     media::Claim::Publish);
  if (!stream) {
    close();
    co_return fail(stream.error().message);
  }
  stream_ = std::move(*stream);
  stream_->mark_name_public();  // the operator's name, not a key
  const auto stream_executor = stream_->executor();
  if (stream_executor == socket_.get_executor()) co_return co_await on_stream(self);
  auto moved = move_socket(socket_, stream_executor);
  if (!moved) co_return fail(moved.error().message);
  socket_ = std::move(*moved);
  for (auto& t : tracks_) {
    if (!t.udp) continue;
    for (auto* socket : {&t.udp->rtp, &t.udp->rtcp}) {
      auto m = move_udp_socket(**socket, stream_executor);
      if (!m) co_return fail(m.error().message);
      socket->emplace(std::move(*m));
    }
  }
  // Cancelling this attempt (the supervisor's stop) reaches the coroutine on the stream's
  // executor: co_spawn dispatches the cancellation there.
  co_return co_await asio::co_spawn(stream_executor, on_stream(self), asio::use_awaitable);
}

asio::awaitable<Status> PullSource::Attempt::on_stream(std::shared_ptr<Attempt> self) {
  co_await asio::this_coro::throw_if_cancelled(false);
  media::PublisherInfo info;
  info.protocol = "rtsp";
  info.peer = url_.host + ":" + std::to_string(url_.port);
  info.kick = [weak = weak_from_this()](const std::string& reason) {
    if (auto self = weak.lock()) {
      self->end_reason_ = reason;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    }
  };
  info.link_stats = ingest_.link_stats();
  auto publication = publish::Publication::attach(stream_, std::move(info));
  if (!publication) {
    close();
    co_return publication.error();
  }
  const std::string transport = use_udp_ ? "udp" : "tcp";
  ctx_.log->info("rtsp pull start source={} transport={} tracks={}", owner_.label(), transport,
                 ingest_.codecs());
  ingest_.start(std::move(*publication), ctx_.log,
                owner_.options_.app + "/" + owner_.options_.stream);
  owner_.set_state("live", "", transport);
  last_media_ = playing_since_ = std::chrono::steady_clock::now();
  for (size_t i = 0; i < tracks_.size(); ++i) {
    if (!tracks_[i].udp) continue;
    for (bool rtcp : {false, true}) {
      asio::co_spawn(socket_.get_executor(), receive_udp(self, i, rtcp),
                     LogExceptions{ctx_.log, "rtsp pull udp", &ctx_.faults, "rtsp"});
    }
  }
  co_await (read_media() || watchdog());
  auto cs = co_await asio::this_coro::cancellation_state;
  const bool stopped = cs.cancelled() != asio::cancellation_type::none;
  if (stopped) {
    end_reason_ = "stopped";
    // Best effort: the camera frees the session now rather than at its timeout.
    if (socket_.is_open()) {
      Message teardown;
      teardown.method = "TEARDOWN";
      teardown.uri = base_;
      teardown.headers.emplace_back("CSeq", std::to_string(++cseq_));
      if (!session_.empty()) teardown.headers.emplace_back("Session", session_);
      boost::system::error_code ignored;
      socket_.non_blocking(true, ignored);
      const std::string text = write(teardown);
      socket_.write_some(asio::buffer(text), ignored);
    }
  }
  const std::string reason = end_reason_.empty() ? "closed" : end_reason_;
  const std::string counters = ingest_.end(reason);
  ctx_.log->info("rtsp pull stop source={} {} reason=\"{}\"", owner_.label(), counters, reason);
  close();
  if (stopped || idle_) co_return Status{};
  co_return fail(reason);
}

asio::awaitable<void> PullSource::Attempt::read_media() {
  for (;;) {
    for (;;) {
      auto item = reader_.next();
      if (!item) {
        end_reason_ = "malformed data from the camera: " + item.error().message;
        co_return;
      }
      if (!*item) break;
      if (auto* frame = std::get_if<InterleavedFrame>(&**item))
        on_frame(frame->channel, frame->data);
      // Answers to keep-alives and requests from the camera: nothing to do.
    }
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), kAwaitable);
    if (ec) {
      if (end_reason_.empty())
        end_reason_ = ec == asio::error::eof ? "closed by the camera" : ec.message();
      co_return;
    }
    reader_.feed(ByteSpan(read_buffer_.data(), n));
  }
}

void PullSource::Attempt::on_frame(uint8_t channel, ByteSpan data) {
  const int c = channels_[channel];
  if (c < 0 || !ingest_.publishing()) {
    ++stray_;
    return;
  }
  last_media_ = std::chrono::steady_clock::now();
  any_media_ = true;
  const auto track = static_cast<size_t>(c / 2);
  if (c % 2) {
    ingest_.on_rtcp(track, data);
  } else {
    ingest_.on_rtp(track, data);
  }
}

asio::awaitable<void> PullSource::Attempt::receive_udp(std::shared_ptr<Attempt> self, size_t index,
                                                       bool rtcp) {
  Track& track = tracks_[index];
  auto& socket = rtcp ? *track.udp->rtcp : *track.udp->rtp;
  Bytes buffer(2048);
  udp::endpoint from;
  for (;;) {
    auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buffer), from, kAwaitable);
    if (ec) {
      if (ec == asio::error::operation_aborted || !socket.is_open()) co_return;
      continue;
    }
    // Only the camera may feed the stream.
    if (from.address() != peer_address_ || !ingest_.publishing()) {
      ++stray_;
      continue;
    }
    last_media_ = std::chrono::steady_clock::now();
    any_media_ = true;
    if (rtcp) {
      ingest_.on_rtcp(index, ByteSpan(buffer.data(), n));
    } else {
      ingest_.on_datagram(index, ByteSpan(buffer.data(), n));
    }
  }
}

asio::awaitable<void> PullSource::Attempt::send(std::string bytes) {
  out_ += bytes;
  if (writing_) co_return;
  writing_ = true;
  while (!out_.empty()) {
    const std::string text = std::move(out_);
    out_.clear();
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(text), kAwaitable);
    if (ec) {
      out_.clear();
      break;
    }
  }
  writing_ = false;
}

asio::awaitable<void> PullSource::Attempt::watchdog() {
  asio::steady_timer timer(socket_.get_executor());
  auto last_keepalive = std::chrono::steady_clock::now();
  const auto keepalive =
      std::max<std::chrono::steady_clock::duration>(session_timeout_ / 2, std::chrono::seconds(1));
  for (;;) {
    timer.expires_after(std::chrono::milliseconds(250));
    auto [ec] = co_await timer.async_wait(kAwaitable);
    if (ec) co_return;
    const auto now = std::chrono::steady_clock::now();
    if (use_udp_ && !any_media_ && now - playing_since_ > kUdpGiveUp) {
      udp_gave_up_ = true;
      end_reason_ = "no packet over UDP in 3 s";
      co_return;
    }
    if (now - last_media_ > owner_.options_.read_timeout) {
      end_reason_ = "no media within pull.read_timeout";
      co_return;
    }
    if (owner_.options_.on_demand && now - last_viewer_check_ >= std::chrono::seconds(1)) {
      last_viewer_check_ = now;
      size_t viewers = 0;
      for (const auto& [format, n] : stream_->info().viewers)
        viewers += n;
      if (viewers > 0) {
        owner_.wanted();
      } else if (owner_.unwanted()) {
        end_reason_ = "nobody watching for pull.close_after";
        idle_ = true;
        co_return;
      }
    }
    ingest_.tick();
    std::string bytes;
    if (ingest_.reports_due()) {
      ingest_.send_reports([&](size_t index, const Bytes& rtcp) {
        const Track& t = tracks_[index];
        if (t.udp) {
          if (t.server_rtcp_port == 0) return;
          boost::system::error_code ignored;
          t.udp->rtcp->send_to(asio::buffer(rtcp), udp::endpoint(peer_address_, t.server_rtcp_port),
                               0, ignored);
        } else {
          Bytes header;
          write_interleaved_header(static_cast<uint8_t>(t.channel + 1), rtcp.size(), header);
          bytes.append(header.begin(), header.end());
          bytes.append(rtcp.begin(), rtcp.end());
        }
      });
    }
    if (now - last_keepalive >= keepalive) {
      last_keepalive = now;
      Message m;
      m.method = get_parameter_ ? "GET_PARAMETER" : "OPTIONS";
      m.uri = get_parameter_ ? base_ : url_.url;
      m.headers.emplace_back("CSeq", std::to_string(++cseq_));
      m.headers.emplace_back("User-Agent", "firstmile/" FIRSTMILE_VERSION);
      if (!session_.empty()) m.headers.emplace_back("Session", session_);
      if (challenge_) {
        m.headers.emplace_back("Authorization",
                               authorization(*challenge_, url_.user, url_.password, m.method, m.uri,
                                             ++nonce_count_, random_hex(16)));
      }
      bytes += write(m);
    }
    if (!bytes.empty()) co_await send(std::move(bytes));
  }
}

void PullSource::Attempt::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  for (auto& t : tracks_) {
    if (!t.udp) continue;
    if (t.udp->rtp) t.udp->rtp->close(ignored);
    if (t.udp->rtcp) t.udp->rtcp->close(ignored);
  }
}

PullSource::PullSource(ServerContext& ctx, std::shared_ptr<UdpPortPool> udp_ports, Options options)
    : ctx_(ctx), udp_ports_(std::move(udp_ports)), options_(std::move(options)) {
  auto url = parse_source_url(options_.url);
  safe_url_ = url ? url->url : "(bad URL)";
  status_.app = options_.app;
  status_.stream = options_.stream;
  status_.url = safe_url_;
  status_.state = "connecting";
}

PullSource::~PullSource() = default;

std::string PullSource::label() const {
  return options_.app + "/" + options_.stream + " <- " + safe_url_;
}

namespace {
int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void PullSource::wanted() {
  wanted_at_ms_.store(steady_ms());
}

void PullSource::demanded() {
  wanted();
}

bool PullSource::unwanted() const {
  return steady_ms() - wanted_at_ms_.load() > options_.close_after.count();
}

pull::SourceStatus PullSource::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void PullSource::set_state(const std::string& state, const std::string& error,
                           const std::string& transport) {
  std::lock_guard lock(mutex_);
  status_.state = state;
  if (!error.empty()) status_.last_error = error;
  if (!transport.empty()) status_.transport = transport;
}

asio::awaitable<Status> PullSource::run_once() {
  {
    std::lock_guard lock(mutex_);
    ++status_.attempts;
  }
  if (options_.on_demand && unwanted()) {
    // Nobody asked for the stream for pull.close_after (the camera was down meanwhile).
    set_state("idle", "", "");
    if (idle_) idle_();
    co_return Status{};
  }
  set_state("connecting", "", "");
  auto url = parse_source_url(options_.url);
  if (!url) {
    set_state("retrying", url.error().message, "");
    co_return url.error();
  }
  const bool use_udp = options_.transport == PullTransport::Udp ||
                       (options_.transport == PullTransport::Auto && !udp_failed_);
  auto executor = co_await asio::this_coro::executor;
  auto attempt = std::make_shared<Attempt>(*this, std::move(*url), use_udp, executor);
  auto task = attempt->run();
  Status st = co_await std::move(task);
  if (use_udp && options_.transport == PullTransport::Auto && attempt->udp_gave_up()) {
    udp_failed_ = true;
    ctx_.log->warn("rtsp pull source={} UDP does not get through: TCP from now on", label());
  }
  if (attempt->went_idle()) {
    set_state("idle", "", "");
    if (idle_) idle_();
    co_return st;
  }
  set_state("retrying", st ? std::string("ended") : st.error().message, "");
  co_return st;
}

}  // namespace firstmile::rtsp
