#include "output/viewer_attachment.hpp"

namespace firstmile::output {

ViewerAttachment ViewerAttachment::attach(media::Stream& stream, const std::string& format,
                                          const std::function<std::unique_ptr<Packager>()>& make,
                                          std::shared_ptr<Subscriber> viewer,
                                          media::ViewerEntry entry) {
  ViewerAttachment a;
  a.fanout_ = fanout(stream, format, make);
  a.viewer_ = viewer.get();
  // Headers and the cached GOP go to the viewer at once, then the client table hears of it.
  a.fanout_->add(viewer);
  a.id_ = stream.add_viewer(std::move(entry));
  a.stream_ = stream.shared_from_this();
  return a;
}

ViewerAttachment& ViewerAttachment::operator=(ViewerAttachment&& other) noexcept {
  if (this != &other) {
    detach("viewer gone");
    stream_ = std::move(other.stream_);
    fanout_ = std::move(other.fanout_);
    viewer_ = other.viewer_;
    id_ = other.id_;
    other.stream_.reset();
    other.viewer_ = nullptr;
  }
  return *this;
}

void ViewerAttachment::detach(const std::string& reason) {
  if (!stream_) return;
  auto stream = std::move(stream_);
  stream_.reset();
  fanout_->remove(viewer_);
  stream->remove_viewer(id_, reason);
  stream->release_sink(fanout_->format());
  fanout_.reset();
}

}  // namespace firstmile::output
