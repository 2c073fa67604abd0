#include "protocol/rtmp/session.hpp"

#include <array>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/awaitable.hpp"
#include "core/stream_name.hpp"
#include "protocol/rtmp/rtmp_config.hpp"
#include "protocol/rtmp/rtmp_packager.hpp"
#include "protocol/rtmp/wire/handshake.hpp"

namespace firstmile::rtmp {

using namespace boost::asio::experimental::awaitable_operators;
using format::amf0::Value;
namespace amf0 = format::amf0;

namespace {
constexpr size_t kIdleReadBuffer = 4 * 1024;
// What a playing session reads at once, into its worker thread's buffer.
constexpr size_t kPlayerReadBuffer = 4 * 1024;
// Before publish or play a peer sends commands, a few hundred bytes each: it may not make the
// server hold megabytes for them (rtmp.max_message_size applies once it publishes).
constexpr uint32_t kCommandPhaseMaxMessage = 64 << 10;
constexpr size_t kCommandPhaseMaxPending = 256 << 10;

ChunkReaderLimits publisher_limits(const RtmpConfig& cfg) {
  return ChunkReaderLimits{.max_chunk_size = cfg.max_incoming_chunk_size,
                           .max_message_size = cfg.max_message_size};
}

ChunkReaderLimits command_phase_limits(const RtmpConfig& cfg) {
  auto limits = publisher_limits(cfg);
  limits.max_message_size = std::min(limits.max_message_size, kCommandPhaseMaxMessage);
  limits.max_pending_bytes = std::min(limits.max_pending_bytes, kCommandPhaseMaxPending);
  return limits;
}

}  // namespace

void Session::lift_message_limits() {
  reader_.set_limits(publisher_limits(ctx_.config.get<RtmpConfig>()));
}

Session::Session(ServerContext& ctx, asio::ip::tcp::socket socket, ConnectionLimiter::Slot slot)
    : ctx_(ctx),
      socket_(std::move(socket)),
      slot_(std::move(slot)),
      peer_(peer_string(socket_)),
      reader_(command_phase_limits(ctx.config.get<RtmpConfig>())) {
  read_buffer_.resize(kIdleReadBuffer);
  last_activity_ = std::chrono::steady_clock::now();
}

Session::~Session() = default;

std::string Session::label() const {
  if (stream_name_.empty()) return app_.empty() ? std::string("-") : app_;
  // The name may be the secret stream key, unless the control plane renamed it.
  return app_ + "/" + (renamed_ ? stream_name_ : redact(stream_name_));
}

asio::awaitable<void> Session::start() {
  auto self = shared_from_this();
  auto run = [this]() -> asio::awaitable<void> {
    auto st = co_await handshake();
    if (!st) {
      end_reason_ = st.error().message;
      co_return;
    }
    co_await serve();
  };
  co_await (run() || watchdog());
  if (attach_) {
    auto attach = std::move(*attach_);
    attach_.reset();
    const auto& ex = attach.stream->executor();
    if (ex != socket_.get_executor()) {
      auto moved = move_socket(socket_, ex);
      if (!moved) {
        ctx_.log->warn("rtmp session peer={} error=\"{}\"", peer_, moved.error().message);
        co_return;
      }
      socket_ = std::move(*moved);
    }
    // This coroutine ends here even when the stream lives on this worker, and with it the
    // frames of the handshake and command phase (a co_await of the next step would keep them
    // for the whole connection: about 1 KB per player).
    if (attach.publish) {
      asio::co_spawn(ex, continue_on_stream(self, std::move(attach)),
                     LogExceptions{ctx_.log, "rtmp session"});
    } else {
      asio::post(ex, [self, attach = std::move(attach)] {
        try {
          self->start_playing(self, attach);
        } catch (const std::exception& e) {
          self->ctx_.log->error("rtmp player peer={} error=\"{}\"", self->peer_, e.what());
          self->end_on_stream();
        }
      });
    }
    co_return;
  }
  ctx_.log->debug("rtmp close peer={} reason=\"{}\"", peer_,
                  end_reason_.empty() ? "closed" : end_reason_);
}

asio::awaitable<void> Session::continue_on_stream(std::shared_ptr<Session> self, Attach attach) {
  auto st = complete_publish(attach);
  if (auto flushed = co_await flush(); st && !flushed) st = flushed;
  if (st) {
    co_await (serve() || watchdog());
  } else if (end_reason_.empty()) {
    end_reason_ = st.error().message;
  }
  end_on_stream();
}

void Session::start_playing(const std::shared_ptr<Session>& self, const Attach& attach) {
  if (auto st = complete_play(attach); !st) {
    if (end_reason_.empty()) end_reason_ = st.error().message;
    end_on_stream();
    return;
  }
  push_control();
  // Both directions are non-blocking from here: the viewer's direct sends and the reads above.
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);
  asio::co_spawn(socket_.get_executor(), write_media(self, viewer_),
                 LogExceptions{ctx_.log, "rtmp writer"});
  read_as_player(self);
}

