#include "protocol/srt/srt_pull_source.hpp"

#include <srt/srt.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>

#include "core/awaitable.hpp"
#include "protocol/pull/source_url.hpp"
#include "protocol/srt/srt_link_stats.hpp"
#include "protocol/ts_ingest/ts_ingest.hpp"

namespace firstmile::srt {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {
constexpr int kConnectTimeoutMs = 10000;
constexpr int kReceiveTimeoutMs = 200;  // how soon the thread sees a stop without a close
// TS from the thread is posted to the stream in batches of about this many bytes, or what
// arrived within kBatchTime.
constexpr size_t kBatchBytes = 7 * 1316;
constexpr auto kBatchTime = std::chrono::milliseconds(10);

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int parse_int(const std::string& text, int fallback) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && end == text.data() + text.size() ? v : fallback;
}

std::string safe_url_of(const std::string& text) {
  auto url = pull::parse_source_url(text, 0);
  return url ? url->safe() : "(bad URL)";
}
}  // namespace

// One connection: the thread that calls libsrt, and what it shares with the coroutine.
struct PullSource::Attempt {
  SRTSOCKET sock = SRT_INVALID_SOCK;
  std::thread thread;
  std::mutex mutex;
  std::condition_variable wake;
  bool go = false;    // mutex: the publication is attached, receive
  bool stop = false;  // mutex: end now
  std::atomic<bool> connected{false};
  std::atomic<bool> done{false};  // the thread has finished (error set before)
  std::atomic<int64_t> last_data_ms{steady_ms()};
  std::string error;  // written by the thread before `done`
  ts_ingest::TsIngest ingest{"srt"};
  SharedLinkStats link;
  // The stream's executor.
  std::string end_reason;
  bool idle = false;  // on demand: ended for want of viewers

  ~Attempt() {
    close();
    if (thread.joinable()) thread.join();
  }

  // Any thread: ends the thread's wait or receive.
  void close() {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    wake.notify_all();
    if (sock != SRT_INVALID_SOCK) srt_close(sock);
  }

  // The thread. `owner` keeps the ingest alive for the data it posts (the coroutine joins the
  // thread before it lets go of the attempt).
  void run(asio::ip::udp::endpoint to, std::weak_ptr<Attempt> owner, Logger log) {
    sockaddr_storage addr{};
    const auto len = static_cast<int>(to.size());
    std::memcpy(&addr, to.data(), to.size());
    if (srt_connect(sock, reinterpret_cast<sockaddr*>(&addr), len) == SRT_ERROR) {
      const int reason = srt_getrejectreason(sock);
      error = std::string("connecting: ") + srt_getlasterror_str();
      if (reason != SRT_REJ_UNKNOWN && reason != SRT_REJ_TIMEOUT)
        error += std::string(" (") + srt_rejectreason_str(reason) + ")";
      done = true;
      return;
    }
    connected = true;
    {
      std::unique_lock lock(mutex);
      wake.wait(lock, [&] { return go || stop; });
      if (stop) {
        done = true;
        return;
      }
    }
    Bytes batch;
    auto batch_started = std::chrono::steady_clock::now();
    auto last_sample = batch_started;
    char buf[1500];
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (stop) break;
      }
      const int n = srt_recvmsg(sock, buf, sizeof buf);
      const auto now = std::chrono::steady_clock::now();
      if (n == SRT_ERROR) {
        const int code = srt_getlasterror(nullptr);
        if (code != SRT_EASYNCRCV) {
          error = code == SRT_ECONNLOST ? "closed by the origin"
                                        : std::string("connection lost: ") + srt_getlasterror_str();
          break;
        }
      } else if (n > 0) {
        if (batch.empty()) batch_started = now;
        batch.insert(batch.end(), buf, buf + n);
        last_data_ms = steady_ms();
      }
      if (!batch.empty() && (batch.size() >= kBatchBytes || now - batch_started >= kBatchTime)) {
        if (auto self = owner.lock())
          ingest.post(std::move(batch), self, log);  // bounded: past kMaxQueued, dropped
        batch = Bytes();
      }
      if (now - last_sample >= std::chrono::seconds(1)) {
        last_sample = now;
        link.sample(sock, SrtRole::Publisher);
      }
    }
    link.sample(sock, SrtRole::Publisher);
    if (auto self = owner.lock(); self && !batch.empty()) ingest.post(std::move(batch), self, log);
    done = true;
  }
};

