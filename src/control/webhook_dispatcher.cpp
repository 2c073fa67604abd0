#include "control/webhook_dispatcher.hpp"

#include <openssl/rand.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <random>

#include "control/crypto.hpp"
#include "core/awaitable.hpp"

#ifndef FIRSTMILE_VERSION
#define FIRSTMILE_VERSION "dev"
#endif

namespace firstmile::control {

namespace {

struct Delivery {
  std::string event;
  std::string url;
  std::shared_ptr<const std::string> body;  // shared by the deliveries of one notify()
  std::string id;
  uint32_t attempt = 0;  // requests already made
  // A lifecycle event (on_unpublish, on_play, on_stop): bounded apart from segment events, so
  // that those can never crowd it out, and journaled when a journal is set.
  bool lifecycle = false;
};

struct UrlQueue {
  std::deque<Delivery> waiting;
  size_t in_flight = 0;
};

// Lets stop() cancel one coroutine; `done` once it finished (its slot is then stale).
struct CancelEntry {
  asio::cancellation_signal signal;
  bool done = false;
};

HttpResult error_result(std::string error) {
  HttpResult r;
  r.error = std::move(error);
  return r;
}

std::string describe(const HttpResult& r) {
  return r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error;
}

// retry_backoff * 2^retry, capped at retry_backoff_max.
Duration backoff(const WebhookSettings& s, uint32_t retry) {
  Duration d = s.retry_backoff;
  for (uint32_t i = 0; i < retry && d < s.retry_backoff_max; ++i)
    d *= 2;
  return std::min(d, s.retry_backoff_max);
}

}  // namespace

std::string webhook_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp).append(".").append(body);
  return "sha256=" + to_hex(hmac_sha256(secret, message));
}

std::string make_delivery_id() {
  Digest bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::random_device rd;  // only if OpenSSL's generator is unavailable
    for (auto& b : bytes)
      b = static_cast<uint8_t>(rd());
  }
  return to_hex(bytes).substr(0, 32);
}

struct WebhookDispatcher::State : std::enable_shared_from_this<State> {
  asio::any_io_executor executor;
  Logger log;
  std::shared_ptr<asio::ssl::context> tls;
  WebhookCounters counters;
  std::atomic<size_t> outstanding{0};
  std::atomic<size_t> outstanding_lifecycle{0};  // of those
  std::atomic<bool> stopped{false};
  std::shared_ptr<NotificationJournal> journal;  // set before the first notify(); may be null

  std::mutex mutex;  // guards the members down to the blank line
  WebhookSettings settings;
  std::map<std::string, UrlQueue> queues;  // by URL; entries go when idle
  size_t in_flight = 0;
  bool pump_posted = false;
  std::chrono::steady_clock::time_point last_drop_log{};
  uint64_t drops_unlogged = 0;

  std::mutex owner_mutex;  // the owner's destructor waits for an on_request call to finish
  WebhookDispatcher* owner = nullptr;

  std::list<CancelEntry> cancels;        // executor only
  std::unique_ptr<ConnectionPool> pool;  // executor only

  WebhookSettings current_settings() {
    std::lock_guard lock(mutex);
    return settings;
  }

  void report(const std::string& event, std::chrono::microseconds latency, bool ok) {
    std::lock_guard lock(owner_mutex);
    if (owner && owner->on_request) owner->on_request(event, latency.count() / 1e6, ok);
  }

  std::list<CancelEntry>::iterator add_cancel_entry() {
    cancels.emplace_back();
    return std::prev(cancels.end());
  }
  // The finished coroutine's frame may still be unwinding: erase its signal afterwards.
  void release_cancel_entry(std::list<CancelEntry>::iterator it) {
    it->done = true;
    asio::post(executor, [self = shared_from_this(), it] { self->cancels.erase(it); });
  }

  // The delivery is over: delivered, or given up for good (then the journal forgets it too);
  // a delivery cut short by stop() stays in the journal, for the next start.
  void finish(const Delivery& d, std::atomic<uint64_t> WebhookCounters::*counter,
              bool for_good = true) {
    ++(counters.*counter);
    // The part first, so that a reader never sees more lifecycle ones than in all.
    if (d.lifecycle) --outstanding_lifecycle;
    --outstanding;
    if (d.lifecycle && for_good && journal) journal->ended(d.id, d.url);
  }

