#include "control/control_plane.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "control/control_config.hpp"
#include "control/crypto.hpp"
#include "control/event_fields.hpp"
#include "control/play_token.hpp"
#include "control/webhook_answer.hpp"
#include "format/query_string.hpp"

namespace firstmile::control {

namespace json = boost::json;

namespace {

constexpr auto kKeysPollInterval = std::chrono::seconds(2);
constexpr size_t kPlayCacheMax = 100000;

// A refused HLS client is remembered briefly too, so it cannot turn each playlist reload into
// a webhook call.
constexpr auto kRefusalCache = std::chrono::seconds(5);

// Gives a decision's slot back when the decision is done, however it ends.
class DecisionRelease {
 public:
  explicit DecisionRelease(DecisionLimiter& limiter) : limiter_(limiter) {}
  DecisionRelease(const DecisionRelease&) = delete;
  DecisionRelease& operator=(const DecisionRelease&) = delete;
  ~DecisionRelease() { limiter_.release(); }

 private:
  DecisionLimiter& limiter_;
};

WebhookSettings settings_of(const WebhooksConfig& c) {
  WebhookSettings s;
  s.secret = c.secret;
  s.timeout = c.timeout;
  s.max_retries = c.max_retries;
  s.retry_backoff = c.retry_backoff;
  s.retry_backoff_max = c.retry_backoff_max;
  s.queue_size = c.queue_size;
  s.max_response_bytes = c.max_response_bytes;
  s.keep_alive = c.keep_alive;
  return s;
}

}  // namespace

std::string config_hash(const Config& config, const ConfigSchema& schema) {
  return to_hex(sha256(dump_config(config, schema, true)));
}

ControlPlane::ControlPlane(std::shared_ptr<const Config> config, Logger log)
    : log_(std::move(log)),
      work_(ioc_.get_executor()),
      keys_timer_(ioc_),
      keys_(log_),
      config_(std::move(config)),
      webhook_seconds_({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}) {
  hooks_ =
      std::make_unique<WebhookDispatcher>(ioc_.get_executor(), log_, make_client_tls_context());
  hooks_->set_settings(settings_of(config_->get<WebhooksConfig>()));
  decisions_.configure(config_->get<WebhooksConfig>().max_decisions_in_flight,
                       config_->get<WebhooksConfig>().decisions_per_ip);
  hooks_->on_request = [this](const std::string& event, double seconds, bool ok) {
    webhook_seconds_.at(event).observe(seconds);
    std::lock_guard lock(counters_mutex_);
    ++requests_[{event, ok ? "ok" : "error"}];
  };
}

ControlPlane::~ControlPlane() {
  stop();
}

Status ControlPlane::start() {
  auto cfg = config();
  if (auto st =
          keys_.configure(cfg->get<AuthConfig>().publish_keys, cfg->get<AuthConfig>().keys_file);
      !st)
    return st;
  if (const auto& path = cfg->get<WebhooksConfig>().journal; !path.empty()) {
    // Lifecycle notifications an earlier run accepted and did not deliver go out first.
    auto journal = std::make_shared<NotificationJournal>();
    auto pending = journal->open(path, cfg->get<WebhooksConfig>().journal_max_bytes);
    if (!pending) return pending.error();
    hooks_->set_journal(journal);
    if (!pending->empty()) {
      log_->info("webhook journal resending notifications={} file={}", pending->size(), path);
      hooks_->resend(*pending);
    }
  }
  poll_keys();
  thread_ = std::thread([this] { ioc_.run(); });
  return Status{};
}

void ControlPlane::stop() {
  stopped_ = true;
  if (!thread_.joinable()) return;
  hooks_->stop();
  asio::post(ioc_, [this] { keys_timer_.cancel(); });
  work_.reset();
  ioc_.stop();
  thread_.join();
}

void ControlPlane::poll_keys() {
  keys_timer_.expires_after(kKeysPollInterval);
  keys_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    keys_.poll();
    poll_keys();
  });
}

Status ControlPlane::apply(std::shared_ptr<const Config> config) {
  if (auto st = keys_.configure(config->get<AuthConfig>().publish_keys,
                                config->get<AuthConfig>().keys_file);
      !st)
    return st;
  hooks_->set_settings(settings_of(config->get<WebhooksConfig>()));
  decisions_.configure(config->get<WebhooksConfig>().max_decisions_in_flight,
                       config->get<WebhooksConfig>().decisions_per_ip);
  {
    std::lock_guard lock(play_cache_mutex_);
    play_cache_.clear();  // decisions taken under the old rules
  }
  std::lock_guard lock(mutex_);
  config_ = std::move(config);
  return Status{};
}

std::shared_ptr<const Config> ControlPlane::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

