#pragma once
// Where an HLS output's snapshots go besides the HTTP server: copies of the output kept
// elsewhere (a directory, an object store). The segmenter hands each published snapshot to its
// stores; a store never blocks the stream's thread (it queues its work and catches up on a
// later snapshot when it cannot).
//
// MirrorTracker is what every copy needs to decide, snapshot by snapshot, what to write: the
// segments and init segments the playlist lists that the copy does not have yet, then the
// playlist (so that it never names a file that is not there), then what left it.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/path_component.hpp"
#include "output/hls/segmenter.hpp"

namespace firstmile::hls {

class HlsStore {
 public:
  virtual ~HlsStore() = default;
  // Called on the stream's thread after every published snapshot (new segment, LL-HLS part,
  // end, reconnect). Must not block.
  virtual void submit(const std::shared_ptr<const HlsSnapshot>& snapshot) = 0;
};

// The work that brings a copy up to a snapshot, in the order it must be done.
struct MirrorJob {
  std::vector<HlsInit> inits;        // new init segments the playlist names
  std::vector<HlsSegment> segments;  // new segments the playlist lists, oldest first
  std::string playlist;              // without LL-HLS parts (copies hold whole segments)
  std::vector<std::string> remove;   // files that left the playlist
  size_t bytes = 0;                  // of everything to write
};

class MirrorTracker {
 public:
  // What the copy needs for `snapshot`; nullopt when nothing changes (an LL-HLS part only) or
  // before the first playlist. Segments or init segments whose names are not a single safe
  // path component are left out. Does not record anything: call commit() once the work is
  // queued, or the next snapshot plans it again.
  std::optional<MirrorJob> plan(const HlsSnapshot& snapshot) const;
  void commit(const MirrorJob& job, const HlsSnapshot& snapshot);
  // Every segment and init segment recorded as written and not removed since.
  std::vector<std::string> written() const;

 private:
  std::map<uint64_t, std::string> segments_;  // by sequence number
  std::set<std::string> inits_;
  std::string last_playlist_;
};

}  // namespace firstmile::hls
