#include "protocol/publish/publication.hpp"

namespace firstmile::publish {

Result<std::unique_ptr<Publication>> Publication::attach(std::shared_ptr<media::Stream> stream,
                                                         media::PublisherInfo info) {
  auto state = std::make_shared<State>();
  // The stream calls kick after it has let go of the publisher: mark the end first, so that the
  // protocol's own end() afterwards does not detach a second time.
  info.kick = [weak = std::weak_ptr<State>(state),
               kicked = std::move(info.kick)](const std::string& reason) {
    auto st = weak.lock();
    if (!st || st->ended) return;
    st->ended = true;
    if (kicked) kicked(reason);
  };
  auto id = stream->attach_publisher(std::move(info));
  if (!id) return id.error();
  std::unique_ptr<Publication> p(new Publication(std::move(stream), std::move(state)));
  p->id_ = *id;
  return p;
}

Publication::~Publication() {
  end("publisher gone");
}

void Publication::set_tracks(media::Tracks tracks) {
  if (!state_->ended) stream_->set_tracks(std::move(tracks));
}

void Publication::push(media::Frame frame) {
  if (!state_->ended) stream_->push(std::move(frame));
}

bool Publication::end(const std::string& reason) {
  if (state_->ended) return false;
  state_->ended = true;
  stream_->detach_publisher(id_, reason);
  return true;
}

}  // namespace firstmile::publish
