// rtsp::Session, recording: the publication on the stream's executor, RTP from the
// interleaved channels and the UDP ports into the ingest, receiver reports back, the end.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/awaitable.hpp"
#include "format/rtp/packet.hpp"
#include "protocol/rtsp/session.hpp"

namespace firstmile::rtsp {

namespace rtp = format::rtp;

namespace {}  // namespace

Status Session::attach_publication() {
  media::PublisherInfo info;
  info.protocol = "rtsp";
  info.peer = peer_;
  info.query = query_;
  info.kick = [weak = weak_from_this()](const std::string& reason) {
    if (auto self = weak.lock()) {
      // The stream has already let go of the publisher: only the connection ends.
      self->end_reason_ = reason;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    }
  };
  info.link_stats = ingest_.link_stats();
  auto publication = publish::Publication::attach(stream_, std::move(info));
  if (!publication) return publication.error();
  ctx_.log->info("rtsp publish start stream={} peer={} tracks={}", label(), peer_,
                 ingest_.codecs());
  ingest_.start(std::move(*publication), ctx_.log, label());
  return {};
}

void Session::end_on_stream() {
  end_play();
  if (ingest_.publishing() || phase_ == Phase::Recording) {
    const std::string reason = end_reason_.empty() ? "closed" : end_reason_;
    const std::string counters = ingest_.end(reason);
    ctx_.log->info("rtsp publish stop stream={} peer={} {} stray_frames={} reason=\"{}\"", label(),
                   peer_, counters, stray_frames_, reason);
  }
  boost::system::error_code ignored;
  if (!closing_after_writes_) socket_.close(ignored);
  // Ends the UDP receivers; the ports go back to the pool with the session.
  for (auto& t : tracks_) {
    if (!t.udp) continue;
    if (t.udp->rtp) t.udp->rtp->close(ignored);
    if (t.udp->rtcp) t.udp->rtcp->close(ignored);
  }
}

void Session::on_frame(uint8_t channel, ByteSpan data) {
  const Channel ch = channels_[channel];
  if (ch.track < 0 || phase_ != Phase::Recording) {
    ++stray_frames_;
    return;
  }
  const auto track = static_cast<size_t>(ch.track);
  if (ch.rtcp) {
    ingest_.on_rtcp(track, data);
  } else {
    ingest_.on_rtp(track, data);
  }
}

asio::awaitable<void> Session::receive_udp(std::shared_ptr<Session> self, size_t index, bool rtcp) {
  Track& track = tracks_[index];
  auto& socket = rtcp ? *track.udp->rtcp : *track.udp->rtp;
  Bytes buffer(2048);  // an RTP packet fits an Ethernet frame; larger datagrams are cut
  udp::endpoint from;
  for (;;) {
    auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buffer), from, kAwaitable);
    if (ec) {
      if (ec == asio::error::operation_aborted || !socket.is_open()) co_return;
      continue;  // an ICMP error for something sent earlier, and the like
    }
    // Only the RTSP client's address may feed its session.
    if (from.address() != peer_address_ || n < rtp::kFixedHeaderBytes) {
      ++stray_frames_;
      continue;
    }
    last_activity_ = std::chrono::steady_clock::now();
    if (rtcp) {
      ingest_.on_rtcp(index, ByteSpan(buffer.data(), n));
    } else {
      ingest_.on_datagram(index, ByteSpan(buffer.data(), n));
    }
  }
}

void Session::send_reports() {
  ingest_.send_reports([this](size_t index, const Bytes& bytes) {
    const Track& t = tracks_[index];
    if (t.udp) {
      boost::system::error_code ignored;
      t.udp->rtcp->send_to(asio::buffer(bytes), udp::endpoint(peer_address_, t.client_rtcp_port), 0,
                           ignored);
    } else if (t.rtcp_channel >= 0) {
      Bytes header;
      write_interleaved_header(static_cast<uint8_t>(t.rtcp_channel), bytes.size(), header);
      out_.append(header.begin(), header.end());
      out_.append(bytes.begin(), bytes.end());
    }
  });
}

}  // namespace firstmile::rtsp
