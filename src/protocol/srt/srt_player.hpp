#pragma once
// One SRT player (stream id m=request or read:): a viewer of the stream's "ts" fan-out that
// hands each shared TS packet straight to libsrt from the stream's executor. libsrt's send
// buffer (SRTO_SNDBUF) is the bounded queue: when it is full (SRT_EASYNCSND) the player is
// slow and skips to the next keyframe, and after fanout.max_skips within fanout.skip_window it
// is disconnected, as a TCP viewer would be.
//
// Three threads meet here: the SRT thread (accepts it, notices when the peer goes, samples its
// link), the authorization coroutine, and the stream's executor (everything media). Closing is
// one-way: close() marks it and closes the socket; the SRT thread then finishes it and, once it
// was attached, has the stream let go of it on the executor (detach()).
#include <srt/srt.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "core/config.hpp"
#include "core/log.hpp"
#include "core/net.hpp"
#include "media/stream.hpp"
#include "output/fanout_config.hpp"
#include "output/fanout_output.hpp"
#include "output/skip_policy.hpp"
#include "output/subscriber.hpp"
#include "output/viewer_attachment.hpp"
#include "protocol/srt/srt_link_stats.hpp"
#include "protocol/srt/wire/stream_id.hpp"

namespace firstmile::srt {

// Seven TS packets: the payload of one SRT live-mode message (SRTO_PAYLOADSIZE 1316), so a TS
// packet is never split across datagrams.
constexpr size_t kSrtMessageSize = 7 * 188;

class SrtPlayer final : public output::Subscriber, public std::enable_shared_from_this<SrtPlayer> {
 public:
  SrtPlayer(SRTSOCKET sock, std::string peer, SrtStreamId id, ConnectionLimiter::Slot slot,
            const FanoutConfig& config);

  // output::Subscriber (stream executor).
  void push(const output::Packet& packet) override;
  void wait_for_keyframe() override { need_keyframe_ = true; }
  // The publisher left: what libsrt holds is still sent (SRTO_LINGER), then the player ends.
  void end_of_stream() override;
  // Any thread.
  void close(std::string reason) override;

  // On the stream's executor once play was allowed: joins the fan-out and the stream's client
  // table, or closes the player if the stream is not live.
  static void attach(const std::shared_ptr<SrtPlayer>& p, const std::shared_ptr<media::Stream>& s,
                     const Logger& log);
  // On the stream's executor after the SRT thread finished the player. Idempotent.
  void detach(const std::string& reason, const Logger& log);

  // Any thread.
  SRTSOCKET socket() const { return sock_; }
  const std::string& peer() const { return peer_; }
  const SrtStreamId& id() const { return id_; }
  const std::string& label() const { return label_; }
  bool closed() const { return closed_; }
  bool attached() const { return attached_; }
  bool lingering() const { return lingering_; }
  std::string reason() const;
  const std::shared_ptr<media::Stream>& stream() const { return stream_; }  // once attached
  SharedLinkStats& link() { return link_; }

  // SRT thread.
  std::chrono::steady_clock::time_point last_sample;

 private:
  void skip_to_keyframe();

  const SRTSOCKET sock_;
  const std::string peer_;
  const SrtStreamId id_;
  const std::string label_;
  ConnectionLimiter::Slot slot_;
  const FanoutConfig& config_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> attached_{false};
  std::atomic<bool> detached_{false};
  std::atomic<bool> lingering_{false};
  mutable std::mutex reason_mutex_;
  std::string close_reason_;
  SharedLinkStats link_;

  // Written before `attached_`, then read-only.
  std::shared_ptr<media::Stream> stream_;
  output::ViewerAttachment viewing_;
  // Stream executor only.
  bool need_keyframe_ = false;
  uint64_t bytes_sent_ = 0;
  uint64_t packets_sent_ = 0;
  uint64_t packets_dropped_ = 0;
  output::SkipPolicy skip_policy_;
};

}  // namespace firstmile::srt
