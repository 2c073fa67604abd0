#include "protocol/udp/udp_input.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include "control/admission.hpp"
#include "protocol/publish/admit.hpp"
#include "protocol/publish/publish_gate.hpp"
#include "protocol/ts_ingest/ts_ingest.hpp"
#include "protocol/udp/udp_config.hpp"

namespace firstmile::udp {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

constexpr size_t kMaxDatagram = 65536;  // the largest UDP payload (65507 over IPv4) fits
// One wake-up reads at most this much before the batch goes to the stream and other work on
// the worker gets a turn.
constexpr size_t kMaxBatch = 256 * 1024;
constexpr size_t kMaxDatagramsPerWake = 512;
// A refused source is tried again at most this often (the on_publish webhook would otherwise
// be called per datagram); a kicked one is ignored this long.
constexpr milliseconds kRetryAfter{3000};
constexpr milliseconds kKickHold{5000};
// A foreign source is logged once, then again at most this often.
constexpr milliseconds kForeignLogEvery{10000};
// Sources remembered (held back, or logged as foreign): bounded whatever arrives.
constexpr size_t kMaxSources = 1024;

std::string source_string(const udp_endpoint& ep) {
  auto a = ep.address();
  std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
  return host + ":" + std::to_string(ep.port());
}

// Inserts or updates `key` in a bounded map of source -> time: when full, entries at or before
// `stale` go first, then the smallest addresses (any choice is fine: this only bounds memory).
void bounded_set(std::map<udp_endpoint, Clock::time_point>& map, const udp_endpoint& key,
                 Clock::time_point value, Clock::time_point stale) {
  if (map.size() >= kMaxSources && !map.count(key)) {
    std::erase_if(map, [&](const auto& item) { return item.second <= stale; });
    while (map.size() >= kMaxSources)
      map.erase(map.begin());
  }
  map[key] = value;
}

}  // namespace

// One publish: a source from its first datagram until silence, a kick, a refusal or shutdown.
struct UdpInput::Publish {
  udp_endpoint source;
  std::string peer;   // source as "address:port"
  std::string label;  // "app/stream" for logs (the public name once authorized)
  ConnectionLimiter::Slot slot;
  Clock::time_point last_data = Clock::now();  // input worker
  uint64_t discarded_bytes = 0;                // input worker: before the publish was allowed
  // Closed when the input lets go of it (input worker), attached on the stream's worker;
  // whichever comes second ends the publish.
  publish::PublishGate gate;
  // Stream executor only, but for its stream(), written before the gate opens, then read-only.
  ts_ingest::TsIngest ingest{"udp"};
};

UdpInput::UdpInput(ServerContext& ctx, std::string path, std::string address)
    : ctx_(ctx),
      address_(std::move(address)),
      io_(ctx.workers.next()),
      socket_(io_),
      idle_timer_(io_),
      buf_(kMaxDatagram) {
  auto slash = path.find('/');
  app_ = path.substr(0, slash);
  stream_ = slash == std::string::npos ? std::string() : path.substr(slash + 1);
  label_ = app_ + "/" + redact(stream_);
}

UdpInput::~UdpInput() = default;

void UdpInput::start() {
  // The operator's own config: the full name (logs shorten it, it may be a stream key).
  auto where = "udp input " + app_ + "/" + stream_ + " " + address_ + ": ";
  auto parsed = parse_listen_address(address_);
  if (!parsed) throw std::runtime_error(where + parsed.error().message);
  udp_endpoint local(parsed->address(), parsed->port());
  bool multicast = local.address().is_multicast();
  boost::system::error_code ec;
  socket_.open(local.protocol(), ec);
  // Several receivers of one group may share the port (another server, a monitoring probe).
  if (!ec && multicast) socket_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) {
    // Hardware encoders send a frame's packets in one burst: a large receive buffer absorbs it
    // while the worker is busy. The kernel caps it at net.core.rmem_max (and reports double).
    // With CAP_NET_ADMIN, SO_RCVBUFFORCE goes past that cap.
    auto wanted = static_cast<int>(
        std::min<uint64_t>(ctx_.config.get<UdpConfig>().recv_buffer, INT32_MAX / 2));
    boost::system::error_code opt_ec;
    if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &wanted, sizeof wanted) !=
        0) {
      socket_.set_option(asio::socket_base::receive_buffer_size(wanted), opt_ec);
    }
    asio::socket_base::receive_buffer_size got;
    socket_.get_option(got, opt_ec);
    if (opt_ec || got.value() < wanted) {
      ctx_.log->warn(
          "udp receive buffer smaller than asked input={} wanted={} got={} hint=\"raise "
          "net.core.rmem_max\"",
          label_, wanted, opt_ec ? 0 : got.value() / 2);
    }
    socket_.bind(local, ec);
  }
  if (!ec && multicast) socket_.set_option(asio::ip::multicast::join_group(local.address()), ec);
  if (!ec) socket_.non_blocking(true, ec);
  if (!ec) bound_ = socket_.local_endpoint(ec);
  if (ec) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    throw std::runtime_error(where + ec.message());
  }
  ctx_.log->info("udp listening input={} address={}{}", label_, source_string(bound_),
                 multicast ? " multicast=joined" : "");
  auto self = shared_from_this();
  asio::co_spawn(io_, receive_loop(self), LogExceptions{ctx_.log, "udp receive"});
  asio::co_spawn(io_, idle_loop(self), LogExceptions{ctx_.log, "udp idle"});
}