  void schedule_pump() {
    {
      std::lock_guard lock(mutex);
      if (pump_posted) return;
      pump_posted = true;
    }
    asio::post(executor, [self = shared_from_this()] { self->pump(); });
  }

  // Executor: starts waiting deliveries while there are free slots, taking one per URL per
  // round so that every URL progresses.
  void pump() {
    std::vector<Delivery> batch;
    {
      std::lock_guard lock(mutex);
      pump_posted = false;
      if (stopped) return;
      bool progress = true;
      while (progress && in_flight < kMaxInFlight) {
        progress = false;
        for (auto& [url, q] : queues) {
          if (in_flight >= kMaxInFlight) break;
          if (q.waiting.empty() || q.in_flight >= kMaxInFlightPerUrl) continue;
          batch.push_back(std::move(q.waiting.front()));
          q.waiting.pop_front();
          ++q.in_flight;
          ++in_flight;
          progress = true;
        }
      }
    }
    for (auto& d : batch) {
      auto it = add_cancel_entry();
      asio::co_spawn(executor, run_delivery(shared_from_this(), std::move(d)),
                     asio::bind_cancellation_slot(
                         it->signal.slot(), [self = shared_from_this(), it](std::exception_ptr e) {
                           if (e) LogExceptions{self->log, "webhook delivery"}(e);
                           self->release_cancel_entry(it);
                         }));
    }
  }

  void release_slot(const std::string& url) {
    std::lock_guard lock(mutex);
    --in_flight;
    auto q = queues.find(url);
    if (q == queues.end()) return;
    --q->second.in_flight;
    if (q->second.in_flight == 0 && q->second.waiting.empty()) queues.erase(q);
  }