void Session::read_as_player(std::shared_ptr<Session> self) {
  // A readiness wait and a plain completion handler, not a coroutine and not a pending read:
  // a player only sends acknowledgements and the odd command, and neither an idle chain of
  // coroutine frames nor a read buffer per player is worth keeping for that. The bytes are read
  // into the worker thread's buffer and parsed before the handler returns.
  auto& socket = socket_;
  socket.async_wait(asio::socket_base::wait_read, [self = std::move(self)](
                                                      const boost::system::error_code& ec) mutable {
    Session& s = *self;
    Status st;
    if (ec) {
      st = fail("read: ", ec.message());
    } else {
      thread_local std::array<uint8_t, kPlayerReadBuffer> buffer;
      boost::system::error_code rec;
      size_t n = s.socket_.read_some(asio::buffer(buffer), rec);
      if (rec == asio::error::would_block || rec == asio::error::try_again) {
        st = Status{};  // a spurious wake-up: wait again
      } else if (rec == asio::error::eof) {
        st = fail("closed by client");
      } else if (rec) {
        st = fail("read: ", rec.message());
      } else {
        try {
          st = s.on_player_bytes(ByteSpan(buffer.data(), n));
        } catch (const std::exception& e) {
          st = fail("internal error: ", e.what());
          s.ctx_.log->error("rtmp player peer={} error=\"{}\"", s.peer_, e.what());
        }
      }
    }
    if (st) {
      s.read_as_player(std::move(self));
      return;
    }
    if (s.end_reason_.empty()) s.end_reason_ = st.error().message;
    // The writer ended first (slow viewer, write error) and cancelled the wait: its reason.
    if (s.viewer_->closed() && !s.viewer_->close_reason().empty())
      s.end_reason_ = s.viewer_->close_reason();
    s.viewer_->close("");  // ends the writer (if it has not ended the session)
    s.end_on_stream();
  });
}

Status Session::on_player_bytes(ByteSpan bytes) {
  // (play and publish are refused while playing: nothing here waits for the control plane.)
  auto st = take_bytes(bytes);
  while (st && !pending_.empty()) {
    Message m = std::move(pending_.front());
    pending_.pop_front();
    st = handle(m);
  }
  push_control();
  return st;
}

void Session::end_on_stream() {
  if (wait_timer_) wait_timer_->cancel();
  stop_media(end_reason_.empty() ? "closed by client" : end_reason_);
  boost::system::error_code ignored;
  socket_.close(ignored);
}

asio::awaitable<void> Session::write_media(std::shared_ptr<Session> self,
                                           std::shared_ptr<output::Viewer> viewer) {
  co_await viewer->write_loop(socket_);
  if (!viewer->closed()) viewer->close("");  // finished: nothing more will be written
  boost::system::error_code ignored;
  socket_.cancel(ignored);  // serve() returns (a no-op when it already has)
}

