#include "protocol/srt/srt_player.hpp"

#include <algorithm>

#include "output/fanout_config.hpp"
#include "output/ts/ts_packager.hpp"

namespace firstmile::srt {

namespace {
// How long libsrt keeps sending what it holds after the publisher left.
constexpr int kLingerSeconds = 3;
}  // namespace

SrtPlayer::SrtPlayer(SRTSOCKET sock, std::string peer, SrtStreamId id, ConnectionLimiter::Slot slot,
                     const FanoutConfig& config)
    : sock_(sock),
      peer_(std::move(peer)),
      id_(std::move(id)),
      label_(id_.app + "/" + redact(id_.stream)),
      slot_(std::move(slot)),
      config_(config) {}

std::string SrtPlayer::reason() const {
  std::lock_guard lock(reason_mutex_);
  return close_reason_;
}

void SrtPlayer::close(std::string reason) {
  {
    std::lock_guard lock(reason_mutex_);
    if (close_reason_.empty()) close_reason_ = std::move(reason);
  }
  if (closed_.exchange(true)) return;
  srt_close(sock_);  // thread-safe in libsrt; the SRT thread's sweep finishes the player
}

void SrtPlayer::end_of_stream() {
  if (closed_) return;
  // libsrt's live mode closes at once by default; a linger lets the queued tail (the last
  // frames) go out. With a non-blocking socket srt_close() still returns at once and libsrt
  // closes it in the background when its buffer is empty or the linger expires.
  linger lg{1, kLingerSeconds};
  srt_setsockflag(sock_, SRTO_LINGER, &lg, sizeof lg);
  lingering_ = true;
  close("stream ended");
}

void SrtPlayer::push(const output::Packet& packet) {
  if (closed_) return;
  if (need_keyframe_ && !packet.keyframe && !packet.config) {
    ++packets_dropped_;
    return;
  }
  if (packet.keyframe) need_keyframe_ = false;
  const uint8_t* data = packet.data.data();
  size_t left = packet.data.size();
  while (left > 0) {
    // Packets are whole TS packets, so every message is too.
    const size_t n = std::min(left, kSrtMessageSize);
    int r = srt_sendmsg2(sock_, reinterpret_cast<const char*>(data), static_cast<int>(n), nullptr);
    if (r == SRT_ERROR) {
      if (srt_getlasterror(nullptr) == SRT_EASYNCSND) {
        // The send buffer is full: the link cannot keep up. The rest of this frame is lost
        // anyway; resume at a keyframe, which carries the PAT/PMT a decoder needs again.
        ++packets_dropped_;
        skip_to_keyframe();
      } else {
        close(std::string("send: ") + srt_getlasterror_str());
      }
      return;
    }
    data += n;
    left -= n;
    bytes_sent_ += n;
  }
  ++packets_sent_;
}

void SrtPlayer::skip_to_keyframe() {
  // The same rule as a TCP viewer's (output::SkipPolicy).
  std::string reason;
  if (skip_policy_.fell_behind(config_, reason)) {
    close(std::move(reason));
    return;
  }
  need_keyframe_ = true;
}

void SrtPlayer::attach(const std::shared_ptr<SrtPlayer>& p, const std::shared_ptr<media::Stream>& s,
                       const Logger& log) {
  if (p->closed_) return;
  if (!s->has_publisher() || !s->tracks_ready()) {
    log->info("srt play refused stream={} peer={} reason=\"stream is not live\"", p->label_,
              p->peer_);
    p->close("stream is not live");
    return;
  }
  p->stream_ = s;
  media::ViewerEntry entry;
  entry.protocol = "srt";
  entry.peer = p->peer_;
  entry.query = p->id_.query;
  entry.kick = [weak = std::weak_ptr<SrtPlayer>(p)](const std::string& reason) {
    if (auto self = weak.lock()) self->close(reason);
  };
  entry.counters = [weak = std::weak_ptr<SrtPlayer>(p)] {
    media::ViewerCounters c;
    if (auto self = weak.lock()) {
      c = {self->bytes_sent_,
           self->packets_dropped_,
           self->skip_policy_.skips(),
           self->skip_policy_.slow(),
           {}};
      c.link = self->link_.get();
    }
    return c;
  };
  // Sends the tables and the cached GOP at once: the player gets a picture without waiting.
  p->viewing_ = output::ViewerAttachment::attach(
      *s, "ts", [] { return std::make_unique<output::TsPackager>(); }, p, std::move(entry));
  p->attached_ = true;
  log->info("srt play start stream={} peer={}", p->label_, p->peer_);
  // The SRT thread may have finished the player meanwhile without seeing `attached_`.
  if (p->closed_ || srt_getsockstate(p->sock_) >= SRTS_BROKEN) {
    auto reason = p->reason();
    p->detach(reason.empty() ? "connection lost" : reason, log);
  }
}

void SrtPlayer::detach(const std::string& reason, const Logger& log) {
  if (!attached_ || detached_.exchange(true)) return;
  viewing_.detach(reason);
  log->info(
      "srt play stop stream={} peer={} bytes={} messages={} dropped={} skips={} reason=\"{}\"",
      label_, peer_, bytes_sent_, packets_sent_, packets_dropped_, skip_policy_.skips(), reason);
}

}  // namespace firstmile::srt
