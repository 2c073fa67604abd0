#include "protocol/srt/srt_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <cstring>

#include <stdexcept>

#include "control/admission.hpp"
#include "output/fanout_config.hpp"
#include "protocol/publish/admit.hpp"
#include "protocol/publish/publish_gate.hpp"
#include "protocol/srt/srt_config.hpp"
#include "protocol/ts_ingest/ts_ingest.hpp"

namespace firstmile::srt {

namespace {

constexpr int kMaxEvents = 64;
constexpr int64_t kWaitMs = 100;  // how often closed connections are swept
constexpr size_t kMaxBatch = 256 * 1024;
constexpr size_t kDatagram = 1500;
constexpr auto kSampleInterval = std::chrono::seconds(1);  // link statistics
// libsrt refuses a send buffer under 32 packets.
constexpr int kMinSendBuffer = 32 * 1500;

// The peer's IP address, for limits.max_connections_per_ip (unspecified if unknown).
asio::ip::address ip_of(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return asio::ip::address_v4(ntohl(in->sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), &in6->sin6_addr, bytes.size());
    return asio::ip::address_v6(bytes);
  }
  return {};
}

std::string address_of(const sockaddr* sa) {
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (sa->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  return "?";
}

std::string srt_error() {
  return srt_getlasterror_str();
}

// libsrt's own log lines go to our logger at debug level (its errors are mostly expected
// events, like a refused caller).
void srt_log(void* opaque, int, const char*, int, const char* area, const char* message) {
  auto* log = static_cast<spdlog::logger*>(opaque);
  std::string_view m(message ? message : "");
  while (!m.empty() && (m.back() == '\n' || m.back() == '\r'))
    m.remove_suffix(1);
  log->debug("libsrt area={} message=\"{}\"", area ? area : "-", m);
}

}  // namespace

struct SrtServer::Publisher {
  SRTSOCKET sock = SRT_INVALID_SOCK;
  std::string peer;
  SrtStreamId id;
  // "app/stream" with the key shortened, for logs: written before the connection is shared,
  // then read-only (the SRT thread and the workers both read it).
  std::string label;
  // The name the publish goes out under ("app/<public name>" once the control plane renamed
  // it): the authorizing worker, then the stream's executor, never the SRT thread.
  std::string public_label;
  ConnectionLimiter::Slot slot;
  // Closed by a kick, a refusal or the SRT thread (which then finishes it); attached on the
  // stream's worker. Whichever comes second ends the publish.
  publish::PublishGate gate;
  std::mutex reason_mutex;
  std::string close_reason;
  // Stream executor only, but for its stream(), written before the gate opens, then read-only.
  ts_ingest::TsIngest ingest{"srt"};
  uint64_t discarded_bytes = 0;  // SRT thread: data before the publish was allowed
  std::chrono::steady_clock::time_point last_data = std::chrono::steady_clock::now();  // SRT thread
  SharedLinkStats link;