asio::awaitable<void> Session::watchdog() {
  asio::steady_timer timer(socket_.get_executor());
  const auto& cfg = ctx_.config.get<RtmpConfig>();
  for (;;) {
    // Sleep until the deadline of the current state (it moves while media flows), so an idle
    // connection costs one timer wake-up per timeout period, not a steady tick.
    auto deadline = mode_ == Mode::Idle ? started_ + cfg.handshake_timeout
                    : mode_ == Mode::Publishing
                        ? last_activity_ + cfg.publish_idle_timeout
                        : std::chrono::steady_clock::now() + std::chrono::hours(1);
    timer.expires_at(deadline + std::chrono::milliseconds(1));
    auto [ec] = co_await timer.async_wait(kAwaitable);
    if (ec) co_return;
    auto now = std::chrono::steady_clock::now();
    if (mode_ == Mode::Idle && now - started_ > cfg.handshake_timeout) {
      end_reason_ =
          "no publish or play within " + std::to_string(cfg.handshake_timeout.count()) + " ms";
      ctx_.log->info("rtmp timeout peer={} reason=\"{}\"", peer_, end_reason_);
      co_return;
    }
    if (mode_ == Mode::Publishing && now - last_activity_ > cfg.publish_idle_timeout) {
      end_reason_ =
          "publisher sent no media for " + std::to_string(cfg.publish_idle_timeout.count()) + " ms";
      ctx_.log->warn("rtmp timeout stream={} peer={} reason=\"{}\"", label(), peer_, end_reason_);
      co_return;
    }
  }
}

asio::awaitable<Status> Session::handshake() {
  Bytes c0c1(1 + kHandshakeSize);
  auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(c0c1), kAwaitable);
  if (ec) co_return fail("handshake: ", ec.message());
  auto s0s1s2 = server_handshake_response(c0c1);
  if (!s0s1s2) {
    ctx_.log->info("rtmp handshake refused peer={} reason=\"{}\"", peer_, s0s1s2.error().message);
    co_return wrap("handshake", s0s1s2.error());
  }
  auto [wec, wn] = co_await asio::async_write(socket_, asio::buffer(*s0s1s2), kAwaitable);
  if (wec) co_return fail("handshake: ", wec.message());
  Bytes c2(kHandshakeSize);
  auto [rec, rn] = co_await asio::async_read(socket_, asio::buffer(c2), kAwaitable);
  if (rec) co_return fail("handshake: ", rec.message());
  co_return Status{};
}

asio::awaitable<void> Session::serve() {
  for (;;) {
    while (!pending_.empty()) {
      Message m = std::move(pending_.front());
      pending_.pop_front();
      auto st = handle(m);
      if (st && auth_request_) {
        auto deciding = authorize();  // a named local (GCC 12 and temporaries in co_await)
        st = co_await std::move(deciding);
      }
      if (!st) {
        if (end_reason_.empty()) end_reason_ = st.error().message;
        co_await flush();
        co_return;
      }
      if (attach_) {
        co_await flush();
        co_return;  // finish publish/play on the stream's worker
      }
    }
    if (auto st = co_await flush(); !st) {
      end_reason_ = st.error().message;
      co_return;
    }
    if (auto st = co_await read_messages(); !st) {
      if (end_reason_.empty()) end_reason_ = st.error().message;
      co_return;
    }
  }
}

asio::awaitable<Status> Session::read_messages() {
  auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), kAwaitable);
  if (ec) {
    if (ec == asio::error::eof) co_return fail("closed by client");
    co_return fail("read: ", ec.message());
  }
  co_return take_bytes(ByteSpan(read_buffer_.data(), n));
}

Status Session::take_bytes(ByteSpan bytes) {
  std::vector<Message> messages;
  auto fed = reader_.feed(bytes, messages);
  for (auto& m : messages)
    pending_.push_back(std::move(m));
  if (!fed) {
    ctx_.log->warn("rtmp protocol error stream={} peer={} error=\"{}\"", label(), peer_,
                   fed.error().message);
    return wrap("chunk stream", fed.error());
  }
  // Spec 5.4.3: acknowledge every window's worth of bytes the peer asked for.
  if (peer_window_ > 0 && reader_.bytes_received() - last_ack_ >= peer_window_) {
    last_ack_ = reader_.bytes_received();
    send(msg_type::kAcknowledgement, kControlCsid, 0,
         encode_acknowledgement(static_cast<uint32_t>(reader_.bytes_received())));
  }
  return Status{};
}

