// rtsp::Session, recording: the publication on the stream's executor, RTP from the
// interleaved channels and the UDP ports into the tracks, the tracks announced, the end.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "format/rtp/packet.hpp"
#include "protocol/rtsp/session.hpp"

namespace firstmile::rtsp {

namespace rtp = format::rtp;

namespace {

constexpr auto kAwaitable = asio::as_tuple(asio::use_awaitable);
// After the first packet, how long the tracks wait for every one of them to know its codec
// configuration (a camera's parameter sets come with its first keyframe) before the ones that
// do are announced.
constexpr int64_t kConfigWaitTicks = 2 * media::kTimeBase;

}  // namespace

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
  auto publication = publish::Publication::attach(stream_, std::move(info));
  if (!publication) return publication.error();
  publication_ = std::move(*publication);
  std::string codecs;
  for (const auto& t : tracks_) {
    if (!t.set_up) continue;
    if (!codecs.empty()) codecs += ',';
    codecs += t.receiver->encoding();
  }
  ctx_.log->info("rtsp publish start stream={} peer={} tracks={}", label(), peer_, codecs);
  announce_tracks_if_ready(now_ticks());
  return {};
}

std::string Session::counters_summary() const {
  rtp::TrackReceiver::Counters sum;
  uint64_t reordered = 0;
  for (const auto& t : tracks_) {
    reordered += t.reorder.counters().reordered;
    const auto& c = t.receiver->counters();
    sum.packets += c.packets;
    sum.frames += c.frames;
    sum.lost_packets += c.lost_packets;
    sum.malformed_packets += c.malformed_packets;
    sum.dropped_frames += c.dropped_frames;
  }
  return "rtp_packets=" + std::to_string(sum.packets) +
         " lost_packets=" + std::to_string(sum.lost_packets) +
         " malformed_packets=" + std::to_string(sum.malformed_packets) +
         " dropped_frames=" + std::to_string(sum.dropped_frames) +
         " rtcp_packets=" + std::to_string(rtcp_packets_) +
         " sender_reports=" + std::to_string(sender_reports_) +
         " receiver_reports=" + std::to_string(receiver_reports_) +
         " stray_frames=" + std::to_string(stray_frames_) +
         " reordered=" + std::to_string(reordered);
}

void Session::end_on_stream() {
  end_play();
  if (publication_) {
    // The last access units, which only the next one (or the end) completes.
    frames_.clear();
    for (auto& t : tracks_) {
      if (t.set_up) t.receiver->flush(frames_);
    }
    if (tracks_announced_ && !publication_->ended()) {
      for (auto& f : frames_)
        publication_->push(std::move(f));
    }
    const std::string reason = end_reason_.empty() ? "closed" : end_reason_;
    publication_->end(reason);
    ctx_.log->info("rtsp publish stop stream={} peer={} {} reason=\"{}\"", label(), peer_,
                   counters_summary(), reason);
    publication_.reset();
  }
  boost::system::error_code ignored;
  socket_.close(ignored);
  // Ends the UDP receivers; the ports go back to the pool with the session.
  for (auto& t : tracks_) {
    if (!t.udp) continue;
    if (t.udp->rtp) t.udp->rtp->close(ignored);
    if (t.udp->rtcp) t.udp->rtcp->close(ignored);
  }
}

void Session::on_frame(uint8_t channel, ByteSpan data) {
  const Channel ch = channels_[channel];
  if (ch.track < 0) {
    ++stray_frames_;
    return;
  }
  if (ch.rtcp) {
    on_rtcp(static_cast<size_t>(ch.track), data);
    return;
  }
  on_rtp(static_cast<size_t>(ch.track), data);
}

void Session::on_rtp(size_t track, ByteSpan data) {
  if (phase_ != Phase::Recording || !publication_ || publication_->ended()) {
    ++stray_frames_;
    return;
  }
  auto packet = rtp::parse(data);
  if (!packet) {
    ++stray_frames_;
    return;
  }
  const int64_t now = now_ticks();
  if (!first_packet_) first_packet_ = now;
  Track& t = tracks_[track];
  if (!t.stats) t.stats.emplace(packet->ssrc);
  const uint32_t clock = t.receiver->clock_rate();
  t.stats->on_packet(t.sequences.unwrap(packet->sequence), packet->timestamp,
                     static_cast<uint32_t>(now * clock / media::kTimeBase));
  frames_.clear();
  tracks_[track].receiver->push(*packet, now, frames_);
  announce_tracks_if_ready(now);
  if (!tracks_announced_) return;  // counted by nobody: only before the first announcement
  for (auto& f : frames_)
    publication_->push(std::move(f));
}

