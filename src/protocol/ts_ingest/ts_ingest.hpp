#pragma once
// The hub side of one MPEG-TS publish, shared by the ingests that carry TS without a session
// of their own to frame it (SRT, plain UDP): a TsDemuxer whose tracks and frames go through the
// publish path's Publication (attach, then an end told to the stream exactly once), and the
// start and stop log lines. The protocol keeps what is its own: the socket, admission
// (publish::admit) and the PublishGate that settles races between its thread and the stream's.
//
// Everything here runs on the stream's executor, except stream() and publisher_id(), which
// are written by attach() and then read-only: read them only after the protocol's own
// "attached" flag (set after a successful attach()) says so; and post() and overflow_bytes(),
// which any thread may call once attached.
//
// This is the exception boundary of the TS ingests: an exception out of the demuxer or the
// hub while feeding (a bug, or memory running out) ends this publish with "internal error",
// calls on_fault so the protocol closes its connection and counts it, and nothing else stops.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "format/mpegts/ts_demuxer.hpp"
#include "media/stream.hpp"
#include "protocol/publish/publication.hpp"

namespace firstmile::ts_ingest {

class TsIngest {
 public:
  // `protocol` ("srt", "udp") is the publisher's protocol and the prefix of the log lines.
  explicit TsIngest(std::string protocol);
  TsIngest(const TsIngest&) = delete;
  TsIngest& operator=(const TsIngest&) = delete;

  // Registers `info` (its protocol set here) as `stream`'s publisher and routes the demuxer's
  // tracks and frames to the stream. `label` names the stream in logs ("app/name", the key
  // shortened). On failure (the stream already has a publisher, ...) nothing changed.
  Status attach(const std::shared_ptr<media::Stream>& stream, media::PublisherInfo info,
                std::string label, const Logger& log);
  // Bytes waiting on the stream's executor (posted, not yet fed) past which post() drops: the
  // stream's worker is behind, and a queue without bound would hold the whole input.
  static constexpr size_t kMaxQueued = 16 << 20;

  // Stream executor: after a fault ended the publish (the reason says what was caught). Set
  // before attach().
  std::function<void(const std::string& reason)> on_fault;

  // TS bytes from the peer: demuxed into the stream while attached and not ended.
  void feed(ByteSpan data, const Logger& log);
  // Any thread, once attached: posts `data` to the stream's executor to be fed; `owner` keeps
  // this ingest alive until then. Over kMaxQueued bytes waiting, the data is dropped and
  // counted in overflow_bytes() instead, and false returned.
  bool post(Bytes&& data, std::shared_ptr<const void> owner, const Logger& log);
  uint64_t overflow_bytes() const { return overflow_bytes_.load(std::memory_order_relaxed); }
  // Ends the publish: flushes the demuxer, detaches the publisher from the stream with `reason`
  // and logs the stop line. Only the first end() or release() does anything; returns whether
  // this one did.
  bool end(const std::string& reason, const Logger& log);
  // The stream already let go of the publisher (a kick): logs the stop line and stops feeding,
  // without telling the stream. Returns whether this call ended the publish.
  bool release(const std::string& reason, const Logger& log);

  bool attached() const { return stream_ != nullptr; }
  bool ended() const { return ended_; }
  const std::shared_ptr<media::Stream>& stream() const { return stream_; }
  uint64_t publisher_id() const { return publication_ ? publication_->id() : 0; }
  const format::TsDemuxerStats& stats() const { return demuxer_.stats(); }

 private:
  void log_stop(const std::string& reason, const Logger& log);
  void fault(const char* what, const Logger& log);

  const std::string protocol_;
  std::string label_;
  std::string peer_;
  format::TsDemuxer demuxer_;
  std::unique_ptr<publish::Publication> publication_;
  // Written by attach(), then read-only (other threads read it to post to the stream).
  std::shared_ptr<media::Stream> stream_;
  bool ended_ = false;             // the stop line is written
  std::atomic<size_t> queued_{0};  // bytes posted, not yet fed
  std::atomic<uint64_t> overflow_bytes_{0};
};

}  // namespace firstmile::ts_ingest
