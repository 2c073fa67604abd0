#include "output/hls/snapshot_store.hpp"

namespace firstmile::hls {

std::optional<MirrorJob> MirrorTracker::plan(const HlsSnapshot& snapshot) const {
  if (snapshot.playlist.empty()) return std::nullopt;
  MirrorJob job;
  for (const HlsInit& init : snapshot.inits) {
    if (inits_.count(init.name) || !is_safe_path_component(init.name)) continue;
    job.inits.push_back(init);
    job.bytes += init.data.size();
  }
  for (const HlsSegment& s : snapshot.segments) {
    // Only what the playlist lists: older segments are kept in memory for slow HTTP clients,
    // not copied after the fact.
    if (s.sequence < snapshot.media_sequence || segments_.count(s.sequence)) continue;
    if (!is_safe_path_component(s.name)) continue;
    job.segments.push_back(s);
    job.bytes += s.data.size();
  }
  for (const auto& [sequence, name] : segments_) {
    if (sequence >= snapshot.media_sequence) break;
    job.remove.push_back(name);
  }
  for (const std::string& name : inits_) {
    if (!snapshot.find_init(name)) job.remove.push_back(name);
  }
  // LL-HLS: copies list segments only (parts are not written).
  job.playlist = snapshot.file_playlist.empty() ? snapshot.playlist : snapshot.file_playlist;
  if (job.segments.empty() && job.inits.empty() && job.remove.empty() &&
      job.playlist == last_playlist_) {
    return std::nullopt;
  }
  job.bytes += job.playlist.size();
  return job;
}

void MirrorTracker::commit(const MirrorJob& job, const HlsSnapshot& snapshot) {
  for (const HlsSegment& s : job.segments)
    segments_.emplace(s.sequence, s.name);
  segments_.erase(segments_.begin(), segments_.lower_bound(snapshot.media_sequence));
  for (const HlsInit& init : job.inits)
    inits_.insert(init.name);
  for (auto it = inits_.begin(); it != inits_.end();)
    it = snapshot.find_init(*it) ? std::next(it) : inits_.erase(it);
  last_playlist_ = job.playlist;
}

std::vector<std::string> MirrorTracker::written() const {
  std::vector<std::string> out;
  for (const auto& [sequence, name] : segments_)
    out.push_back(name);
  out.insert(out.end(), inits_.begin(), inits_.end());
  return out;
}

}  // namespace firstmile::hls