AccessDecision ControlPlane::refuse(const char* kind, const char* label, std::string reason,
                                    int http_status) {
  {
    std::lock_guard lock(counters_mutex_);
    ++refusals_[{kind, label}];
  }
  AccessDecision d;
  d.reason = std::move(reason);
  d.http_status = http_status;
  return d;
}

std::optional<AccessDecision> ControlPlane::limit_decision(const char* kind,
                                                           const std::string& ip) {
  switch (decisions_.acquire(ip)) {
    case DecisionLimiter::Verdict::Go:
      return std::nullopt;
    case DecisionLimiter::Verdict::Busy:
      return refuse(kind, "busy", "authorization service busy (webhooks.max_decisions_in_flight)",
                    503);
    case DecisionLimiter::Verdict::TooFast:
      break;
  }
  return refuse(kind, "rate", "too many authorization requests from this address", 429);
}

asio::awaitable<std::vector<HttpResult>> ControlPlane::ask_all(std::string event,
                                                               std::vector<std::string> urls,
                                                               std::string body, std::string id,
                                                               bool fail_open) {
  if (!fail_open) {
    // The dispatcher stops at the first refusal itself.
    auto asking = hooks_->ask(event, urls, std::move(body), id);
    co_return co_await std::move(asking);
  }
  // Fail-open skips an unreachable URL but must still ask the ones after it, so each URL
  // is asked on its own.
  std::vector<HttpResult> all;
  for (const auto& url : urls) {
    std::vector<std::string> one{url};
    auto asking = hooks_->ask(event, one, body, id);
    auto answers = co_await std::move(asking);
    bool stop = false;
    for (auto& a : answers) {
      if (!a.ok() && a.status != 0) stop = true;
      all.push_back(std::move(a));
    }
    if (stop) break;
  }
  co_return all;
}

AccessDecision ControlPlane::judge(const char* kind, const std::vector<HttpResult>& answers,
                                   AccessDecision allow, bool fail_open, size_t max_name) {
  for (const auto& a : answers) {
    auto answer = judge_webhook_answer(a.status, a.error, a.body, max_name);
    switch (answer.kind) {
      case WebhookAnswer::Kind::Unreachable:
        if (fail_open) {
          log_->warn(
              "auth webhook unreachable, allowing (auth.webhook_fail_open) kind={} error=\"{}\"",
              kind, a.error);
          continue;
        }
        return refuse(kind, "webhook_error", "authorization service unavailable");
      case WebhookAnswer::Kind::Refused:
        return refuse(kind, "webhook", std::move(answer.reason));
      case WebhookAnswer::Kind::Error:
        return refuse(kind, "webhook_error", std::move(answer.reason));
      case WebhookAnswer::Kind::Allow:
        if (answer.stream) allow.stream = std::move(*answer.stream);
        break;
    }
  }
  return allow;
}

bool ControlPlane::static_key_refuses(const std::string& app, const std::string& key) {
  if (keys_.check(app, key).verdict != KeyStore::Verdict::Denied) return false;
  refuse("publish", "key", "unknown stream key");
  return true;
}

bool ControlPlane::checks_digest(bool publish, const std::string& app) {
  if (publish) return keys_.has_keys(app);
  return config()->get<AuthConfig>().play == PlayAuth::Token;
}

bool ControlPlane::play_token_refuses(const AccessRequest& request) {
  auto cfg = config();
  if (cfg->get<AuthConfig>().play != PlayAuth::Token) return false;
  auto params = format::parse_query(request.query);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  auto check = params ? check_play_token(cfg->get<AuthConfig>().play_secret, request.app,
                                         request.stream, *params, now)
                      : TokenCheck::Invalid;
  if (check == TokenCheck::Ok) return false;
  refuse("play", "token", describe(check));
  return true;
}

asio::awaitable<AccessDecision> ControlPlane::authorize_publish(AccessRequest request) {
  if (stopped_) co_return refuse("publish", "webhook_error", "server shutting down");
  // Named locals, not temporaries, around co_await (see docs/architecture.md on GCC 12).
  auto task = decide_publish(std::move(request));
  auto ex = ioc_.get_executor();
  co_return co_await asio::co_spawn(ex, std::move(task), asio::use_awaitable);
}