Status Session::handle(const Message& m) {
  switch (m.type) {
    case msg_type::kSetChunkSize:
      ctx_.log->debug("rtmp peer={} chunk_size={}", peer_, reader_.chunk_size());
      return Status{};
    case msg_type::kAbort:
    case msg_type::kAcknowledgement:
    case msg_type::kSetPeerBandwidth:
      return Status{};
    case msg_type::kWindowAckSize: {
      auto w = parse_window_ack_size(m.payload.span());
      if (w) peer_window_ = *w;
      return Status{};
    }
    case msg_type::kUserControl: {
      auto uc = parse_user_control(m.payload.span());
      if (uc && uc->event == UserControlEvent::kPingRequest) {
        send(msg_type::kUserControl, kControlCsid, 0,
             encode_user_control(UserControlEvent::kPingResponse, uc->value));
      }
      return Status{};
    }
    case msg_type::kCommandAmf0:
      return on_command(m, m.payload.span());
    case msg_type::kCommandAmf3:
      return on_command(m, amf0_body(m.payload.span()));
    case msg_type::kDataAmf0:
      return on_data(m, m.payload.span());
    case msg_type::kDataAmf3:
      return on_data(m, amf0_body(m.payload.span()));
    case msg_type::kAudio:
    case msg_type::kVideo:
    case msg_type::kAggregate:
      return on_media(m);
    default:
      ctx_.log->debug("rtmp ignored message peer={} type={} size={}", peer_, m.type,
                      m.payload.size());
      return Status{};
  }
}

Status Session::on_command(const Message& m, ByteSpan body) {
  auto cmd = parse_command(body);
  if (!cmd) {
    ctx_.log->warn("rtmp bad command peer={} error=\"{}\"", peer_, cmd.error().message);
    return cmd.error();
  }
  const std::string& name = cmd->name;
  double txn = cmd->transaction;
  ctx_.log->debug("rtmp command peer={} name={} txn={}", peer_, name, txn);

  if (name == "connect") return on_connect(txn, parse_connect(cmd->command_object()));
  if (!connected_) return fail("command '", name, "' before connect");
  const auto& args = cmd->args;
  if (name == "createStream") {
    send_command(0, {"_result", txn, nullptr, static_cast<double>(kPlayStreamId)});
  } else if (name == "publish") {
    return on_publish(txn, args);
  } else if (name == "play") {
    return on_play(txn, args);
  } else if (name == "FCUnpublish" || name == "deleteStream" || name == "closeStream") {
    if (mode_ == Mode::Publishing) {
      stop_media("unpublished by client");
    } else if (mode_ == Mode::Playing) {
      end_reason_ = "play stopped by client";
      return fail(end_reason_);
    }
    if (name == "FCUnpublish" && txn != 0)
      send_command(0, {"_result", txn, nullptr, Value::undefined()});
  } else if (name == "getStreamLength") {
    // A live stream has no length; FFmpeg wants a number here.
    if (txn != 0) send_command(0, {"_result", txn, nullptr, 0.0});
  } else if (name == "releaseStream" || name == "FCPublish" || name == "_checkbw" ||
             name == "FCSubscribe") {
    if (txn != 0) send_command(0, {"_result", txn, nullptr, Value::undefined()});
  }
  return Status{};
}