PullSource::PullSource(ServerContext& ctx, Options options)
    : SourceBase(options, safe_url_of(options.url)), ctx_(ctx), latency_(options.latency) {
  srt_startup();
}

PullSource::~PullSource() {
  srt_cleanup();
}

asio::awaitable<Status> PullSource::run_once() {
  if (!begin_attempt()) co_return Status{};
  auto url = pull::parse_source_url(options().url, 0);
  if (url && (url->scheme != "srt" || url->port == 0)) url = fail("not srt://host:port");
  if (!url) {
    end_attempt(url.error(), false);
    co_return url.error();
  }
  bool idle = false;
  auto executor = co_await asio::this_coro::executor;
  asio::ip::udp::resolver resolver(executor);
  asio::steady_timer timer(executor);
  timer.expires_after(std::chrono::seconds(10));
  auto resolved =
      co_await (resolver.async_resolve(url->host, std::to_string(url->port), kAwaitable) ||
                timer.async_wait(kAwaitable));
  Status st;
  if (resolved.index() == 1) {
    st = fail("resolving ", url->host, " timed out");
  } else if (auto [ec, endpoints] = std::get<0>(resolved); ec || endpoints.empty()) {
    st = fail("resolving ", url->host, ": ", ec ? ec.message() : "no address");
  } else {
    auto attempt = std::make_shared<Attempt>();
    attempt->sock = srt_create_socket();
    const SRTSOCKET s = attempt->sock;
    const int yes = 1, connect_timeout = kConnectTimeoutMs, receive_timeout = kReceiveTimeoutMs;
    srt_setsockflag(s, SRTO_RCVSYN, &yes, sizeof yes);
    srt_setsockflag(s, SRTO_CONNTIMEO, &connect_timeout, sizeof connect_timeout);
    srt_setsockflag(s, SRTO_RCVTIMEO, &receive_timeout, sizeof receive_timeout);
    const int latency =
        parse_int(pull::query_param(*url, "latency"), static_cast<int>(latency_.count()));
    srt_setsockflag(s, SRTO_LATENCY, &latency, sizeof latency);
    const std::string stream_id = pull::query_param(*url, "streamid");
    if (!stream_id.empty())
      srt_setsockflag(s, SRTO_STREAMID, stream_id.data(), static_cast<int>(stream_id.size()));
    const std::string passphrase = pull::query_param(*url, "passphrase");
    if (!passphrase.empty()) {
      const int keylen = parse_int(pull::query_param(*url, "pbkeylen"), 0);
      if (keylen) srt_setsockflag(s, SRTO_PBKEYLEN, &keylen, sizeof keylen);
      srt_setsockflag(s, SRTO_PASSPHRASE, passphrase.data(), static_cast<int>(passphrase.size()));
    }
    const auto endpoint = std::get<1>(std::get<0>(resolved)).begin()->endpoint();
    attempt->thread = std::thread(&Attempt::run, attempt.get(), endpoint,
                                  std::weak_ptr<Attempt>(attempt), ctx_.log);
    auto task = serve(attempt, url->authority());
    st = co_await std::move(task);
    idle = attempt->idle;
  }
  end_attempt(st, idle);
  co_return st;
}

namespace {
// Waits (polling: libsrt's thread has no completion to await) until `ready`, or the
// coroutine is cancelled (false).
asio::awaitable<bool> poll_until(std::function<bool()> ready, std::chrono::milliseconds every) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  for (;;) {
    if (ready()) co_return true;
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) co_return false;
    timer.expires_after(every);
    co_await timer.async_wait(kAwaitable);
  }
}