  asio::awaitable<HttpResult> send(const std::string& event, const std::string& url,
                                   const std::string& body, const std::string& id,
                                   const WebhookSettings& s) {
    using namespace std::chrono;
    std::string timestamp =
        std::to_string(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
    HttpRequestSpec spec;
    spec.url = url;
    spec.timeout = s.timeout;
    spec.max_response_bytes = s.max_response_bytes;
    spec.headers = {{"Content-Type", "application/json"},
                    {"User-Agent", s.user_agent + "/" FIRSTMILE_VERSION},
                    {"X-Firstmile-Event", event},
                    {"X-Firstmile-Delivery", id},
                    {"X-Firstmile-Timestamp", timestamp}};
    if (!s.secret.empty())
      spec.headers.emplace_back("X-Firstmile-Signature",
                                webhook_signature(s.secret, timestamp, body));
    spec.body = body;
    if (pool->limits().idle_timeout != s.keep_alive) {
      ConnectionPool::Limits limits = pool->limits();
      limits.idle_timeout = s.keep_alive;
      pool->set_limits(limits);
    }
    HttpResult r = co_await http_post(std::move(spec), tls.get(), pool.get());
    if (!r.ok()) ++counters.failed_requests;
    if (r.connection == HttpResult::Connection::Opened) ++counters.connections_opened;
    if (r.connection == HttpResult::Connection::Reused) ++counters.connections_reused;
    report(event, r.latency, r.ok());
    co_return r;
  }

  // One attempt of one notification, holding an in-flight slot; on failure it waits out the
  // back-off without the slot, then queues the delivery again.
  static asio::awaitable<void> run_delivery(std::shared_ptr<State> self, Delivery d) {
    // Cancellation is read from the state below; co_await must not throw after it.
    co_await asio::this_coro::throw_if_cancelled(false);
    auto cancel = co_await asio::this_coro::cancellation_state;
    auto cancelled = [&] {
      return self->stopped || cancel.cancelled() != asio::cancellation_type::none;
    };
    const WebhookSettings s = self->current_settings();
    const std::string where = url_for_log(d.url);

    auto url = parse_webhook_url(d.url);
    if (!url || (url->tls && !self->tls)) {
      // Retrying cannot help: drop at once.
      self->log->error("webhook dropped event={} url={} error=\"{}\"", d.event, where,
                       url ? "https URL but no TLS client context" : url.error().message);
      self->release_slot(d.url);
      self->finish(d, &WebhookCounters::dropped);
      self->schedule_pump();  // posted: pump() may be our caller (no suspension yet)
      co_return;
    }
    HttpResult r = co_await self->send(d.event, d.url, *d.body, d.id, s);
    self->release_slot(d.url);
    ++d.attempt;
    if (r.ok()) {
      self->log->debug("webhook delivered event={} url={} status={} attempt={}", d.event, where,
                       r.status, d.attempt);
      self->finish(d, &WebhookCounters::delivered);
    } else if (cancelled()) {
      self->finish(d, &WebhookCounters::dropped, false);
    } else if (d.attempt > s.max_retries) {
      self->log->error("webhook dropped event={} url={} status={} error=\"{}\" attempts={}",
                       d.event, where, r.status, describe(r), d.attempt);
      self->finish(d, &WebhookCounters::dropped);
    } else {
      Duration delay = backoff(s, d.attempt - 1);
      self->log->warn(
          "webhook failed event={} url={} status={} error=\"{}\" attempt={} retry_in={}ms", d.event,
          where, r.status, describe(r), d.attempt, delay.count());
      ++self->counters.retried;
      self->schedule_pump();  // the slot we just freed
      asio::steady_timer timer(self->executor, delay);
      co_await timer.async_wait(kAwaitable);
      if (cancelled()) {
        self->finish(d, &WebhookCounters::dropped, false);
        co_return;
      }
      {
        std::lock_guard lock(self->mutex);
        self->queues[d.url].waiting.push_back(std::move(d));
      }
    }
    self->schedule_pump();
  }

  static asio::awaitable<std::vector<HttpResult>> ask_all(std::shared_ptr<State> self,
                                                          std::string event,
                                                          std::vector<std::string> urls,
                                                          std::string body, std::string id) {
    co_await asio::this_coro::throw_if_cancelled(false);
    auto cancel = co_await asio::this_coro::cancellation_state;
    const WebhookSettings s = self->current_settings();
    std::vector<HttpResult> results;
    for (const auto& url : urls) {
      if (self->stopped || cancel.cancelled() != asio::cancellation_type::none) {
        results.push_back(error_result("cancelled"));
        break;
      }
      HttpResult r = co_await self->send(event, url, body, id, s);
      bool ok = r.ok();
      // A non-2xx answer is the receiver's decision; only a failure to get one is a warning.
      if (!r.error.empty())
        self->log->warn("webhook request failed event={} url={} status={} error=\"{}\"", event,
                        url_for_log(url), r.status, r.error);
      results.push_back(std::move(r));
      if (!ok) break;
    }
    co_return results;
  }

  // On the executor: runs ask_all with a signal that stop() can fire.
  static asio::awaitable<std::vector<HttpResult>> ask_entry(std::shared_ptr<State> self,
                                                            std::string event,
                                                            std::vector<std::string> urls,
                                                            std::string body, std::string id) {
    if (self->stopped)
      co_return std::vector<HttpResult>{error_result("webhook dispatcher stopped")};
    if (id.empty()) id = make_delivery_id();
    auto it = self->add_cancel_entry();
    auto [e, results] = co_await asio::co_spawn(
        self->executor,
        ask_all(self, std::move(event), std::move(urls), std::move(body), std::move(id)),
        asio::bind_cancellation_slot(it->signal.slot(), kAwaitable));
    self->release_cancel_entry(it);
    if (e) std::rethrow_exception(e);  // a bug (or bad_alloc), not a network error
    co_return results;
  }
};

WebhookDispatcher::WebhookDispatcher(asio::any_io_executor executor, Logger log,
                                     std::shared_ptr<asio::ssl::context> tls)
    : state_(std::make_shared<State>()) {
  state_->executor = std::move(executor);
  state_->log = std::move(log);
  state_->tls = std::move(tls);
  // At most as many idle per receiver as requests run to it at once.
  ConnectionPool::Limits limits;
  limits.idle_timeout = state_->settings.keep_alive;
  limits.max_idle_per_host = kMaxInFlightPerUrl;
  state_->pool = std::make_unique<ConnectionPool>(state_->executor, limits);
  state_->owner = this;
}

WebhookDispatcher::~WebhookDispatcher() {
  stop();
  std::lock_guard lock(state_->owner_mutex);
  state_->owner = nullptr;
}

void WebhookDispatcher::set_settings(WebhookSettings s) {
  std::lock_guard lock(state_->mutex);
  state_->settings = std::move(s);
}

void WebhookDispatcher::set_journal(std::shared_ptr<NotificationJournal> journal) {
  state_->journal = std::move(journal);
}

void WebhookDispatcher::resend(const std::vector<JournalEntry>& entries) {
  bool any = false;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopped) return;
    for (const auto& e : entries) {
      // Already journaled, and counted against nothing: they were accepted by an earlier run.
      state_->queues[e.url].waiting.push_back(
          Delivery{e.event, e.url, std::make_shared<const std::string>(e.body), e.id, 0, true});
      ++state_->outstanding;
      ++state_->outstanding_lifecycle;
      any = true;
    }
  }
  if (any) state_->schedule_pump();
}

