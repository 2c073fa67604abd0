#include "protocol/rtsp/rtp_ingest.hpp"

#include <algorithm>
#include <random>

#include "format/rtp/packet.hpp"
#include "format/rtp/rtcp.hpp"

namespace firstmile::rtsp {

namespace rtp = format::rtp;

namespace {

// After the first packet, how long the tracks wait for every one of them to know its codec
// configuration (a camera's parameter sets come with its first keyframe) before the ones that
// do are announced.
constexpr int64_t kConfigWaitTicks = 2 * media::kTimeBase;
constexpr auto kReportInterval = std::chrono::seconds(5);

}  // namespace

RtpIngest::RtpIngest() : ssrc_(static_cast<uint32_t>(std::random_device{}())) {}

RtpIngest::~RtpIngest() = default;

Result<size_t> RtpIngest::add_track(std::unique_ptr<rtp::TrackReceiver> receiver) {
  Track t;
  const auto codec = receiver->codec();
  if (codec == media::Codec::G711A || codec == media::Codec::G711U) {
    auto to_aac = transcode::AudioToAac::create(*receiver->track());
    if (!to_aac) return wrap("G.711 to AAC", to_aac.error());
    t.to_aac = std::move(*to_aac);
    t.aac_track = t.to_aac->track();
  }
  t.receiver = std::move(receiver);
  tracks_.push_back(std::move(t));
  return tracks_.size() - 1;
}

const std::optional<media::TrackInfo>& RtpIngest::announced_track(const Track& t) const {
  return t.to_aac ? t.aac_track : t.receiver->track();
}

void RtpIngest::publish_frames(Track& t, bool last) {
  if (t.to_aac) {
    std::vector<media::Frame> aac;
    for (const auto& f : frames_)
      t.to_aac->push(f, aac);
    if (last) t.to_aac->flush(aac);
    frames_ = std::move(aac);
  }
  for (auto& f : frames_)
    publication_->push(std::move(f));
}

bool RtpIngest::any_set_up() const {
  return std::any_of(tracks_.begin(), tracks_.end(), [](const Track& t) { return t.set_up; });
}

std::string RtpIngest::codecs() const {
  std::string out;
  for (const auto& t : tracks_) {
    if (!t.set_up) continue;
    if (!out.empty()) out += ',';
    out += t.receiver->encoding();
    if (t.to_aac) out += "->AAC";
  }
  return out;
}

int64_t RtpIngest::now_ticks() const {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started_)
                      .count();
  return us * media::kTimeBase / 1000000;
}

int64_t RtpIngest::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               started_)
      .count();
}

void RtpIngest::start(std::unique_ptr<publish::Publication> publication, Logger log,
                      std::string label) {
  publication_ = std::move(publication);
  log_ = std::move(log);
  label_ = std::move(label);
  announce_if_ready(now_ticks());
}

