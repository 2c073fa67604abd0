#include "protocol/ts_ingest/ts_ingest.hpp"

#include <boost/asio/post.hpp>

namespace firstmile::ts_ingest {

TsIngest::TsIngest(std::string protocol) : protocol_(std::move(protocol)) {}

Status TsIngest::attach(const std::shared_ptr<media::Stream>& stream, media::PublisherInfo info,
                        std::string label, const Logger& log) {
  if (stream_ || ended_) return fail("publish already attached or ended");
  info.protocol = protocol_;
  peer_ = info.peer;
  auto publication = publish::Publication::attach(stream, std::move(info));
  if (!publication) return publication.error();
  publication_ = std::move(*publication);
  stream_ = stream;
  label_ = std::move(label);
  demuxer_.on_tracks = [pub = publication_.get(), log, protocol = protocol_,
                        label = label_](const media::Tracks& t) {
    if (t.video) {
      log->info("{} tracks stream={} video={} {}x{} fps={}", protocol, label, t.video->codec_string,
                t.video->width, t.video->height, t.video->frame_rate);
    }
    if (t.audio) {
      log->info("{} tracks stream={} audio={} rate={} channels={}", protocol, label,
                t.audio->codec_string, t.audio->sample_rate, t.audio->channels);
    }
    pub->set_tracks(t);
  };
  // publication_ outlives the demuxer's callbacks (log_stop clears them).
  demuxer_.on_frame = [pub = publication_.get()](media::Frame f) { pub->push(std::move(f)); };
  log->info("{} publish start stream={} peer={}", protocol_, label_, peer_);
  return {};
}

void TsIngest::feed(ByteSpan data, const Logger& log) {
  if (!stream_ || ended_) return;
  try {
    demuxer_.feed(data);
  } catch (const std::exception& e) {
    fault(e.what(), log);
  } catch (...) {
    fault("unknown exception", log);
  }
}

bool TsIngest::post(Bytes&& data, std::shared_ptr<const void> owner, const Logger& log) {
  const size_t size = data.size();
  if (queued_.load(std::memory_order_relaxed) + size > kMaxQueued) {
    if (overflow_bytes_.fetch_add(size, std::memory_order_relaxed) == 0) {
      log->warn("{} stream worker behind, dropping stream={} peer={} queued_bytes={}", protocol_,
                label_, peer_, queued_.load(std::memory_order_relaxed));
    }
    return false;
  }
  queued_.fetch_add(size, std::memory_order_relaxed);
  auto batch = std::make_shared<Bytes>(std::move(data));
  boost::asio::post(stream_->executor(), [this, owner = std::move(owner), batch, log] {
    feed(ByteSpan(batch->data(), batch->size()), log);
    queued_.fetch_sub(batch->size(), std::memory_order_relaxed);
  });
  return true;
}

void TsIngest::fault(const char* what, const Logger& log) {
  const std::string reason = std::string("internal error: ") + what;
  log->error("{} publish fault stream={} peer={} error=\"{}\"", protocol_, label_, peer_, what);
  ended_ = true;
  try {
    // No flush: the demuxer's state is what failed.
    publication_->end(reason);
  } catch (const std::exception& e) {
    log->error("{} publish fault stream={} while ending error=\"{}\"", protocol_, label_, e.what());
  }
  log_stop(reason, log);
  if (on_fault) on_fault(reason);
}

bool TsIngest::end(const std::string& reason, const Logger& log) {
  if (!stream_ || ended_) return false;
  ended_ = true;
  // Completes the last access unit (video PES without a length ends only at the next one).
  demuxer_.flush();
  publication_->end(reason);
  log_stop(reason, log);
  return true;
}

bool TsIngest::release(const std::string& reason, const Logger& log) {
  if (!stream_ || ended_) return false;
  ended_ = true;
  log_stop(reason, log);
  return true;
}

void TsIngest::log_stop(const std::string& reason, const Logger& log) {
  const auto& st = demuxer_.stats();
  log->info(
      "{} publish stop stream={} peer={} frames={} packets={} cc_errors={} sync_errors={} "
      "overflow_bytes={} reason=\"{}\"",
      protocol_, label_, peer_, st.frames, st.packets, st.cc_errors, st.sync_errors,
      overflow_bytes(), reason);
  demuxer_.on_frame = nullptr;
  demuxer_.on_tracks = nullptr;
}

}  // namespace firstmile::ts_ingest
