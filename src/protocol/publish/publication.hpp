#pragma once
// A publisher's hold on its stream: the "attach" and "end" of the one publish path
// (docs/architecture.md, "Publish path"). Made on the stream's executor once the publish was
// admitted; it ends exactly once: by end(), by its destructor (RAII: no attach without its
// detach), or by the stream letting go of it (take-over, API kick, shutdown), in which case the
// protocol's kick callback then ends the connection.
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "media/frame.hpp"
#include "media/stream.hpp"
#include "media/track.hpp"

namespace firstmile::publish {

class Publication {
 public:
  // Stream executor. Registers `info` as the stream's publisher. `info.kick`, if set, runs when
  // the stream lets go of the publisher: the publication has ended by then, so the protocol
  // only ends its connection. Fails when the stream refuses (it has a publisher and
  // rtmp.on_conflict is refuse).
  static Result<std::unique_ptr<Publication>> attach(std::shared_ptr<media::Stream> stream,
                                                     media::PublisherInfo info);
  // Ends the publication ("publisher gone") unless it has ended. Stream executor.
  ~Publication();
  Publication(const Publication&) = delete;
  Publication& operator=(const Publication&) = delete;

  // The publisher's tracks and frames, passed on while the publication lasts.
  void set_tracks(media::Tracks tracks);
  void push(media::Frame frame);

  // Detaches the publisher with `reason`. Only the first end does anything (a kick counts as
  // one); returns whether this call ended it.
  bool end(const std::string& reason);
  bool ended() const { return state_->ended; }

  const std::shared_ptr<media::Stream>& stream() const { return stream_; }
  uint64_t id() const { return id_; }

 private:
  // Shared with the kick callback the stream holds, which may outlive the publication.
  struct State {
    bool ended = false;
  };
  Publication(std::shared_ptr<media::Stream> stream, std::shared_ptr<State> state)
      : stream_(std::move(stream)), state_(std::move(state)) {}

  std::shared_ptr<media::Stream> stream_;
  std::shared_ptr<State> state_;
  uint64_t id_ = 0;
};

}  // namespace firstmile::publish