asio::awaitable<AccessDecision> ControlPlane::authorize_play(AccessRequest request) {
  auto cfg = config();
  if (cfg->get<AuthConfig>().play == PlayAuth::Off) {
    AccessDecision d;
    d.allowed = true;
    d.stream = request.stream;
    co_return d;
  }
  if (cfg->get<AuthConfig>().play == PlayAuth::Token) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    const auto& secret = cfg->get<AuthConfig>().play_secret;
    TokenCheck check = TokenCheck::Invalid;
    if (request.credentials) {
      // The user name is the expiry, the password the token.
      const auto& c = *request.credentials;
      std::string token = c.password;
      if (c.matches) {
        token = play_token(secret, request.app, request.stream, c.user);
        if (!c.matches(token)) token.clear();
      }
      format::QueryParams params{{"expires", c.user}, {"token", token}};
      check = token.empty() ? TokenCheck::Invalid
                            : check_play_token(secret, request.app, request.stream, params, now);
      if (check == TokenCheck::Missing) check = TokenCheck::Invalid;
    } else if (auto params = format::parse_query(request.query)) {
      check = check_play_token(secret, request.app, request.stream, *params, now);
    }
    if (check != TokenCheck::Ok) {
      co_return refuse("play", "token", describe(check),
                       check == TokenCheck::Missing || request.credentials ? 401 : 403);
    }
    std::lock_guard lock(counters_mutex_);
    ++allowed_["play"];
    AccessDecision d;
    d.allowed = true;
    d.stream = request.stream;
    co_return d;
  }
  if (stopped_) co_return refuse("play", "webhook_error", "server shutting down");
  // The backend holds the secrets: it can check a password, not a Digest answer.
  if (request.credentials && request.credentials->matches)
    co_return refuse("play", "webhook", "Digest credentials need signed URLs", 401);
  auto task = decide_play(std::move(request));
  auto ex = ioc_.get_executor();
  co_return co_await asio::co_spawn(ex, std::move(task), asio::use_awaitable);
}

asio::awaitable<AccessDecision> ControlPlane::decide_publish(AccessRequest r) {
  auto cfg = config();
  AccessDecision allow;
  allow.allowed = true;
  allow.stream = r.stream;
  // The key: the name asked for, or the password of the credentials sent with it.
  std::string key = r.stream;
  KeyStore::Check check;
  if (r.credentials && r.credentials->matches) {
    check = keys_.check_known(r.app, r.credentials->matches, key);
    // Digest is offered only where static keys can check it.
    if (check.verdict == KeyStore::Verdict::NoKeys)
      co_return refuse("publish", "key", "Digest credentials need static keys", 401);
  } else {
    if (r.credentials) key = r.credentials->password;
    check = keys_.check(r.app, key);
  }
  if (check.verdict == KeyStore::Verdict::Denied) {
    co_return refuse("publish", "key", "unknown stream key", r.credentials ? 401 : 403);
  }
  if (check.verdict == KeyStore::Verdict::Allowed) allow.stream = check.stream;

  const auto& urls = cfg->get<WebhooksConfig>().on_publish;
  if (!urls.empty()) {
    auto [ip, port] = split_peer(r.peer);
    if (auto refused = limit_decision("publish", ip)) co_return std::move(*refused);
    DecisionRelease slot{decisions_};
    std::string id = make_delivery_id();
    json::object body{{"event", "on_publish"},
                      {"id", id},
                      {"time", iso_now()},
                      {"node_id", cfg->node_id},
                      {"app", r.app},
                      {"stream", allow.stream},
                      {"key", key},
                      {"query", r.query},
                      {"params", params_json(r.query)},
                      {"protocol", r.protocol},
                      {"client_ip", ip},
                      {"client_port", port}};
    if (r.credentials) body["user"] = r.credentials->user;
    auto text = json::serialize(body);
    // Named locals only around co_await (GCC 12 destroys temporaries there twice).
    const std::string event = "on_publish";
    auto asking =
        ask_all(event, urls, std::move(text), id, cfg->get<AuthConfig>().webhook_fail_open);
    auto answers = co_await std::move(asking);
    allow = judge("publish", answers, allow, cfg->get<AuthConfig>().webhook_fail_open,
                  cfg->stream.max_name_length);
    if (!allow.allowed) co_return allow;
  }
  std::lock_guard lock(counters_mutex_);
  ++allowed_["publish"];
  co_return allow;
}