  void close(const std::string& reason) {
    {
      std::lock_guard lock(reason_mutex);
      if (close_reason.empty()) close_reason = reason;
    }
    gate.close();
    srt_close(sock);  // thread-safe in libsrt; wakes nobody, the sweep notices
  }
  std::string reason() {
    std::lock_guard lock(reason_mutex);
    return close_reason;
  }
};

SrtServer::SrtServer(ServerContext& ctx) : ctx_(ctx) {}

SrtServer::~SrtServer() {
  stop();
  if (started_) srt_cleanup();
}

void SrtServer::start() {
  srt_startup();
  started_ = true;
  srt_setloghandler(ctx_.log.get(), &srt_log);
  srt_setloglevel(4);  // LOG_WARNING: libsrt debug logging would cost per packet
  auto endpoint = parse_listen_address(ctx_.config.get<SrtConfig>().listen);
  if (!endpoint) throw std::runtime_error("srt.listen: " + endpoint.error().message);
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto address = endpoint->address();
  if (address.is_v4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(endpoint->port());
    auto bytes = address.to_v4().to_bytes();
    std::memcpy(&in->sin_addr, bytes.data(), bytes.size());
    len = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(endpoint->port());
    auto bytes = address.to_v6().to_bytes();
    std::memcpy(&in6->sin6_addr, bytes.data(), bytes.size());
    len = sizeof(sockaddr_in6);
  }
  listener_ = srt_create_socket();
  const auto& cfg = ctx_.config.get<SrtConfig>();
  bool no = false;
  int latency = static_cast<int>(cfg.latency.count());
  int idle = static_cast<int>(cfg.peer_idle_timeout.count());
  srt_setsockflag(listener_, SRTO_RCVSYN, &no, sizeof no);
  srt_setsockflag(listener_, SRTO_LATENCY, &latency, sizeof latency);
  srt_setsockflag(listener_, SRTO_PEERIDLETIMEO, &idle, sizeof idle);
  // A player's bounded queue is libsrt's send buffer (inherited by accepted sockets; only
  // players send, so publishers never fill theirs).
  int sndbuf = static_cast<int>(std::clamp<uint64_t>(
      ctx_.config.get<FanoutConfig>().max_queue_bytes, kMinSendBuffer, 1u << 30));
  srt_setsockflag(listener_, SRTO_SNDBUF, &sndbuf, sizeof sndbuf);
  if (srt_bind(listener_, reinterpret_cast<sockaddr*>(&ss), static_cast<int>(len)) == SRT_ERROR)
    throw std::runtime_error("srt.listen " + cfg.listen + ": " + srt_error());
  if (srt_listen_callback(listener_, &SrtServer::listen_hook, this) == SRT_ERROR ||
      srt_listen(listener_, 64) == SRT_ERROR) {
    throw std::runtime_error("srt.listen " + cfg.listen + ": " + srt_error());
  }
  epoll_ = srt_epoll_create();
  int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  srt_epoll_add_usock(epoll_, listener_, &events);
  ctx_.log->info("srt listening address={}", cfg.listen);
  thread_ = std::thread([this] { run(); });
}

void SrtServer::stop() {
  if (stopping_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  if (epoll_ >= 0) srt_epoll_release(epoll_);
  epoll_ = -1;
}

int SrtServer::listen_hook(void* self, SRTSOCKET ns, int, const sockaddr* peer,
                           const char* streamid) {
  // Called from libsrt's C code: nothing may unwind through it.
  auto* server = static_cast<SrtServer*>(self);
  try {
    return server->admit(ns, peer, streamid);
  } catch (const std::exception& e) {
    server->ctx_.faults.add("srt");
    server->ctx_.log->error("srt handshake fault peer={} error=\"{}\"", address_of(peer), e.what());
  } catch (...) {
    server->ctx_.faults.add("srt");
    server->ctx_.log->error("srt handshake fault peer={}", address_of(peer));
  }
  srt_setrejectreason(ns, SRT_REJX_ISE);
  return -1;
}

int SrtServer::admit(SRTSOCKET ns, const sockaddr* peer, const char* streamid) {
  // Runs on libsrt's receiver thread during the handshake: decide only what is quick.
  std::string who = address_of(peer);
  uint64_t suppressed = 0;  // refusal lines held back by the throttle since the last one
  auto id = parse_stream_id(streamid ? streamid : "", ctx_.config.stream.max_name_length);
  if (!id) {
    if (refusals_log_.allow(suppressed)) {
      ctx_.log->info("srt refused peer={} reason=\"{}\" suppressed={}", who, id.error().message,
                     suppressed);
    }
    srt_setrejectreason(ns, SRT_REJX_BAD_REQUEST);
    return -1;
  }
  if (id->mode == SrtMode::Request) {
    // The registry is shared between threads behind its own lock. A stream that exists but
    // has no publisher (lingering) is refused after the handshake instead.
    if (!ctx_.streams.find(id->app, id->stream)) {
      if (refusals_log_.allow(suppressed)) {
        ctx_.log->info(
            "srt play refused peer={} stream={}/{} reason=\"no such stream\" suppressed={}", who,
            id->app, redact(id->stream), suppressed);
      }
      srt_setrejectreason(ns, SRT_REJX_NOTFOUND);
      return -1;
    }
    control::AccessRequest request{"srt", id->app, id->stream, id->query, who};
    if (ctx_.admission.play_token_refuses(request)) {
      if (refusals_log_.allow(suppressed)) {
        ctx_.log->warn(
            "srt play refused peer={} stream={}/{} reason=\"invalid play token\" suppressed={}",
            who, id->app, redact(id->stream), suppressed);
      }
      srt_setrejectreason(ns, SRT_REJX_FORBIDDEN);
      return -1;
    }
  } else if (ctx_.admission.static_key_refuses(id->app, id->stream)) {
    if (refusals_log_.allow(suppressed)) {
      ctx_.log->warn("srt refused peer={} stream={}/{} reason=\"unknown stream key\" suppressed={}",
                     who, id->app, redact(id->stream), suppressed);
    }
    srt_setrejectreason(ns, SRT_REJX_FORBIDDEN);
    return -1;
  }
  const auto& cfg = ctx_.config.get<SrtConfig>();
  // Not all options are inherited from the listener: set them on the new socket.
  int latency = static_cast<int>(cfg.latency.count());
  int idle = static_cast<int>(cfg.peer_idle_timeout.count());
  srt_setsockflag(ns, SRTO_LATENCY, &latency, sizeof latency);
  srt_setsockflag(ns, SRTO_PEERIDLETIMEO, &idle, sizeof idle);
  if (auto it = cfg.passphrases.find(id->app); it != cfg.passphrases.end()) {
    // A caller with another passphrase (or none) then fails the handshake with
    // SRT_REJ_BADSECRET / SRT_REJ_UNSECURE, reported by libsrt itself.
    int keylen = static_cast<int>(cfg.pbkeylen);
    srt_setsockflag(ns, SRTO_PBKEYLEN, &keylen, sizeof keylen);
    srt_setsockflag(ns, SRTO_PASSPHRASE, it->second.data(), static_cast<int>(it->second.size()));
  }
  return 0;
}

void SrtServer::run() {
  SRT_EPOLL_EVENT events[kMaxEvents];
  while (!stopping_) {
    int n = srt_epoll_uwait(epoll_, events, kMaxEvents, kWaitMs);
    for (int i = 0; i < n; ++i) {
      try {
        handle_event(events[i]);
      } catch (const std::exception& e) {
        // A bug or memory running out: that connection ends, this thread and the others go on.
        ctx_.faults.add("srt");
        ctx_.log->error("srt connection fault socket={} error=\"{}\"", events[i].fd, e.what());
        const std::string reason = std::string("internal error: ") + e.what();
        if (auto it = publishers_.find(events[i].fd); it != publishers_.end()) {
          it->second->close(reason);
        } else if (auto pl = players_.find(events[i].fd); pl != players_.end()) {
          pl->second->close(reason);
        } else if (events[i].fd != listener_) {
          srt_close(events[i].fd);
        }
      }
    }
    sweep();
    if (std::chrono::steady_clock::now() - last_sample_ >= kSampleInterval) sample_links();
  }
  for (auto& [sock, p] : std::unordered_map(publishers_))
    finish(p, "server shutting down");
  for (auto& [sock, p] : std::unordered_map(players_))
    finish_player(p, "server shutting down");
  srt_close(listener_);
}

void SrtServer::handle_event(const SRT_EPOLL_EVENT& event) {
  if (event.fd == listener_) {
    accept_callers();
    return;
  }
  if (auto pl = players_.find(event.fd); pl != players_.end()) {
    // A player sends nothing we read: an event means its connection is gone.
    if (event.events & SRT_EPOLL_ERR) finish_player(pl->second, "connection lost");
    return;
  }
  auto it = publishers_.find(event.fd);
  if (it == publishers_.end()) return;
  auto p = it->second;
  if (event.events & SRT_EPOLL_IN) read(p);
  if ((event.events & SRT_EPOLL_ERR) && publishers_.count(p->sock)) finish(p, "connection lost");
}

void SrtServer::sweep() {
  // Kicked or refused connections, peers libsrt gave up on, and publishers that went silent.
  // libsrt's own peer-idle check needs 16 expirations of its timer (about 5 s on a quiet link)
  // whatever SRTO_PEERIDLETIMEO says, so silence is also timed here.
  std::vector<std::shared_ptr<Publisher>> done;
  auto now = std::chrono::steady_clock::now();
  for (auto& [sock, p] : publishers_) {
    auto state = srt_getsockstate(sock);
    if (!p->gate.closed() && now - p->last_data > ctx_.config.get<SrtConfig>().peer_idle_timeout) {
      p->close("publisher sent nothing for " +
               std::to_string(ctx_.config.get<SrtConfig>().peer_idle_timeout.count()) + " ms");
    }
    if (p->gate.closed() || state == SRTS_BROKEN || state == SRTS_CLOSED || state == SRTS_NONEXIST)
      done.push_back(p);
  }
  for (auto& p : done) {
    auto state = srt_getsockstate(p->sock);
    finish(p, p->gate.closed()       ? p->reason()
              : state == SRTS_BROKEN ? "publisher went silent (srt.peer_idle_timeout)"
                                     : "closed by client");
  }
  std::vector<std::shared_ptr<SrtPlayer>> gone;
  for (auto& [sock, p] : players_) {
    auto state = srt_getsockstate(sock);
    if (p->closed() || state == SRTS_BROKEN || state == SRTS_CLOSED || state == SRTS_NONEXIST)
      gone.push_back(p);
  }
  for (auto& p : gone) {
    auto state = srt_getsockstate(p->socket());
    finish_player(p, p->closed()            ? p->reason()
                     : state == SRTS_BROKEN ? "player went silent"
                                            : "closed by client");
  }
}

void SrtServer::sample_links() {
  last_sample_ = std::chrono::steady_clock::now();
  for (auto& [sock, p] : publishers_)
    p->link.sample(sock, SrtRole::Publisher);
  for (auto& [sock, p] : players_)
    p->link().sample(sock, SrtRole::Player);
}

void SrtServer::accept_callers() {
  // One per event: the epoll is level-triggered, so another pending caller reports again.
  {
    sockaddr_storage ss{};
    int len = sizeof ss;
    SRTSOCKET s = srt_accept(listener_, reinterpret_cast<sockaddr*>(&ss), &len);
    if (s == SRT_INVALID_SOCK) return;
    auto p = std::make_shared<Publisher>();
    p->sock = s;
    p->peer = address_of(reinterpret_cast<sockaddr*>(&ss));
    char sid[kMaxStreamIdLength + 1] = {};
    int sid_len = sizeof sid - 1;
    srt_getsockflag(s, SRTO_STREAMID, sid, &sid_len);
    auto id = parse_stream_id(std::string_view(sid, static_cast<size_t>(std::max(0, sid_len))),
                              ctx_.config.stream.max_name_length);
    ConnectionLimiter::Refusal why = ConnectionLimiter::Refusal::None;
    if (id) p->slot = ctx_.connections.try_acquire(ip_of(reinterpret_cast<sockaddr*>(&ss)), why);
    // A player counts in the viewers' share: it may not take the slots kept for publishers.
    const bool viewer_ok =
        !id || !p->slot || id->mode != SrtMode::Request || p->slot.become_viewer();
    if (!id || !p->slot || !viewer_ok) {
      uint64_t suppressed = 0;
      if (refusals_log_.allow(suppressed)) {
        ctx_.log->warn("srt refused peer={} reason=\"{}\" suppressed={}", p->peer,
                       !id          ? id.error().message
                       : !viewer_ok ? "viewers' share full (limits.reserved_for_publishers)"
                       : why == ConnectionLimiter::Refusal::PerAddress
                           ? "limits.max_connections_per_ip reached"
                           : "limits.max_connections reached",
                       suppressed);
      }
      srt_close(s);
      return;
    }
    bool no = false;
    if (id->mode == SrtMode::Request) {
      auto player = std::make_shared<SrtPlayer>(s, p->peer, *id, std::move(p->slot),
                                                ctx_.config.get<FanoutConfig>());
      // Sends never block the stream's worker: a full buffer is an error (SRT_EASYNCSND).
      srt_setsockflag(s, SRTO_SNDSYN, &no, sizeof no);
      int events = SRT_EPOLL_ERR;
      srt_epoll_add_usock(epoll_, s, &events);
      players_[s] = player;
      ctx_.log->debug("srt connect peer={} play={}", player->peer(), player->label());
      auto& worker = ctx_.workers.next();
      asio::co_spawn(worker.get_executor(), authorize_player(std::move(player)),
                     LogExceptions{ctx_.log, "srt authorize play"});
      return;
    }
    p->id = *id;
    p->label = p->id.app + "/" + redact(p->id.stream);
    p->public_label = p->label;
    // An exception while feeding ended the publish on the stream's worker: close the
    // connection (thread-safe), the SRT thread's sweep finishes it.
    p->ingest.on_fault = [weak = std::weak_ptr<Publisher>(p),
                          faults = &ctx_.faults](const std::string& reason) {
      faults->add("srt");
      if (auto self = weak.lock()) self->close(reason);
    };
    srt_setsockflag(s, SRTO_RCVSYN, &no, sizeof no);
    int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
    srt_epoll_add_usock(epoll_, s, &events);
    publishers_[s] = p;
    ctx_.log->debug("srt connect peer={} stream={}", p->peer, p->label);
    authorize(p);
  }
}

void SrtServer::read(const std::shared_ptr<Publisher>& p) {
  Bytes batch;
  uint8_t buf[kDatagram];
  while (batch.size() < kMaxBatch) {
    int n = srt_recvmsg(p->sock, reinterpret_cast<char*>(buf), sizeof buf);
    if (n == SRT_ERROR) {
      int code = srt_getlasterror(nullptr);
      if (code == SRT_EASYNCRCV) break;
      // A caller that closes cleanly shows up as a lost connection too.
      finish(p, p->gate.closed()        ? p->reason()
                : code == SRT_ECONNLOST ? "closed by client"
                                        : "connection lost: " + srt_error());
      return;
    }
    if (n <= 0) break;
    batch.insert(batch.end(), buf, buf + n);
    p->last_data = std::chrono::steady_clock::now();
  }
  if (batch.empty()) return;
  if (!p->gate.attached()) {
    // Before the publish is allowed nothing reaches a stream; TS repeats its tables and the
    // demuxer starts at the next keyframe anyway.
    p->discarded_bytes += batch.size();
    return;
  }
  // Bounded: past TsIngest::kMaxQueued bytes waiting on the stream's worker, dropped (counted,
  // logged at the end of the publish).
  p->ingest.post(std::move(batch), p, ctx_.log);
}

void SrtServer::finish(std::shared_ptr<Publisher> p, const std::string& reason) {
  srt_epoll_remove_usock(epoll_, p->sock);
  p->link.sample(p->sock, SrtRole::Publisher);  // final counters, while libsrt still has them
  srt_close(p->sock);
  publishers_.erase(p->sock);
  if (!p->gate.close()) {
    // Not attached: an attach still to come sees the gate closed and ends at once.
    ctx_.log->info("srt close peer={} stream={} reason=\"{}\"", p->peer, p->label, reason);
    return;
  }
  auto log = ctx_.log;
  asio::post(p->ingest.stream()->executor(), [p, reason, log] { p->ingest.end(reason, log); });
}

void SrtServer::authorize(std::shared_ptr<Publisher> p) {
  auto& worker = ctx_.workers.next();
  // A member coroutine with its arguments by value (a capturing lambda would dangle).
  asio::co_spawn(worker.get_executor(), authorize_task(std::move(p)),
                 LogExceptions{ctx_.log, "srt authorize"});
}

asio::awaitable<void> SrtServer::authorize_task(std::shared_ptr<Publisher> p) {
  control::AccessRequest request{"srt", p->id.app, p->id.stream, p->id.query, p->peer};
  std::function<bool(const std::string&)> still_wanted = [p](const std::string& name) {
    if (p->gate.closed()) return false;
    if (name != p->id.stream) p->public_label = p->id.app + "/" + name;
    return true;
  };
  auto task = publish::admit(ctx_, std::move(request), std::move(still_wanted));
  auto admitted = co_await std::move(task);
  if (admitted.outcome == publish::AdmitResult::Outcome::Withdrawn) co_return;  // closed meanwhile
  if (!admitted.admitted()) {
    ctx_.log->warn("srt refused stream={} peer={} reason=\"{}\"", p->public_label, p->peer,
                   admitted.reason);
    p->close(admitted.reason);
    co_return;
  }
  auto s = std::move(admitted.stream);
  auto log = ctx_.log;
  asio::post(s->executor(), [p, s, log] { attach(p, s, log); });
}

void SrtServer::attach(const std::shared_ptr<Publisher>& p, const std::shared_ptr<media::Stream>& s,
                       const Logger& log) {
  if (p->gate.closed()) return;
  media::PublisherInfo info;
  info.peer = p->peer;
  info.query = p->id.query;
  info.kick = [weak = std::weak_ptr<Publisher>(p), log](const std::string& reason) {
    if (auto self = weak.lock()) {
      self->ingest.release(reason, log);  // the stream has already let go of it
      self->close(reason);
    }
  };
  info.link_stats = [weak = std::weak_ptr<Publisher>(p)]() -> std::optional<media::LinkStats> {
    if (auto self = weak.lock()) return self->link.get();
    return std::nullopt;
  };
  auto attached = p->ingest.attach(s, std::move(info), p->public_label, log);
  if (!attached) {
    log->warn("srt refused stream={} peer={} reason=\"{}\"", p->public_label, p->peer,
              attached.error().message);
    p->close(attached.error().message);
    return;
  }
  // The SRT thread may have finished the connection meanwhile without seeing the attach.
  if (!p->gate.open() || srt_getsockstate(p->sock) >= SRTS_BROKEN)
    p->ingest.end("connection lost", log);
}

void SrtServer::finish_player(std::shared_ptr<SrtPlayer> p, const std::string& reason) {
  // By value: callers pass the players_ entry itself, which the erase below destroys.
  srt_epoll_remove_usock(epoll_, p->socket());
  p->link().sample(p->socket(), SrtRole::Player);
  // A player ended by its stream is closing on its own, sending what libsrt still holds.
  if (!p->lingering()) srt_close(p->socket());
  players_.erase(p->socket());
  p->close(reason);
  if (!p->attached()) {
    // attach() re-checks after setting `attached`, so a play allowed just now still ends.
    ctx_.log->info("srt close peer={} play={} reason=\"{}\"", p->peer(), p->label(), reason);
    return;
  }
  auto log = ctx_.log;
  auto why = p->reason();
  asio::post(p->stream()->executor(), [p, why, log] { p->detach(why, log); });
}

asio::awaitable<void> SrtServer::authorize_player(std::shared_ptr<SrtPlayer> p) {
  control::AccessRequest request{"srt", p->id().app, p->id().stream, p->id().query, p->peer()};
  auto task = ctx_.admission.authorize_play(std::move(request));
  auto decision = co_await std::move(task);
  if (!decision.allowed) {
    ctx_.log->warn("srt play refused stream={} peer={} reason=\"{}\"", p->label(), p->peer(),
                   decision.reason);
    p->close(decision.reason);
    co_return;
  }
  if (p->closed()) co_return;
  auto stream = ctx_.streams.find(p->id().app, p->id().stream);
  if (!stream) {
    ctx_.log->info("srt play refused stream={} peer={} reason=\"no such stream\"", p->label(),
                   p->peer());
    p->close("no such stream");
    co_return;
  }
  auto log = ctx_.log;
  asio::post(stream->executor(), [p, stream, log] { SrtPlayer::attach(p, stream, log); });
}

}  // namespace firstmile::srt