void UdpInput::stop() {
  asio::post(io_, [self = shared_from_this()] {
    if (self->stopped_) return;
    self->stopped_ = true;
    boost::system::error_code ignored;
    self->socket_.close(ignored);
    self->idle_timer_.cancel();
    if (self->current_) self->finish(self->current_, "server shutting down", milliseconds(0));
    const auto& st = self->stats_;
    self->ctx_.log->info(
        "udp input stop input={} datagrams={} bytes={} foreign_datagrams={} discarded_bytes={} "
        "publishes={} refusals={}",
        self->label_, st.datagrams, st.bytes, st.foreign_datagrams, st.discarded_bytes,
        st.publishes, st.refusals);
  });
}

asio::awaitable<void> UdpInput::receive_loop(std::shared_ptr<UdpInput> self) {
  while (!stopped_) {
    // Wait for readiness, then drain without blocking: one batch per wake-up, like SRT's read.
    auto [ec] = co_await socket_.async_wait(asio::ip::udp::socket::wait_read, kAwait);
    if (ec || stopped_) break;
    Bytes batch;
    auto now = Clock::now();
    for (size_t i = 0; i < kMaxDatagramsPerWake && batch.size() < kMaxBatch; ++i) {
      udp_endpoint source;
      boost::system::error_code rec;
      size_t n = socket_.receive_from(asio::buffer(buf_), source, 0, rec);
      if (rec == asio::error::would_block || rec == asio::error::try_again) break;
      // Other errors (an ICMP error queued on the socket) concern one datagram, not the input.
      if (rec) {
        ctx_.log->debug("udp receive error input={} error=\"{}\"", label_, rec.message());
        break;
      }
      try {
        handle(n, source, now, batch);
      } catch (const std::exception& e) {
        // A bug or memory running out while handling one datagram: that publish ends, the
        // input goes on listening.
        ctx_.faults.add("udp");
        ctx_.log->error("udp input fault input={} peer={} error=\"{}\"", label_,
                        source_string(source), e.what());
        batch.clear();
        if (current_) finish(current_, std::string("internal error: ") + e.what(), kRetryAfter);
      }
    }
    send_batch(std::move(batch));
  }
}

void UdpInput::handle(size_t n, const udp_endpoint& source, Clock::time_point now, Bytes& batch) {
  ++stats_.datagrams;
  stats_.bytes += n;
  if (current_ && current_->source == source) {
    current_->last_data = now;
    if (current_->gate.attached() && !current_->gate.closed()) {
      batch.insert(batch.end(), buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(n));
      return;
    }
    // Before the publish is allowed nothing reaches a stream; TS repeats its tables and the
    // demuxer starts at the next keyframe anyway.
    current_->discarded_bytes += n;
    stats_.discarded_bytes += n;
    return;
  }
  stats_.discarded_bytes += n;
  if (current_) {
    ++stats_.foreign_datagrams;
    note_foreign(source, now);
    return;
  }
  if (held(source, now)) return;
  start_publish(source);
}

void UdpInput::send_batch(Bytes&& data) {
  if (data.empty() || !current_) return;
  const size_t size = data.size();
  // Bounded: past TsIngest::kMaxQueued bytes waiting on the stream's worker, dropped.
  if (!current_->ingest.post(std::move(data), current_, ctx_.log)) stats_.discarded_bytes += size;
}

void UdpInput::start_publish(const udp_endpoint& source) {
  auto p = std::make_shared<Publish>();
  p->source = source;
  p->peer = source_string(source);
  p->label = label_;
  p->slot = ctx_.connections.try_acquire();
  current_ = p;
  if (!p->slot) {
    refuse(p, "limits.max_connections reached");
    return;
  }
  // An exception while feeding ended the publish on the stream's worker: let go of the source
  // here and hold it back like a refused one.
  p->ingest.on_fault = [weak = weak_from_this(), wp = std::weak_ptr<Publish>(p),
                        faults = &ctx_.faults](const std::string& reason) {
    faults->add("udp");
    auto in = weak.lock();
    if (auto p = wp.lock(); in && p)
      asio::post(in->io_, [in, p, reason] { in->finish(p, reason, kRetryAfter); });
  };
  ctx_.log->debug("udp source input={} peer={}", label_, p->peer);
  asio::co_spawn(io_, authorize_task(shared_from_this(), p),
                 LogExceptions{ctx_.log, "udp authorize"});
}

