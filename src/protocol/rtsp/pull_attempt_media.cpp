// rtsp::PullSource's attempt, the media: the publication on the stream's executor, RTP and
// RTCP from the interleaved channels or the UDP ports into the ingest, keep-alives, receiver
// reports, the viewers an on-demand source waits for, and the end.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "protocol/publish/publication.hpp"
#include "protocol/rtsp/pull_attempt.hpp"
#include "protocol/rtsp/queued_write.hpp"

namespace firstmile::rtsp {

using namespace boost::asio::experimental::awaitable_operators;
using namespace pull_detail;

asio::awaitable<Status> PullSource::Attempt::on_stream(std::shared_ptr<Attempt> self) {
  co_await asio::this_coro::throw_if_cancelled(false);
  media::PublisherInfo info;
  info.protocol = "rtsp";
  info.peer = url_.host + ":" + std::to_string(url_.port);
  info.kick = [weak = weak_from_this()](const std::string& reason) {
    if (auto self = weak.lock()) {
      self->end_reason_ = reason;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    }
  };
  info.link_stats = ingest_.link_stats();
  auto publication = publish::Publication::attach(stream_, std::move(info));
  if (!publication) {
    close();
    co_return publication.error();
  }
  const std::string transport = use_udp_ ? "udp" : "tcp";
  ctx_.log->info("rtsp pull start source={} transport={} tracks={}", owner_.label(), transport,
                 ingest_.codecs());
  ingest_.start(std::move(*publication), ctx_.log,
                owner_.options().app + "/" + owner_.options().stream);
  owner_.set_state("live", "", transport);
  last_media_ = playing_since_ = std::chrono::steady_clock::now();
  for (size_t i = 0; i < tracks_.size(); ++i) {
    if (!tracks_[i].udp) continue;
    for (bool rtcp : {false, true}) {
      asio::co_spawn(socket_.get_executor(), receive_udp(self, i, rtcp),
                     LogExceptions{ctx_.log, "rtsp pull udp", &ctx_.faults, "rtsp"});
    }
  }
  co_await (read_media() || watchdog());
  auto cs = co_await asio::this_coro::cancellation_state;
  const bool stopped = cs.cancelled() != asio::cancellation_type::none;
  if (stopped) {
    end_reason_ = "stopped";
    // Best effort: the camera frees the session now rather than at its timeout.
    if (socket_.is_open()) {
      const Message teardown = new_request("TEARDOWN", base_);
      boost::system::error_code ignored;
      socket_.non_blocking(true, ignored);
      const std::string text = write(teardown);
      socket_.write_some(asio::buffer(text), ignored);
    }
  }
  const std::string reason = end_reason_.empty() ? "closed" : end_reason_;
  const std::string counters = ingest_.end(reason);
  ctx_.log->info("rtsp pull stop source={} {} reason=\"{}\"", owner_.label(), counters, reason);
  close();
  if (stopped || idle_) co_return Status{};
  co_return fail(reason);
}

asio::awaitable<void> PullSource::Attempt::read_media() {
  for (;;) {
    for (;;) {
      auto item = reader_.next();
      if (!item) {
        end_reason_ = "malformed data from the camera: " + item.error().message;
        co_return;
      }
      if (!*item) break;
      if (auto* frame = std::get_if<InterleavedFrame>(&**item))
        on_frame(frame->channel, frame->data);
      // Answers to keep-alives and requests from the camera: nothing to do.
    }
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), kAwaitable);
    if (ec) {
      if (end_reason_.empty())
        end_reason_ = ec == asio::error::eof ? "closed by the camera" : ec.message();
      co_return;
    }
    reader_.feed(ByteSpan(read_buffer_.data(), n));
  }
}

void PullSource::Attempt::on_frame(uint8_t channel, ByteSpan data) {
  const int c = channels_[channel];
  if (c < 0 || !ingest_.publishing()) {
    ++stray_;
    return;
  }
  last_media_ = std::chrono::steady_clock::now();
  any_media_ = true;
  const auto track = static_cast<size_t>(c / 2);
  if (c % 2) {
    ingest_.on_rtcp(track, data);
  } else {
    ingest_.on_rtp(track, data);
  }
}

asio::awaitable<void> PullSource::Attempt::receive_udp(std::shared_ptr<Attempt> self, size_t index,
                                                       bool rtcp) {
  Track& track = tracks_[index];
  auto& socket = rtcp ? *track.udp->rtcp : *track.udp->rtp;
  Bytes buffer(2048);
  udp::endpoint from;
  for (;;) {
    auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buffer), from, kAwaitable);
    if (ec) {
      if (ec == asio::error::operation_aborted || !socket.is_open()) co_return;
      continue;
    }
    // Only the camera may feed the stream.
    if (from.address() != peer_address_ || !ingest_.publishing()) {
      ++stray_;
      continue;
    }
    last_media_ = std::chrono::steady_clock::now();
    any_media_ = true;
    if (rtcp) {
      ingest_.on_rtcp(index, ByteSpan(buffer.data(), n));
    } else {
      ingest_.on_datagram(index, ByteSpan(buffer.data(), n));
    }
  }
}

asio::awaitable<void> PullSource::Attempt::send(std::string bytes) {
  out_ += bytes;
  auto writing = write_queued(socket_, out_, writing_);
  co_await std::move(writing);  // an error shows as the read's end
}

asio::awaitable<void> PullSource::Attempt::watchdog() {
  asio::steady_timer timer(socket_.get_executor());
  auto last_keepalive = std::chrono::steady_clock::now();
  const auto keepalive =
      std::max<std::chrono::steady_clock::duration>(session_timeout_ / 2, std::chrono::seconds(1));
  for (;;) {
    timer.expires_after(std::chrono::milliseconds(250));
    auto [ec] = co_await timer.async_wait(kAwaitable);
    if (ec) co_return;
    const auto now = std::chrono::steady_clock::now();
    if (use_udp_ && !any_media_ && now - playing_since_ > kUdpGiveUp) {
      udp_gave_up_ = true;
      end_reason_ = "no packet over UDP in 3 s";
      co_return;
    }
    if (auto end = owner_.should_end(last_media_, *stream_, last_viewer_check_, idle_)) {
      end_reason_ = std::move(*end);
      co_return;
    }
    ingest_.tick();
    std::string bytes;
    if (ingest_.reports_due()) {
      ingest_.send_reports([&](size_t index, const Bytes& rtcp) {
        const Track& t = tracks_[index];
        if (t.udp) {
          if (t.server_rtcp_port == 0) return;
          boost::system::error_code ignored;
          t.udp->rtcp->send_to(asio::buffer(rtcp), udp::endpoint(peer_address_, t.server_rtcp_port),
                               0, ignored);
        } else {
          Bytes header;
          write_interleaved_header(static_cast<uint8_t>(t.channel + 1), rtcp.size(), header);
          bytes.append(header.begin(), header.end());
          bytes.append(rtcp.begin(), rtcp.end());
        }
      });
    }
    if (now - last_keepalive >= keepalive) {
      last_keepalive = now;
      bytes += write(get_parameter_ ? new_request("GET_PARAMETER", base_)
                                    : new_request("OPTIONS", url_.url));
    }
    if (!bytes.empty()) co_await send(std::move(bytes));
  }
}

void PullSource::Attempt::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  for (auto& t : tracks_) {
    if (!t.udp) continue;
    if (t.udp->rtp) t.udp->rtp->close(ignored);
    if (t.udp->rtcp) t.udp->rtcp->close(ignored);
  }
}

}  // namespace firstmile::rtsp