asio::awaitable<void> Session::receive_udp(std::shared_ptr<Session> self, size_t index, bool rtcp) {
  Track& track = tracks_[index];
  auto& socket = rtcp ? *track.udp->rtcp : *track.udp->rtp;
  Bytes buffer(2048);  // an RTP packet fits an Ethernet frame; larger datagrams are cut
  std::vector<Bytes> released;
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
      on_rtcp(index, ByteSpan(buffer.data(), n));
      continue;
    }
    const auto sequence = static_cast<uint16_t>(buffer[2] << 8 | buffer[3]);
    released.clear();
    const int64_t now = now_ms();
    track.reorder.push(sequence, Bytes(buffer.begin(), buffer.begin() + static_cast<ptrdiff_t>(n)),
                       now, released);
    // A gap older than the reorder delay gives way (the watchdog does it when nothing arrives).
    track.reorder.poll(now, released);
    release_reordered(index, released);
  }
}

void Session::on_rtcp(size_t index, ByteSpan data) {
  ++rtcp_packets_;
  auto packets = rtp::parse_rtcp(data);
  if (!packets) return;  // counted above; RTCP is advisory
  Track& track = tracks_[index];
  for (const auto& p : *packets) {
    const auto* sr = std::get_if<rtp::SenderReport>(&p);
    if (!sr) continue;
    ++sender_reports_;
    if (track.stats)
      track.stats->on_sender_report(sr->sender.ntp_timestamp, std::chrono::steady_clock::now());
    // The sender's clock onto ours, at its first report; each track's report then says where
    // its RTP time falls on it.
    const double ntp = rtp::ntp_to_seconds(sr->sender.ntp_timestamp);
    if (!ntp_origin_) {
      ntp_origin_ = ntp;
      ntp_origin_ticks_ = now_ticks();
    }
    const double offset = (ntp - *ntp_origin_) * media::kTimeBase;
    // A sender whose clock is far off (or reports nonsense) anchors nothing.
    if (offset > -3600.0 * media::kTimeBase && offset < 3600.0 * media::kTimeBase) {
      track.receiver->anchor(sr->sender.rtp_timestamp,
                             ntp_origin_ticks_ + static_cast<int64_t>(offset));
    }
  }
}

void Session::send_reports() {
  for (auto& t : tracks_) {
    if (!t.set_up || !t.stats) continue;
    auto block = t.stats->report(std::chrono::steady_clock::now());
    if (!block) continue;
    rtp::ReceiverReport rr;
    rr.ssrc = ssrc_;
    rr.reports.push_back(*block);
    rtp::SourceDescription sdes;
    sdes.chunks.push_back({ssrc_, {{rtp::kSdesCname, "firstmile"}}});
    const rtp::RtcpPacket compound[] = {std::move(rr), std::move(sdes)};
    Bytes bytes;
    rtp::write_rtcp(compound, bytes);
    ++receiver_reports_;
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
  }
}

void Session::release_reordered(size_t index, std::vector<Bytes>& released) {
  for (const auto& datagram : released)
    on_rtp(index, datagram);
}

void Session::poll_reorder() {
  std::vector<Bytes> released;
  for (size_t i = 0; i < tracks_.size(); ++i) {
    if (!tracks_[i].udp) continue;
    released.clear();
    tracks_[i].reorder.poll(now_ms(), released);
    release_reordered(i, released);
  }
}

void Session::announce_tracks_if_ready(int64_t now) {
  if (!publication_ || publication_->ended()) return;
  bool all = true, changed = false;
  for (auto& t : tracks_) {
    if (!t.set_up) continue;
    if (!t.receiver->track()) all = false;
    if (t.receiver->changed()) changed = true;
  }
  const bool waited = first_packet_ && now - *first_packet_ > kConfigWaitTicks;
  if (tracks_announced_ ? !changed : !(all || waited)) return;
  media::Tracks tracks;
  for (auto& t : tracks_) {
    if (!t.set_up || !t.receiver->track()) continue;
    (t.receiver->kind() == media::MediaKind::Video ? tracks.video : tracks.audio) =
        *t.receiver->track();
  }
  if (tracks.empty()) return;
  publication_->set_tracks(tracks);
  tracks_announced_ = true;
  if (tracks.video) {
    ctx_.log->info("rtsp tracks stream={} video={} {}x{} fps={}", label(),
                   tracks.video->codec_string, tracks.video->width, tracks.video->height,
                   tracks.video->frame_rate);
  }
  if (tracks.audio) {
    ctx_.log->info("rtsp tracks stream={} audio={} rate={} channels={}", label(),
                   tracks.audio->codec_string, tracks.audio->sample_rate, tracks.audio->channels);
  }
}

}  // namespace firstmile::rtsp