void WebhookDispatcher::notify(const std::string& event, const std::vector<std::string>& urls,
                               std::string json_body, std::string delivery_id, bool lifecycle) {
  if (urls.empty() || state_->stopped) return;
  if (delivery_id.empty()) delivery_id = make_delivery_id();
  auto body = std::make_shared<const std::string>(std::move(json_body));
  uint64_t dropped = 0, to_log = 0;
  bool accepted = false;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopped) return;
    for (const auto& url : urls) {
      // Each kind has queue_size of its own: segment events cannot take the room of the
      // lifecycle events.
      const size_t life = state_->outstanding_lifecycle.load();
      const size_t all = state_->outstanding.load();
      const size_t of_kind = lifecycle ? life : all - std::min(all, life);
      if (of_kind >= state_->settings.queue_size) {
        ++dropped;
        continue;
      }
      Delivery d{event, url, body, delivery_id, 0, lifecycle};
      if (lifecycle && state_->journal) state_->journal->accepted({delivery_id, event, url, *body});
      state_->queues[url].waiting.push_back(std::move(d));
      ++state_->outstanding;
      if (lifecycle) ++state_->outstanding_lifecycle;
      accepted = true;
    }
    if (dropped) {
      state_->drops_unlogged += dropped;
      auto now = std::chrono::steady_clock::now();
      if (now - state_->last_drop_log >= std::chrono::seconds(1)) {
        state_->last_drop_log = now;
        to_log = std::exchange(state_->drops_unlogged, 0);
      }
    }
  }
  state_->counters.dropped += dropped;
  if (to_log)
    state_->log->warn("webhook queue full, dropped={} event={} queued={}", to_log, event, queued());
  if (accepted) state_->schedule_pump();
}

asio::awaitable<std::vector<HttpResult>> WebhookDispatcher::ask(
    const std::string& event, const std::vector<std::string>& urls, std::string json_body,
    std::string delivery_id) {
  // Not a coroutine itself: the arguments are copied now. The awaiting coroutine's
  // cancellation is not forwarded (an empty slot): it may live on another thread, and the
  // request is bounded by its timeout anyway.
  return asio::co_spawn(
      state_->executor,
      State::ask_entry(state_, event, urls, std::move(json_body), std::move(delivery_id)),
      asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));
}

void WebhookDispatcher::stop() {
  uint64_t cleared = 0, cleared_lifecycle = 0;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopped) return;
    state_->stopped = true;
    for (auto& [url, q] : state_->queues) {
      cleared += q.waiting.size();
      for (const auto& d : q.waiting)
        cleared_lifecycle += d.lifecycle ? 1 : 0;
      q.waiting.clear();  // journaled ones stay in the journal: the next start sends them
    }
  }
  state_->counters.dropped += cleared;
  state_->outstanding_lifecycle -= cleared_lifecycle;
  state_->outstanding -= cleared;
  asio::post(state_->executor, [self = state_] {
    for (auto& entry : self->cancels)
      if (!entry.done) entry.signal.emit(asio::cancellation_type::terminal);
    self->pool->clear();
  });
}

const WebhookCounters& WebhookDispatcher::counters() const {
  return state_->counters;
}

size_t WebhookDispatcher::queued() const {
  return state_->outstanding;
}

}  // namespace firstmile::control
