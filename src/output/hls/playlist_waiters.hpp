#pragma once
// LL-HLS blocking requests (RFC 8216bis 6.2.5.2): HTTP requests that wait for a future
// playlist, part or segment, woken by the segmenter's snapshots (output::SnapshotWaiters has
// the design). A class rather than an alias, so that headers can declare it.
#include "output/snapshot_waiters.hpp"

namespace firstmile::hls {

struct HlsSnapshot;

class PlaylistWaiters : public output::SnapshotWaiters<HlsSnapshot> {
 public:
  using SnapshotWaiters::SnapshotWaiters;
};

}  // namespace firstmile::hls
