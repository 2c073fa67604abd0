#include "storage/hls_mirror.hpp"
#include "core/clock.hpp"

#include <chrono>

namespace firstmile::storage {

namespace {
// Segment and init names are unique per stream instance: their bytes never change.
constexpr const char* kImmutable = "public, max-age=86400, immutable";
}  // namespace

HlsMirror::HlsMirror(std::shared_ptr<ObjectUploader> uploader, HlsMirrorConfig config)
    : uploader_(std::move(uploader)), config_(std::move(config)) {}

std::vector<ObjectOp> HlsMirror::operations(const hls::MirrorJob& job, int64_t now_ms) const {
  // One lane per stream (its key prefix): every instance of the stream writes the same playlist
  // key, so their playlists must keep their order too.
  const std::string& lane = config_.key_prefix;
  std::vector<ObjectOp> ops;
  auto put = [&](const std::string& name, const Buffer& data) {
    ops.push_back(
        ObjectOp{.kind = ObjectOp::Kind::Put,
                 .lane = lane,
                 .key = config_.key_prefix + name,
                 .content_type = content_type_for(name),
                 .cache_control = kImmutable,
                 .body = std::string(reinterpret_cast<const char*>(data.data()), data.size())});
  };
  for (const auto& init : job.inits)
    put(init.name, init.data);
  for (const auto& segment : job.segments)
    put(segment.name, segment.data);
  ops.push_back(
      ObjectOp{.kind = ObjectOp::Kind::Put,
               .lane = lane,
               .key = config_.key_prefix + config_.playlist_name,
               .content_type = content_type_for(config_.playlist_name),
               .cache_control = "public, max-age=" + std::to_string(config_.playlist_max_age),
               .body = job.playlist,
               .after_earlier = true});
  if (config_.retention.count() >= 0) {
    for (const auto& name : job.remove) {
      ops.push_back(ObjectOp{.kind = ObjectOp::Kind::Delete,
                             .lane = lane,
                             .key = config_.key_prefix + name,
                             .after_earlier = true,
                             .not_before_ms = now_ms + config_.retention.count()});
    }
  }
  return ops;
}

void HlsMirror::submit(const std::shared_ptr<const hls::HlsSnapshot>& snapshot) {
  if (!snapshot) return;
  auto job = tracker_.plan(*snapshot);
  if (!job) return;
  const int64_t now_ms = unix_ms();
  // All or nothing: the playlist goes only with every segment it needs.
  if (uploader_->enqueue(operations(*job, now_ms))) {
    tracker_.commit(*job, *snapshot);
    ++stats_.snapshots_queued;
  } else {
    ++stats_.snapshots_deferred;
  }
}

}  // namespace firstmile::storage
