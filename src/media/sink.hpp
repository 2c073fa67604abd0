#pragma once
#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::media {

// An output attached to a Stream (HLS segmenter, RTMP/FLV fan-out, later recorder and
// transcoder). Called on the stream's executor only.
class Sink {
 public:
  virtual ~Sink() = default;
  // The publisher's tracks are known (first coded frame) or have changed.
  virtual void on_tracks(const Tracks& tracks) = 0;
  virtual void on_frame(const FramePtr& frame) = 0;
  // The publisher left (or was kicked); a later on_tracks() is a reconnect.
  virtual void on_end() = 0;
};

}  // namespace firstmile::media
