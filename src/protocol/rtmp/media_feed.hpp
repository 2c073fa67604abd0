#pragma once
// An RTMP publisher's media into its publication: audio and video messages (and aggregates of
// them) through FlvIngest, tracks announced when they change, frames pushed. Shared by the
// RTMP session (an encoder publishing) and the RTMP relay (the server playing from an origin).
#include <functional>
#include <memory>

#include "core/result.hpp"
#include "protocol/publish/publication.hpp"
#include "protocol/rtmp/flv_ingest.hpp"
#include "protocol/rtmp/wire/message.hpp"

namespace firstmile::rtmp {

class MediaFeed {
 public:
  explicit MediaFeed(std::unique_ptr<publish::Publication> publication)
      : publication_(std::move(publication)) {}

  // New or changed tracks, before the frame that brought them (for the caller's log line).
  std::function<void(const media::Tracks&)> on_tracks;
  // A malformed audio or video message: dropped, the publish goes on (MediaMTX's rule).
  std::function<void(const Error&)> on_error;

  // An audio, video or aggregate message. An error only for an aggregate that cannot be
  // split: the stream of messages is broken.
  Status feed(const Message& m);

  publish::Publication& publication() { return *publication_; }
  const IngestStats& stats() const { return ingest_.stats(); }

 private:
  void feed_one(const Message& m);

  std::unique_ptr<publish::Publication> publication_;
  FlvIngest ingest_;
};

}  // namespace firstmile::rtmp