// Ends the thread and waits for it without blocking the executor (the join is then at once).
asio::awaitable<void> finish(std::shared_ptr<PullSource::Attempt> a) {
  a->close();
  std::function<bool()> ended = [a] { return a->done.load(); };
  // Not cancellable any more: the close makes the thread end within kReceiveTimeoutMs.
  auto waiting = asio::co_spawn(co_await asio::this_coro::executor,
                                poll_until(std::move(ended), std::chrono::milliseconds(10)),
                                asio::use_awaitable);
  co_await std::move(waiting);
  if (a->thread.joinable()) a->thread.join();
}
}  // namespace

asio::awaitable<Status> PullSource::serve(std::shared_ptr<Attempt> a, std::string peer) {
  co_await asio::this_coro::throw_if_cancelled(false);
  std::function<bool()> connected = [a] { return a->connected.load() || a->done.load(); };
  auto waiting = poll_until(std::move(connected), std::chrono::milliseconds(20));
  const bool went_on = co_await std::move(waiting);
  if (!went_on || !a->connected) {
    co_await finish(a);
    if (!went_on) co_return Status{};  // stopped
    co_return fail(a->error);
  }
  auto executor = co_await asio::this_coro::executor;
  auto stream = claim_stream(ctx_, executor);
  if (!stream) {
    co_await finish(a);
    co_return stream.error();
  }
  auto on_stream = run_on_stream(a, *stream, std::move(peer));
  co_return co_await asio::co_spawn((*stream)->executor(), std::move(on_stream),
                                    asio::use_awaitable);
}

asio::awaitable<Status> PullSource::run_on_stream(std::shared_ptr<Attempt> a,
                                                  std::shared_ptr<media::Stream> stream,
                                                  std::string peer) {
  co_await asio::this_coro::throw_if_cancelled(false);
  auto log = ctx_.log;
  media::PublisherInfo info;
  info.peer = peer;
  info.kick = [weak = std::weak_ptr<Attempt>(a), log](const std::string& reason) {
    if (auto self = weak.lock()) {
      self->ingest.release(reason, log);  // the stream has already let go of it
      self->end_reason = reason;
      self->close();
    }
  };
  info.link_stats = [weak = std::weak_ptr<Attempt>(a)]() -> std::optional<media::LinkStats> {
    if (auto self = weak.lock()) return self->link.get();
    return std::nullopt;
  };
  a->ingest.on_fault = [weak = std::weak_ptr<Attempt>(a)](const std::string& reason) {
    if (auto self = weak.lock()) {
      self->end_reason = reason;
      self->close();
    }
  };
  if (auto st =
          a->ingest.attach(stream, std::move(info), options().app + "/" + options().stream, log);
      !st) {
    co_await finish(a);
    co_return st;
  }
  {
    std::lock_guard lock(a->mutex);
    a->go = true;
  }
  a->wake.notify_all();
  a->last_data_ms = steady_ms();
  log->info("srt pull start source={}", label());
  set_state("live", "", "udp");
  asio::steady_timer timer(stream->executor());
  auto last_viewer_check = std::chrono::steady_clock::now();
  bool stopped = false;
  for (;;) {
    timer.expires_after(std::chrono::milliseconds(250));
    co_await timer.async_wait(kAwaitable);
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) {
      stopped = true;
      a->end_reason = "stopped";
      break;
    }
    if (!a->end_reason.empty()) break;  // kicked
    if (a->done) {
      a->end_reason = a->error.empty() ? "closed" : a->error;
      break;
    }
    const auto last_data =
        std::chrono::steady_clock::time_point(std::chrono::milliseconds(a->last_data_ms.load()));
    if (auto end = should_end(last_data, *stream, last_viewer_check, a->idle)) {
      a->end_reason = std::move(*end);
      break;
    }
  }
  co_await finish(a);
  // What the thread posted before it ended is fed first: this runs after it on the executor.
  auto ex = co_await asio::this_coro::executor;
  co_await asio::post(ex, asio::use_awaitable);
  const std::string reason = a->end_reason;
  a->ingest.end(reason, log);
  log->info("srt pull stop source={} reason=\"{}\"", label(), reason);
  if (stopped || a->idle) co_return Status{};
  co_return fail(reason);
}

}  // namespace firstmile::srt
