#pragma once
// What the hub knows of an output: this interface, nothing else. Outputs (HLS, DASH, the RTMP,
// FLV and TS fan-outs, later recorders, RTP packetizers and the transcoder) live in output/ and
// attach to a Stream as sinks; the Stream never names one (docs/architecture.md, "Layers").
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::media {

// What outputs add to a stream's report for the API and the metrics: viewers and bytes sent,
// per delivery format ("rtmp", "hls", ...).
struct OutputReport {
  std::map<std::string, size_t> viewers;
  std::map<std::string, uint64_t> bytes_out;
};

// An output attached to a Stream. Called on the stream's executor only, except report(), which
// runs where Stream::info() runs (the stream's executor too).
class Sink {
 public:
  virtual ~Sink() = default;
  // The publisher's tracks are known (first coded frame) or have changed.
  virtual void on_tracks(const Tracks& tracks) = 0;
  virtual void on_frame(const FramePtr& frame) = 0;
  // The publisher left (or was kicked); a later on_tracks() is a reconnect.
  virtual void on_end() = 0;

  // Attached while the stream is live: catch up from the stream's tracks and cached GOP. By
  // default the same calls a live stream makes; an output may do it more cheaply.
  virtual void seed(const Tracks& tracks, const std::vector<FramePtr>& gop) {
    on_tracks(tracks);
    for (const auto& f : gop)
      on_frame(f);
  }
  // True while viewers depend on it: a stream with no publisher is kept until no sink is in use
  // (viewers wait for a publisher to come back), and an on-demand sink is dropped only when
  // unused (Stream::release_sink).
  virtual bool in_use() const { return false; }
  // Adds its viewers and bytes to the stream's report.
  virtual void report(OutputReport& out) const {}
  // Server shutdown: end every viewer now.
  virtual void close_viewers(const std::string& reason) {}
};

}  // namespace firstmile::media
