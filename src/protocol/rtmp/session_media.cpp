// The media half of an RTMP session: publish (ingest into the hub) and play (a viewer of the
// stream's RTMP fan-out).
#include "core/stream_name.hpp"
#include "output/fanout_config.hpp"
#include "protocol/publish/admit.hpp"
#include "protocol/rtmp/rtmp_config.hpp"
#include "protocol/rtmp/rtmp_packager.hpp"
#include "protocol/rtmp/session.hpp"

namespace firstmile::rtmp {

using format::amf0::Value;
namespace amf0 = format::amf0;

namespace {
constexpr size_t kPublishReadBuffer = 64 * 1024;
// Log the first few malformed media messages of a session, then only count them.
constexpr uint64_t kMaxMediaErrorLogs = 5;
}  // namespace

Status Session::on_publish(double txn, const std::vector<Value>& args) {
  if (mode_ != Mode::Idle)
    return fail("publish while already ", mode_ == Mode::Publishing ? "publishing" : "playing");
  auto [name, query] = parse_stream_request(args);
  stream_name_ = name;
  if (!query.empty()) query_ = query;
  if (!valid_name(name, ctx_.config.stream.max_name_length)) {
    refuse("NetStream.Publish.BadName", "invalid stream name");
    return fail("invalid stream name");
  }
  auth_request_ = std::make_unique<control::AccessRequest>(
      control::AccessRequest{"rtmp", app_, name, query_, peer_});
  auth_publish_ = true;
  // Encoders may send their first keyframe before the answer: from here on media sizes apply.
  lift_message_limits();
  auth_txn_ = txn;
  return Status{};
}

asio::awaitable<Status> Session::authorize() {
  auto request = std::move(*auth_request_);
  auth_request_.reset();
  bool publish = auth_publish_;
  if (publish) {
    // The one publish path (protocol/publish): admission, then the stream; the hop to the
    // stream's worker and the attach follow in start() and complete_publish().
    auto task = publish::admit(ctx_, std::move(request));
    auto admitted = co_await std::move(task);
    if (!admitted.admitted()) {
      refuse(admitted.outcome == publish::AdmitResult::Outcome::Refused
                 ? "NetStream.Publish.Unauthorized"
                 : "NetStream.Publish.BadName",
             admitted.reason);
      co_return fail(admitted.reason);
    }
    if (admitted.renamed(stream_name_)) {
      ctx_.log->info("rtmp publish renamed peer={} app={} key={} stream={}", peer_, app_,
                     redact(stream_name_), admitted.name);
      stream_name_ = admitted.name;
      renamed_ = true;
    }
    attach_ = Attach{true, std::move(admitted.stream), auth_txn_};
    co_return Status{};
  }
  // The task is a named local: GCC 12 mishandles temporaries inside co_await expressions.
  auto task = ctx_.admission.authorize_play(std::move(request));
  auto decision = co_await std::move(task);
  if (!decision.allowed) {
    refuse("NetStream.Play.Failed", decision.reason);
    co_return fail(decision.reason);
  }
  // Like nginx-rtmp, a player may arrive before the publisher: it waits on the stream, within
  // stream.max_waiting and stream.play_wait_timeout.
  auto stream =
      ctx_.streams.acquire(app_, stream_name_, socket_.get_executor(), media::Claim::Play);
  if (!stream) {
    refuse("NetStream.Play.StreamNotFound", stream.error().message);
    co_return stream.error();
  }
  attach_ = Attach{false, std::move(*stream), auth_txn_};
  co_return Status{};
}

Status Session::complete_publish(const Attach& a) {
  media::PublisherInfo info;
  info.protocol = "rtmp";
  info.peer = peer_;
  info.query = query_;
  info.kick = [weak = weak_from_this()](const std::string& reason) {
    if (auto self = weak.lock()) {
      self->end_reason_ = reason;
      self->mode_ = Mode::Idle;  // the stream has already let go of us
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    }
  };
  auto publication = publish::Publication::attach(a.stream, std::move(info));
  stream_ = a.stream;
  if (!publication) {
    refuse("NetStream.Publish.BadName", publication.error().message);
    return publication.error();
  }
  media_ = std::make_unique<MediaFeed>(std::move(*publication));
  media_->on_tracks = [this](const media::Tracks& t) {
    if (t.video) {
      ctx_.log->info("rtmp tracks stream={} video={} {}x{} profile=\"{}\" level={} fps={}", label(),
                     t.video->codec_string, t.video->width, t.video->height, t.video->profile,
                     t.video->level, t.video->frame_rate);
    }
    if (t.audio) {
      ctx_.log->info("rtmp tracks stream={} audio={} rate={} channels={}", label(),
                     t.audio->codec_string, t.audio->sample_rate, t.audio->channels);
    }
  };
  media_->on_error = [this](const Error& e) {
    if (++media_errors_ <= kMaxMediaErrorLogs) {
      ctx_.log->warn("rtmp bad media stream={} peer={} error=\"{}\"", label(), peer_, e.message);
    }
  };
  mode_ = Mode::Publishing;
  last_activity_ = std::chrono::steady_clock::now();
  read_buffer_.resize(kPublishReadBuffer);
  send(msg_type::kUserControl, kControlCsid, 0,
       encode_user_control(UserControlEvent::kStreamBegin, kPlayStreamId));
  send_status("status", "NetStream.Publish.Start", stream_name_ + " is now published.");
  ctx_.log->info("rtmp publish start stream={} peer={}", label(), peer_);
  return Status{};
}

Status Session::on_play(double txn, const std::vector<Value>& args) {
  if (mode_ != Mode::Idle)
    return fail("play while already ", mode_ == Mode::Publishing ? "publishing" : "playing");
  auto [name, query] = parse_stream_request(args);
  stream_name_ = name;
  if (!query.empty()) query_ = query;
  if (!valid_name(name, ctx_.config.stream.max_name_length)) {
    refuse("NetStream.Play.StreamNotFound", "invalid stream name");
    return fail("invalid stream name");
  }
  if (!slot_.become_viewer()) {
    // Viewers may not take the slots kept for publishers.
    refuse("NetStream.Play.Failed", "server busy (viewers' share of connections is full)");
    return fail("viewers' share full (limits.reserved_for_publishers)");
  }
  auth_request_ = std::make_unique<control::AccessRequest>(
      control::AccessRequest{"rtmp", app_, name, query_, peer_});
  auth_publish_ = false;
  auth_txn_ = txn;
  return Status{};
}

Status Session::complete_play(const Attach& a) {
  stream_ = a.stream;
  mode_ = Mode::Playing;
  // A player reads into its worker thread's buffer from now on (read_as_player); the chunk
  // reader carries partial messages across reads.
  Bytes().swap(read_buffer_);
  viewer_ =
      std::make_shared<output::Viewer>(socket_.get_executor(), ctx_.config.get<FanoutConfig>());
  viewer_->on_close = [this](const std::string& reason) {
    slow_ = true;
    ctx_.log->warn("rtmp viewer dropped stream={} peer={} reason=\"{}\"", label(), peer_, reason);
  };
  // A player stays connected when the publisher leaves (nginx-rtmp's behaviour): it is told
  // the stream ended and gets the new headers when a publisher comes back.
  viewer_->on_stream_end = [this] {
    send(msg_type::kUserControl, kControlCsid, 0,
         encode_user_control(UserControlEvent::kStreamEof, kPlayStreamId));
    send_status("status", "NetStream.Play.UnpublishNotify", stream_name_ + " is now unpublished.");
    push_control();
  };
  send(msg_type::kUserControl, kControlCsid, 0,
       encode_user_control(UserControlEvent::kStreamBegin, kPlayStreamId));
  send_status("status", "NetStream.Play.Reset", "Playing and resetting " + stream_name_ + ".");
  send_status("status", "NetStream.Play.Start", "Started playing " + stream_name_ + ".");
  send(msg_type::kDataAmf0, kDataCsid, kPlayStreamId,
       amf0::encode_all(std::vector<Value>{"|RtmpSampleAccess", true, true}));
  // Into the viewer's queue, ahead of the media.
  push_control();
  media::ViewerEntry entry;
  entry.protocol = "rtmp";
  entry.peer = peer_;
  entry.query = query_;
  entry.kick = [weak = weak_from_this()](const std::string& reason) {
    if (auto self = weak.lock(); self && self->viewer_) self->viewer_->close(reason);
  };
  entry.counters = [weak = weak_from_this()] {
    media::ViewerCounters c;
    if (auto self = weak.lock(); self && self->viewer_) {
      const auto& st = self->viewer_->stats();
      c = {st.bytes_sent, st.packets_dropped, st.skips, self->slow_, {}};
    }
    return c;
  };
  viewing_ = output::ViewerAttachment::attach(
      *stream_, "rtmp",
      [chunk = ctx_.config.get<RtmpConfig>().chunk_size] {
        return std::make_unique<RtmpPackager>(chunk);
      },
      viewer_, std::move(entry));
  // A stream an on-demand pull publishes starts now (also when the stream lingers after its
  // last publish); the player waits for it as for any publisher.
  if (!stream_->has_publisher()) ctx_.streams.demand(stream_->app(), stream_->name());
  if (!stream_->claimed()) wait_for_publisher();
  ctx_.log->info("rtmp play start stream={} peer={} live={}", label(), peer_,
                 stream_->tracks_ready());
  return Status{};
}

void Session::stop_media(const std::string& reason) {
  if (mode_ == Mode::Publishing && media_) {
    media_->publication().end(reason);
    const auto& st = media_->stats();
    ctx_.log->info("rtmp publish stop stream={} peer={} frames={} errors={} reason=\"{}\"", label(),
                   peer_, st.frames, st.errors, reason);
  } else if (mode_ == Mode::Playing && stream_ && viewer_) {
    viewing_.detach(reason);
    const auto& st = viewer_->stats();
    ctx_.log->info("rtmp play stop stream={} peer={} bytes={} dropped={} skips={} reason=\"{}\"",
                   label(), peer_, st.bytes_sent, st.packets_dropped, st.skips, reason);
  }
  mode_ = Mode::Idle;
}

Status Session::on_media(const Message& m) {
  if (mode_ != Mode::Publishing || !media_) return Status{};
  last_activity_ = std::chrono::steady_clock::now();
  return media_->feed(m);
}

Status Session::on_data(const Message& m, ByteSpan body) {
  auto values = amf0::decode_all(body, kCommandDecodeLimits);
  if (!values) {
    ctx_.log->debug("rtmp bad data message peer={} error=\"{}\"", peer_, values.error().message);
    return Status{};  // metadata is advisory: drop it
  }
  auto& v = *values;
  size_t i = (!v.empty() && v[0].as_string() == "@setDataFrame") ? 1 : 0;
  if (v.size() > i + 1 && v[i].as_string() == "onMetaData") {
    const auto& meta = v[i + 1];
    ctx_.log->debug("rtmp metadata stream={} encoder=\"{}\" {}", label(),
                    meta.get_string("encoder"), meta.debug_string(400));
  }
  return Status{};
}

}  // namespace firstmile::rtmp
