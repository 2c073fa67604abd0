#pragma once
// A stream's HLS output mirrored to an object store: each new segment (and init segment) is
// queued for upload, then the playlist that lists it, so that no playlist in the bucket names
// an object that is not there; segments that left the playlist are deleted after the
// retention. Runs on the stream's thread and never blocks: when the uploader has no room the
// snapshot's work is left for a later one (nothing is recorded as queued), and the playlist is
// held back until every segment it lists is queued.
#include <cstdint>
#include <memory>
#include <string>

#include "core/config.hpp"
#include "output/hls/snapshot_store.hpp"
#include "storage/object_uploader.hpp"

namespace firstmile::storage {

struct HlsMirrorConfig {
  std::string key_prefix;  // "live/cam/": object keys are this and the file name
  std::string playlist_name = "index.m3u8";
  // How long a segment stays in the bucket after leaving the playlist (a CDN or a slow player
  // may still ask for it); negative: never deleted.
  Duration retention{30000};
  int playlist_max_age = 1;  // seconds, Cache-Control of the playlist
};

struct HlsMirrorStats {
  uint64_t snapshots_queued = 0;
  uint64_t snapshots_deferred = 0;  // the uploader had no room: carried by a later snapshot
};

class HlsMirror final : public hls::HlsStore {
 public:
  HlsMirror(std::shared_ptr<ObjectUploader> uploader, HlsMirrorConfig config);
  void submit(const std::shared_ptr<const hls::HlsSnapshot>& snapshot) override;
  HlsMirrorStats stats() const { return stats_; }

  // The operations for one planned job, in order (exposed for tests).
  std::vector<ObjectOp> operations(const hls::MirrorJob& job, int64_t now_ms) const;

 private:
  std::shared_ptr<ObjectUploader> uploader_;
  HlsMirrorConfig config_;
  hls::MirrorTracker tracker_;
  HlsMirrorStats stats_;
};

}  // namespace firstmile::storage