asio::awaitable<void> UdpInput::authorize_task(std::shared_ptr<UdpInput> self,
                                               std::shared_ptr<Publish> p) {
  // The same decision as for RTMP and SRT: static keys and the on_publish webhook see the
  // configured stream name as the key. It resumes on this input's worker.
  control::AccessRequest request{"udp", app_, stream_, "", p->peer};
  std::function<bool(const std::string&)> still_wanted = [this, p](const std::string& name) {
    if (current_ != p || stopped_) return false;  // ended meanwhile (silence, shutdown)
    if (name != stream_) p->label = app_ + "/" + name;
    return true;
  };
  auto task = publish::admit(ctx_, std::move(request), std::move(still_wanted));
  auto admitted = co_await std::move(task);
  if (admitted.outcome == publish::AdmitResult::Outcome::Withdrawn) co_return;
  if (!admitted.admitted()) {
    refuse(p, admitted.reason);  // nothing if the publish ended meanwhile
    co_return;
  }
  auto s = std::move(admitted.stream);
  auto log = ctx_.log;
  asio::post(s->executor(), [p, s, weak = weak_from_this(), log] { attach(p, s, weak, log); });
}

void UdpInput::refuse(std::shared_ptr<Publish> p, const std::string& reason) {
  if (current_ != p) return;
  ++stats_.refusals;
  ctx_.log->warn("udp refused stream={} peer={} reason=\"{}\" retry_after_ms={}", p->label, p->peer,
                 reason, kRetryAfter.count());
  finish(std::move(p), reason, kRetryAfter);
}

void UdpInput::attach(const std::shared_ptr<Publish>& p, const std::shared_ptr<media::Stream>& s,
                      const std::weak_ptr<UdpInput>& input, const Logger& log) {
  if (p->gate.closed()) return;
  media::PublisherInfo info;
  info.peer = p->peer;
  info.kick = [weak = std::weak_ptr<Publish>(p), input, log](const std::string& reason) {
    // The stream has already let go of the publisher; the input holds the source back a while
    // so that an encoder that keeps sending is not back at once.
    auto p = weak.lock();
    if (!p || !p->ingest.release(reason, log)) return;
    if (auto in = input.lock()) {
      asio::post(in->io_, [in, p, reason] { in->finish(p, reason, kKickHold); });
    }
  };
  auto attached = p->ingest.attach(s, std::move(info), p->label, log);
  if (!attached) {
    if (auto in = input.lock()) {
      asio::post(in->io_, [in, p, reason = attached.error().message] { in->refuse(p, reason); });
    }
    return;
  }
  const bool open = p->gate.open();
  if (auto in = input.lock()) asio::post(in->io_, [in] { ++in->stats_.publishes; });
  // The input let go meanwhile without seeing the attach: end it here.
  if (!open) p->ingest.end("publish ended while it was being allowed", log);
}

void UdpInput::finish(std::shared_ptr<Publish> p, const std::string& reason, milliseconds hold) {
  if (current_ != p) return;
  current_.reset();
  const bool attached = p->gate.close();
  if (hold.count() > 0) hold_source(p->source, Clock::now() + hold);
  if (!attached) {
    ctx_.log->info("udp close stream={} peer={} discarded_bytes={} reason=\"{}\"", p->label,
                   p->peer, p->discarded_bytes, reason);
    return;
  }
  auto log = ctx_.log;
  asio::post(p->ingest.stream()->executor(), [p, reason, log] { p->ingest.end(reason, log); });
}

asio::awaitable<void> UdpInput::idle_loop(std::shared_ptr<UdpInput> self) {
  const auto idle = ctx_.config.get<UdpConfig>().idle_timeout;
  // Checked a few times per timeout, so a publish ends within about 1.25 x udp.idle_timeout.
  const auto tick = std::clamp<milliseconds>(idle / 4, milliseconds(50), milliseconds(1000));
  while (!stopped_) {
    idle_timer_.expires_after(tick);
    co_await idle_timer_.async_wait(kAwait);
    if (stopped_) break;
    if (current_ && Clock::now() - current_->last_data > idle) {
      // "No data" is how a UDP publish ends: HLS then gets its ENDLIST.
      finish(current_, "no data for " + std::to_string(idle.count()) + " ms", milliseconds(0));
    }
  }
}

void UdpInput::hold_source(const udp_endpoint& source, Clock::time_point until) {
  auto now = Clock::now();
  bounded_set(held_, source, until, now);
}

bool UdpInput::held(const udp_endpoint& source, Clock::time_point now) {
  auto it = held_.find(source);
  if (it == held_.end()) return false;
  if (now < it->second) return true;
  held_.erase(it);
  return false;
}

void UdpInput::note_foreign(const udp_endpoint& source, Clock::time_point now) {
  auto it = foreign_.find(source);
  if (it != foreign_.end() && now - it->second < kForeignLogEvery) return;
  bounded_set(foreign_, source, now, now - kForeignLogEvery);
  ctx_.log->warn(
      "udp foreign source dropped input={} source={} publisher={} foreign_datagrams={} "
      "hint=\"one source per input\"",
      label_, source_string(source), current_ ? current_->peer : "-", stats_.foreign_datagrams);
}

}  // namespace firstmile::udp
