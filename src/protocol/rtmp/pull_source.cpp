#include "protocol/rtmp/pull_source.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/awaitable.hpp"
#include "core/log.hpp"
#include "core/net.hpp"
#include "protocol/publish/publication.hpp"
#include "protocol/pull/connect.hpp"
#include "protocol/pull/source_url.hpp"
#include "protocol/rtmp/client_connection.hpp"
#include "protocol/rtmp/media_feed.hpp"

namespace firstmile::rtmp {

namespace asio = boost::asio;
namespace amf0 = format::amf0;
using amf0::Value;
using namespace boost::asio::experimental::awaitable_operators;

namespace {
// Connecting, the handshake and each command's answer.
constexpr auto kSetupTimeout = std::chrono::seconds(10);
constexpr size_t kReadBuffer = 64 * 1024;
// Media that came with the answers, before the publication exists.
constexpr size_t kMaxEarlyMessages = 1024;

// rtmp://host[:port]/app[/instance]/stream[?query] as an RTMP client asks for it.
struct Target {
  pull::SourceUrl url;
  std::string app;     // "live" or "live/instance"
  std::string play;    // the stream name, with "?query" when there is one
  std::string tc_url;  // rtmp://host:port/app
};

Result<Target> target_of(const std::string& text) {
  auto url = pull::parse_source_url(text, 1935);
  if (!url) return url.error();
  if (url->scheme != "rtmp") return fail("not an rtmp:// URL");
  const auto last = url->path.rfind('/');
  if (url->path.size() < 4 || last == 0 || last == std::string::npos ||
      last + 1 >= url->path.size())
    return fail("an rtmp:// URL needs an app and a stream: rtmp://host/app/stream");
  Target t;
  t.app = url->path.substr(1, last - 1);
  t.play = url->path.substr(last + 1);
  if (!url->query.empty()) t.play += "?" + url->query;
  t.tc_url = "rtmp://" + url->authority() + "/" + t.app;
  t.url = std::move(*url);
  return t;
}

std::string safe_url_of(const std::string& text) {
  auto url = pull::parse_source_url(text, 1935);
  return url ? url->safe() : "(bad URL)";
}
}  // namespace

// One connection to the origin: the commands on the supervisor's worker, then the media on
// the stream's executor.
class PullSource::Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(PullSource& owner, Target target, asio::any_io_executor executor)
      : owner_(owner), ctx_(owner.ctx_), target_(std::move(target)), conn_(executor) {}