Status Session::on_connect(double txn, ConnectRequest request) {
  if (connected_) return fail("second connect");
  app_ = std::move(request.app);
  query_ = std::move(request.query);
  tc_url_ = std::move(request.tc_url);
  if (!valid_name(app_, ctx_.config.stream.max_name_length)) {
    send_command(0, {"_error", txn, nullptr,
                     Value::object({{"level", "error"},
                                    {"code", "NetConnection.Connect.Rejected"},
                                    {"description", "invalid application name"}})});
    ctx_.log->info("rtmp connect refused peer={} reason=\"invalid application name\"", peer_);
    return fail("invalid application name");
  }
  connected_ = true;
  const auto& cfg = ctx_.config.get<RtmpConfig>();
  send(msg_type::kWindowAckSize, kControlCsid, 0, encode_window_ack_size(cfg.ack_window));
  send(msg_type::kSetPeerBandwidth, kControlCsid, 0,
       encode_set_peer_bandwidth(cfg.ack_window, PeerBandwidthLimit::kDynamic));
  send(msg_type::kSetChunkSize, kControlCsid, 0, encode_set_chunk_size(cfg.chunk_size));
  send_command(
      0, {"_result", txn, Value::object({{"fmsVer", "FMS/3,0,1,123"}, {"capabilities", 31.0}}),
          Value::object({{"level", "status"},
                         {"code", "NetConnection.Connect.Success"},
                         {"description", "Connection succeeded."},
                         {"objectEncoding", request.object_encoding}})});
  ctx_.log->debug("rtmp connect peer={} app={}", peer_, app_);
  return Status{};
}

void Session::send(uint8_t type, uint32_t csid, uint32_t stream_id, Bytes payload) {
  Message m;
  m.type = type;
  m.csid = csid;
  m.stream_id = stream_id;
  m.timestamp = 0;
  m.payload = Buffer::adopt(std::move(payload));
  writer_.write(out_, m);
}

void Session::send_command(uint32_t stream_id, std::initializer_list<Value> values) {
  send(msg_type::kCommandAmf0, kCommandCsid, stream_id,
       amf0::encode_all(std::span<const Value>(values.begin(), values.size())));
}

void Session::send_status(const std::string& level, const std::string& code,
                          const std::string& description) {
  send_command(kPlayStreamId,
               {"onStatus", 0.0, nullptr,
                Value::object({{"level", level}, {"code", code}, {"description", description}})});
}

asio::awaitable<Status> Session::flush() {
  if (out_.empty()) co_return Status{};
  if (mode_ == Mode::Playing && viewer_) {
    push_control();
    co_return Status{};
  }
  Bytes data = std::move(out_);
  out_.clear();
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(data), kAwaitable);
  if (ec) co_return fail("write: ", ec.message());
  co_return Status{};
}

void Session::push_control() {
  if (out_.empty() || !viewer_) return;
  output::Packet p;
  p.data = Buffer::adopt(std::move(out_));
  p.config = true;
  out_.clear();
  viewer_->push(p);
  viewer_->flush();  // control messages are not held for the fan-out's flush tick
}

void Session::wait_for_publisher() {
  // A player is mostly a viewer with no timer of its own; only one waiting on a name nobody has
  // claimed to publish gets this one (on the stream's executor, where the player now runs).
  wait_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
  wait_timer_->expires_after(ctx_.config.stream.play_wait_timeout);
  wait_timer_->async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->mode_ != Mode::Playing || !self->viewer_ || self->viewer_->closed() ||
        self->stream_->claimed()) {
      return;
    }
    // Told after what is queued; the session ends once its writer has sent it.
    self->end_reason_ = "nobody published " + self->label() + " within " +
                        std::to_string(self->ctx_.config.stream.play_wait_timeout.count()) + " ms";
    self->ctx_.log->info("rtmp play not found stream={} peer={} reason=\"{}\"", self->label(),
                         self->peer_, self->end_reason_);
    self->send_status("error", "NetStream.Play.StreamNotFound", self->end_reason_);
    self->push_control();
    self->viewer_->finish();
  });
}

void Session::refuse(const std::string& code, const std::string& reason) {
  send_status("error", code, reason);
  end_reason_ = reason;
  ctx_.log->warn("rtmp refused stream={} peer={} code={} reason=\"{}\"", label(), peer_, code,
                 reason);
}

}  // namespace firstmile::rtmp