void RtpIngest::on_rtp(size_t track, ByteSpan data) {
  if (!publishing()) {
    ++ignored_;
    return;
  }
  auto packet = rtp::parse(data);
  if (!packet) {
    ++ignored_;
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
  t.receiver->push(*packet, now, frames_);
  announce_if_ready(now);
  if (!announced_) return;  // only before the first announcement: nothing to show them to
  publish_frames(t);
}

void RtpIngest::on_datagram(size_t track, ByteSpan datagram) {
  if (datagram.size() < rtp::kFixedHeaderBytes) {
    ++ignored_;
    return;
  }
  const auto sequence = static_cast<uint16_t>(datagram[2] << 8 | datagram[3]);
  std::vector<Bytes> released;
  const int64_t now = now_ms();
  auto& reorder = tracks_[track].reorder;
  reorder.push(sequence, Bytes(datagram.begin(), datagram.end()), now, released);
  // A gap older than the reorder delay gives way (tick() does it when nothing arrives).
  reorder.poll(now, released);
  release(track, released);
}

void RtpIngest::release(size_t track, std::vector<Bytes>& released) {
  for (const auto& datagram : released)
    on_rtp(track, datagram);
}

std::function<std::optional<media::LinkStats>()> RtpIngest::link_stats() const {
  return [link = link_]() -> std::optional<media::LinkStats> {
    media::LinkStats s;
    s.packets_lost = link->lost.load(std::memory_order_relaxed);
    s.packets_dropped = link->dropped.load(std::memory_order_relaxed);
    return s;
  };
}

void RtpIngest::update_link() {
  uint64_t lost = 0, dropped = 0;
  for (const auto& t : tracks_) {
    lost += t.receiver->counters().lost_packets;
    dropped += t.reorder.counters().late + t.reorder.counters().duplicates;
  }
  link_->lost.store(lost, std::memory_order_relaxed);
  link_->dropped.store(dropped, std::memory_order_relaxed);
}

void RtpIngest::tick() {
  update_link();
  std::vector<Bytes> released;
  for (size_t i = 0; i < tracks_.size(); ++i) {
    released.clear();
    tracks_[i].reorder.poll(now_ms(), released);
    release(i, released);
  }
  announce_if_ready(now_ticks());
}

void RtpIngest::on_rtcp(size_t index, ByteSpan data) {
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

bool RtpIngest::reports_due() const {
  return std::chrono::steady_clock::now() - last_reports_ >= kReportInterval;
}

void RtpIngest::send_reports(const std::function<void(size_t, const Bytes&)>& send) {
  const auto now = std::chrono::steady_clock::now();
  last_reports_ = now;
  for (size_t i = 0; i < tracks_.size(); ++i) {
    auto& t = tracks_[i];
    if (!t.set_up || !t.stats) continue;
    auto block = t.stats->report(now);
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
    send(i, bytes);
  }
}

void RtpIngest::announce_if_ready(int64_t now) {
  if (!publishing()) return;
  bool all = true, changed = false;
  for (auto& t : tracks_) {
    if (!t.set_up) continue;
    if (!announced_track(t)) all = false;
    if (t.receiver->changed()) changed = true;
  }
  const bool waited = first_packet_ && now - *first_packet_ > kConfigWaitTicks;
  if (announced_ ? !changed : !(all || waited)) return;
  media::Tracks tracks;
  for (auto& t : tracks_) {
    if (!t.set_up || !announced_track(t)) continue;
    (t.receiver->kind() == media::MediaKind::Video ? tracks.video : tracks.audio) =
        *announced_track(t);
  }
  if (tracks.empty()) return;
  publication_->set_tracks(tracks);
  announced_ = true;
  if (tracks.video) {
    log_->info("rtsp tracks stream={} video={} {}x{} fps={}", label_, tracks.video->codec_string,
               tracks.video->width, tracks.video->height, tracks.video->frame_rate);
  }
  if (tracks.audio) {
    log_->info("rtsp tracks stream={} audio={} rate={} channels={}", label_,
               tracks.audio->codec_string, tracks.audio->sample_rate, tracks.audio->channels);
  }
}

std::string RtpIngest::end(const std::string& reason) {
  if (!publication_) return counters_summary();
  // The last access units, which only the next one (or the end) completes.
  for (auto& t : tracks_) {
    if (!t.set_up) continue;
    frames_.clear();
    t.receiver->flush(frames_);
    if (announced_ && !publication_->ended()) publish_frames(t, true);
  }
  update_link();  // the publisher's last counts, for the totals the stream keeps
  publication_->end(reason);
  publication_.reset();
  return counters_summary();
}

std::string RtpIngest::counters_summary() const {
  rtp::TrackReceiver::Counters sum;
  uint64_t reordered = 0, aac_errors = 0;
  bool transcoded = false;
  for (const auto& t : tracks_) {
    reordered += t.reorder.counters().reordered;
    if (t.to_aac) {
      transcoded = true;
      aac_errors += t.to_aac->counters().errors;
    }
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
         " ignored=" + std::to_string(ignored_) + " reordered=" + std::to_string(reordered) +
         (transcoded ? " aac_errors=" + std::to_string(aac_errors) : std::string());
}

}  // namespace firstmile::rtsp