  asio::awaitable<Status> run() {
    auto self = shared_from_this();
    asio::steady_timer timer(conn_.socket().get_executor());
    timer.expires_after(kSetupTimeout * 3);
    auto setting_up = co_await (setup() || timer.async_wait(kAwaitable));
    if (setting_up.index() == 1) {
      close();
      co_return fail("the origin did not start the stream within 30 s");
    }
    if (auto st = std::get<0>(setting_up); !st) {
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
    if (stream_executor == conn_.socket().get_executor()) co_return co_await on_stream(self);
    auto moved = move_socket(conn_.socket(), stream_executor);
    if (!moved) co_return fail(moved.error().message);
    conn_.socket() = std::move(*moved);
    // Cancelling this attempt (the supervisor's stop) reaches the coroutine on the stream's
    // executor: co_spawn dispatches the cancellation there.
    co_return co_await asio::co_spawn(stream_executor, on_stream(self), asio::use_awaitable);
  }

  bool went_idle() const { return idle_; }

 private:
  // connect, handshake, connect command, createStream, play, NetStream.Play.Start.
  asio::awaitable<Status> setup() {
    auto connecting =
        pull::connect_tcp(conn_.socket(), target_.url.host, target_.url.port, kSetupTimeout);
    auto endpoint = co_await std::move(connecting);
    if (!endpoint) co_return endpoint.error();
    auto shaking = conn_.handshake();
    if (auto st = co_await std::move(shaking); !st) co_return st;
    conn_.command(kClientCommandCsid, 0,
                  {"connect", 1,
                   Value::object({{"app", target_.app},
                                  {"flashVer", "LNX 9,0,124,2"},
                                  {"tcUrl", target_.tc_url},
                                  {"fpad", false},
                                  {"capabilities", 15.0},
                                  {"audioCodecs", 4071.0},
                                  {"videoCodecs", 252.0},
                                  {"videoFunction", 1.0}})});
    auto connected_task = conn_.wait_command(1, &early_, kMaxEarlyMessages);
    auto connected = co_await std::move(connected_task);
    if (!connected) co_return connected.error();
    if ((*connected)[0].as_string() != "_result")
      co_return fail("connect refused by the origin: ", status_code(*connected));
    conn_.queue(msg_type::kWindowAckSize, kControlCsid, 0, 0, encode_window_ack_size(2500000));
    conn_.command(kClientCommandCsid, 0, {"createStream", 2, nullptr});
    auto created_task = conn_.wait_command(2, &early_, kMaxEarlyMessages);
    auto created = co_await std::move(created_task);
    if (!created) co_return created.error();
    if ((*created)[0].as_string() != "_result" || created->size() < 4)
      co_return fail("createStream refused by the origin");
    stream_id_ = static_cast<uint32_t>((*created)[3].as_number());
    // -1000: live only (FFmpeg's default for live streams).
    conn_.command(kClientStreamCsid, stream_id_, {"play", 0, nullptr, target_.play, -1000});
    conn_.queue(msg_type::kUserControl, kControlCsid, 0, 0,
                encode_set_buffer_length(stream_id_, 3000));
    for (;;) {
      // Answers read with another one (Reset and Start often come in one read) are in early_.
      std::string code;
      if (auto kept = take_status()) {
        code = std::move(*kept);
      } else {
        auto status_task = conn_.wait_command(-1, &early_, kMaxEarlyMessages);
        auto status = co_await std::move(status_task);
        if (!status) co_return status.error();
        code = status_code(*status);
      }
      if (code == "NetStream.Play.Start") co_return Status{};
      if (code == "NetStream.Play.Reset") continue;
      co_return fail("the origin refused to play: ", code.empty() ? "no status code" : code);
    }
  }

  // The code of the first onStatus among the messages kept so far, taken out of them.
  std::optional<std::string> take_status() {
    for (auto it = early_.begin(); it != early_.end(); ++it) {
      if (it->type != msg_type::kCommandAmf0) continue;
      auto v = amf0::decode_all(it->payload.span());
      if (!v || v->empty() || (*v)[0].as_string() != "onStatus") continue;
      early_.erase(it);
      return status_code(*v);
    }
    return std::nullopt;
  }

  asio::awaitable<Status> on_stream(std::shared_ptr<Attempt> self) {
    co_await asio::this_coro::throw_if_cancelled(false);
    media::PublisherInfo info;
    info.protocol = "rtmp";
    info.peer = target_.url.authority();
    info.kick = [weak = weak_from_this()](const std::string& reason) {
      if (auto self = weak.lock()) {
        self->end_reason_ = reason;
        self->close();
      }
    };
    auto publication = publish::Publication::attach(stream_, std::move(info));
    if (!publication) {
      close();
      co_return publication.error();
    }
    media_ = std::make_unique<MediaFeed>(std::move(*publication));
    const std::string label = owner_.label();
    media_->on_tracks = [this, label](const media::Tracks& t) {
      ctx_.log->info("rtmp pull tracks source={} video={} audio={}", label,
                     t.video ? t.video->codec_string : "-", t.audio ? t.audio->codec_string : "-");
    };
    media_->on_error = [this, label](const Error& e) {
      if (++media_errors_ <= 5)
        ctx_.log->warn("rtmp pull bad media source={} error=\"{}\"", label, e.message);
    };
    ctx_.log->info("rtmp pull start source={}", label);
    owner_.set_state("live", "", "tcp");
    last_media_ = std::chrono::steady_clock::now();
    for (auto& m : early_) {
      if (!handle(m)) break;
    }
    early_.clear();
    if (end_reason_.empty()) co_await (read_media() || watchdog());
    auto cs = co_await asio::this_coro::cancellation_state;
    const bool stopped = cs.cancelled() != asio::cancellation_type::none;
    if (stopped) end_reason_ = "stopped";
    const std::string reason = end_reason_.empty() ? "closed" : end_reason_;
    media_->publication().end(reason);
    const auto& st = media_->stats();
    ctx_.log->info("rtmp pull stop source={} frames={} errors={} bytes={} reason=\"{}\"", label,
                   st.frames, st.errors, conn_.bytes_received(), reason);
    close();
    if (stopped || idle_) co_return Status{};
    co_return fail(reason);
  }

  // One message from the origin; false when the attempt ends.
  bool handle(const Message& m) {
    switch (m.type) {
      case msg_type::kAudio:
      case msg_type::kVideo:
      case msg_type::kAggregate:
        last_media_ = std::chrono::steady_clock::now();
        if (auto st = media_->feed(m); !st) {
          end_reason_ = "malformed data from the origin: " + st.error().message;
          return false;
        }
        return true;
      case msg_type::kCommandAmf0: {
        auto v = amf0::decode_all(m.payload.span());
        if (!v || v->empty() || (*v)[0].as_string() != "onStatus") return true;
        const std::string code = status_code(*v);
        if (code == "NetStream.Play.UnpublishNotify" || code == "NetStream.Play.Stop" ||
            code == "NetStream.Play.Complete" || code == "NetStream.Play.Failed" ||
            code == "NetStream.Play.StreamNotFound") {
          end_reason_ = "the origin said " + code;
          return false;
        }
        return true;
      }
      default:
        return true;  // control is answered by the connection; metadata is advisory
    }
  }

  asio::awaitable<void> read_media() {
    Bytes buffer(kReadBuffer);
    std::vector<Message> messages;
    for (;;) {
      auto [ec, n] = co_await conn_.socket().async_read_some(asio::buffer(buffer), kAwaitable);
      if (ec) {
        if (end_reason_.empty())
          end_reason_ = ec == asio::error::eof ? "closed by the origin" : ec.message();
        co_return;
      }
      messages.clear();
      if (auto st = conn_.feed(ByteSpan(buffer.data(), n), messages); !st) {
        end_reason_ = "malformed data from the origin: " + st.error().message;
        co_return;
      }
      for (const auto& m : messages) {
        if (!handle(m)) co_return;
      }
      // Acknowledgements and ping responses.
      if (conn_.has_output()) {
        auto flushing = conn_.flush();
        if (auto st = co_await std::move(flushing); !st) {
          if (end_reason_.empty()) end_reason_ = st.error().message;
          co_return;
        }
      }
    }
  }

  asio::awaitable<void> watchdog() {
    asio::steady_timer timer(conn_.socket().get_executor());
    auto last_viewer_check = std::chrono::steady_clock::now();
    for (;;) {
      timer.expires_after(std::chrono::milliseconds(250));
      auto [ec] = co_await timer.async_wait(kAwaitable);
      if (ec) co_return;
      if (auto end = owner_.should_end(last_media_, *stream_, last_viewer_check, idle_)) {
        end_reason_ = std::move(*end);
        co_return;
      }
    }
  }

  void close() {
    boost::system::error_code ignored;
    conn_.socket().close(ignored);
  }

  PullSource& owner_;
  ServerContext& ctx_;
  Target target_;
  ClientConnection conn_;
  uint32_t stream_id_ = 0;
  std::vector<Message> early_;  // media that came before NetStream.Play.Start was read
  std::shared_ptr<media::Stream> stream_;
  std::unique_ptr<MediaFeed> media_;
  std::chrono::steady_clock::time_point last_media_ = std::chrono::steady_clock::now();
  uint64_t media_errors_ = 0;
  std::string end_reason_;
  bool idle_ = false;
};

PullSource::PullSource(ServerContext& ctx, pull::SourceOptions options)
    : SourceBase(options, safe_url_of(options.url)), ctx_(ctx) {}

PullSource::~PullSource() = default;

asio::awaitable<Status> PullSource::run_once() {
  if (!begin_attempt()) co_return Status{};
  auto target = target_of(options().url);
  if (!target) {
    end_attempt(target.error(), false);
    co_return target.error();
  }
  auto executor = co_await asio::this_coro::executor;
  auto attempt = std::make_shared<Attempt>(*this, std::move(*target), executor);
  auto task = attempt->run();
  Status st = co_await std::move(task);
  end_attempt(st, attempt->went_idle());
  co_return st;
}

}  // namespace firstmile::rtmp