asio::awaitable<AccessDecision> ControlPlane::decide_play(AccessRequest r) {
  auto cfg = config();
  auto [ip, port] = split_peer(r.peer);
  // HLS and DASH clients reload the playlist or MPD every few seconds: their decision is cached
  // per address and protocol (so a webhook sees each protocol a viewer uses).
  std::string cache_key;
  auto now = std::chrono::steady_clock::now();
  r.query = decision_query(r.query);
  if (r.protocol == "hls" || r.protocol == "dash") {
    cache_key = r.protocol + '\n' + ip + '\n' + r.app + '/' + r.stream + '\n' + r.query;
    std::lock_guard lock(play_cache_mutex_);
    auto it = play_cache_.find(cache_key);
    if (it != play_cache_.end() && it->second.first > now) {
      AccessDecision d;
      d.allowed = it->second.second;
      d.stream = r.stream;
      if (!d.allowed) d.reason = "refused by the authorization service";
      std::lock_guard counters(counters_mutex_);
      if (d.allowed)
        ++allowed_["play"];
      else
        ++refusals_[{"play", "webhook"}];
      co_return d;
    }
  }
  if (auto refused = limit_decision("play", ip)) co_return std::move(*refused);
  DecisionRelease slot{decisions_};
  AccessDecision allow;
  allow.allowed = true;
  allow.stream = r.stream;
  std::string id = make_delivery_id();
  json::object body{
      {"event", "on_play"},      {"id", id},           {"time", iso_now()},
      {"node_id", cfg->node_id}, {"app", r.app},       {"stream", r.stream},
      {"protocol", r.protocol},  {"query", r.query},   {"params", params_json(r.query)},
      {"client_ip", ip},         {"client_port", port}};
  if (r.credentials) {
    body["user"] = r.credentials->user;
    body["password"] = r.credentials->password;
  }
  auto text = json::serialize(body);
  const std::string event = "on_play";
  auto asking = ask_all(event, cfg->get<WebhooksConfig>().on_play, std::move(text), id,
                        cfg->get<AuthConfig>().webhook_fail_open);
  auto answers = co_await std::move(asking);
  // A player is never renamed: a "stream" in the answer is ignored (max length 0).
  auto d = judge("play", answers, allow, cfg->get<AuthConfig>().webhook_fail_open, 0);
  d.stream = r.stream;  // a player cannot be renamed
  if (!cache_key.empty()) {
    auto ttl = d.allowed ? std::chrono::steady_clock::duration(cfg->get<AuthConfig>().play_cache)
                         : std::chrono::steady_clock::duration(kRefusalCache);
    std::lock_guard lock(play_cache_mutex_);
    if (play_cache_.size() >= kPlayCacheMax) {
      std::erase_if(play_cache_, [&](const auto& e) { return e.second.first <= now; });
    }
    if (play_cache_.size() < kPlayCacheMax) play_cache_[cache_key] = {now + ttl, d.allowed};
  }
  if (d.allowed) {
    std::lock_guard lock(counters_mutex_);
    ++allowed_["play"];
  }
  co_return d;
}

void ControlPlane::count_reload(bool ok) {
  std::lock_guard lock(counters_mutex_);
  ++(ok ? reloads_ok_ : reloads_failed_);
}

uint64_t ControlPlane::reloads() const {
  std::lock_guard lock(counters_mutex_);
  return reloads_ok_;
}

void ControlPlane::write_metrics(MetricsWriter& out) const {
  {
    std::lock_guard lock(counters_mutex_);
    for (const char* kind : {"publish", "play"}) {
      auto it = allowed_.find(kind);
      out.counter("firstmile_auth_allowed_total", "Publish and play requests allowed by auth.",
                  it == allowed_.end() ? 0 : static_cast<double>(it->second), {{"kind", kind}});
    }
    for (const auto& [key, n] : refusals_) {
      out.counter("firstmile_auth_refusals_total",
                  "Publish and play requests refused, by kind and reason.", static_cast<double>(n),
                  {{"kind", key.first}, {"reason", key.second}});
    }
    for (const auto& [key, n] : requests_) {
      out.counter("firstmile_webhook_requests_total", "Webhook HTTP requests by event and result.",
                  static_cast<double>(n), {{"event", key.first}, {"result", key.second}});
    }
    out.counter("firstmile_reloads_total", "Configuration reloads.",
                static_cast<double>(reloads_ok_), {{"result", "ok"}});
    out.counter("firstmile_reloads_total", "Configuration reloads.",
                static_cast<double>(reloads_failed_), {{"result", "failed"}});
  }
  for (const auto& [event, snap] : webhook_seconds_.snapshot()) {
    out.histogram("firstmile_webhook_duration_seconds", "Webhook request latency.", snap,
                  {{"event", event}});
  }
  const auto& c = hooks_->counters();
  const char* help = "Webhook notifications delivered, retried and dropped.";
  out.counter("firstmile_webhook_notifications_total", help, static_cast<double>(c.delivered),
              {{"result", "delivered"}});
  out.counter("firstmile_webhook_notifications_total", help, static_cast<double>(c.retried),
              {{"result", "retried"}});
  out.counter("firstmile_webhook_notifications_total", help, static_cast<double>(c.dropped),
              {{"result", "dropped"}});
  const char* conn_help =
      "Webhook requests by connection: on one opened for it, or on a kept-alive one.";
  out.counter("firstmile_webhook_connections_total", conn_help,
              static_cast<double>(c.connections_opened), {{"connection", "opened"}});
  out.counter("firstmile_webhook_connections_total", conn_help,
              static_cast<double>(c.connections_reused), {{"connection", "reused"}});
  out.gauge("firstmile_webhook_queue", "Webhook notifications waiting or in flight.",
            static_cast<double>(hooks_->queued()));
}

}  // namespace firstmile::control
