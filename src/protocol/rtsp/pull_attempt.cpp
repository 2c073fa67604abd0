// rtsp::PullSource's attempt, the requests: connect, OPTIONS, DESCRIBE (answering a Basic or
// Digest challenge), SETUP of each track over TCP or UDP, PLAY, then the publish path.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>

#include <random>

#include "core/ascii.hpp"
#include "format/sdp.hpp"
#include "protocol/pull/connect.hpp"
#include "protocol/rtsp/pull_attempt.hpp"
#include "protocol/rtsp/wire/source_url.hpp"
#include "protocol/rtsp/wire/transport.hpp"

namespace firstmile::rtsp {

using namespace boost::asio::experimental::awaitable_operators;
using namespace pull_detail;
namespace rtp = format::rtp;

namespace {

std::string random_hex(size_t digits) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < digits; ++i)
    out += kHex[random() & 15];
  return out;
}

}  // namespace

Message PullSource::Attempt::new_request(const std::string& method, const std::string& uri) {
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
  return m;
}

asio::awaitable<Status> PullSource::Attempt::connect() {
  auto connecting = pull::connect_tcp(socket_, url_.host, url_.port, kRequestTimeout);
  auto endpoint = co_await std::move(connecting);
  if (!endpoint) co_return endpoint.error();
  peer_address_ = endpoint->address();
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
    Message m = new_request(method, uri);
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
  auto executor = co_await asio::this_coro::executor;
  auto stream = owner_.claim_stream(ctx_, executor);
  if (!stream) {
    close();
    co_return stream.error();
  }
  stream_ = std::move(*stream);
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

}  // namespace firstmile::rtsp
