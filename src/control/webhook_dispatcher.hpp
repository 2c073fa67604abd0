#pragma once
// Sends webhooks: notifications (queued, retried with back-off, fire and forget) and decisions
// (asked in order, never retried, answers returned to the caller). All requests run on one
// executor, the control thread's; the entry points may be called from any thread and never
// block beyond a short mutex hold, so a slow backend cannot stall a media thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "control/http_client.hpp"
#include "control/notification_journal.hpp"
#include "core/config.hpp"
#include "core/log.hpp"

namespace firstmile::control {

struct WebhookSettings {
  std::string secret;  // X-Firstmile-Signature key; empty = unsigned
  Duration timeout{3000};
  uint32_t max_retries = 5;
  Duration retry_backoff{1000};  // first retry delay; doubles each retry
  Duration retry_backoff_max{60000};
  uint32_t queue_size = 10000;  // notifications accepted and not yet finished
  size_t max_response_bytes = 64 * 1024;
  std::string user_agent = "firstmile";  // the version is appended: "firstmile/0.1.0"
  // How long a connection to a receiver stays open, idle, for the next request; 0: a
  // connection per request.
  Duration keep_alive{4000};
};

struct WebhookCounters {
  std::atomic<uint64_t> delivered{0};           // notifications answered 2xx
  std::atomic<uint64_t> retried{0};             // retries scheduled
  std::atomic<uint64_t> dropped{0};             // queue full, retries exhausted, bad URL, stopped
  std::atomic<uint64_t> failed_requests{0};     // requests (notification or decision) not 2xx
  std::atomic<uint64_t> connections_opened{0};  // connections made for a request
  std::atomic<uint64_t> connections_reused{0};  // requests sent on a kept-alive connection
};

// The signature header value: "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
std::string webhook_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body);

// 32 random lowercase hex digits, for X-Firstmile-Delivery (and the body's "id").
std::string make_delivery_id();

class WebhookDispatcher {
 public:
  // Most requests in flight at once, and per URL: a hanging receiver holds at most
  // kMaxInFlightPerUrl connections and the other URLs keep going.
  static constexpr size_t kMaxInFlight = 16;
  static constexpr size_t kMaxInFlightPerUrl = 8;

  // `tls` may be null: https URLs then fail (and are logged).
  WebhookDispatcher(asio::any_io_executor executor, Logger log,
                    std::shared_ptr<asio::ssl::context> tls);
  // Stops; requests still running finish on the executor without touching this object.
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // Thread-safe; applies to requests started afterwards (hot reload).
  void set_settings(WebhookSettings s);

  // Thread-safe. One delivery per URL, queued (past queue_size dropped, counted, logged at
  // most once per second), retried with exponential back-off up to max_retries, then dropped.
  // `delivery_id` goes into X-Firstmile-Delivery (pass the body's "id" so they match); empty =
  // a fresh one. A delivery keeps its id across retries so receivers can de-duplicate.
  // `lifecycle` (on_unpublish, on_play, on_stop): counted against a queue_size of its own, so
  // segment notifications never take its room, and journaled when a journal is set.
  void notify(const std::string& event, const std::vector<std::string>& urls, std::string json_body,
              std::string delivery_id = {}, bool lifecycle = false);

  // Lifecycle notifications survive a restart in `journal` (notification_journal.hpp): what is
  // accepted is journaled, what is delivered or given up is marked so. Set before notify().
  void set_journal(std::shared_ptr<NotificationJournal> journal);
  // Queues what an earlier run journaled and did not deliver, with its delivery ids.
  void resend(const std::vector<JournalEntry>& entries);

  // A decision: POSTs to each URL in order on the dispatcher's executor, no retries; stops at
  // the first answer that is not a complete 2xx, which is then the last element. May be
  // awaited from any executor (it resumes there). The arguments are copied at once.
  // Cancelling the awaiting coroutine does not cut the request short (its timeout bounds it);
  // stop() does. After stop() the result is one element with an error.
  asio::awaitable<std::vector<HttpResult>> ask(const std::string& event,
                                               const std::vector<std::string>& urls,
                                               std::string json_body, std::string delivery_id = {});

  // Thread-safe. Drops queued notifications, cancels retries waiting and requests in flight
  // (all counted as dropped); later notify() calls are no-ops and ask() fails at once.
  void stop();

  const WebhookCounters& counters() const;
  // Notifications accepted and not finished: waiting, in flight or waiting for a retry.
  size_t queued() const;

  // Called on the executor after every request (for the latency histogram): event, seconds,
  // ok (complete 2xx). Set before the first request; it is not synchronised.
  std::function<void(const std::string& event, double seconds, bool ok)> on_request;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace firstmile::control
