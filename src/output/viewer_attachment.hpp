#pragma once
// The one viewer path, for every viewer of a fan-out (RTMP player, HTTP-FLV client, SRT player;
// RTSP and WHEP players next): attach() joins the viewer to the stream's fan-out of its format
// (made by the format's first viewer, seeded from the cached GOP, so the viewer starts at a
// keyframe at once) and to the stream's client table (an id, the on_play notification); the
// attachment's end leaves both (the viewer's counters go to the stream's totals, on_stop is
// sent) and lets the stream drop an unused fan-out and end if nobody is left. Stream executor
// only; the end happens exactly once, by detach() or by the destructor.
#include <functional>
#include <memory>
#include <string>

#include "media/stream.hpp"
#include "output/fanout_output.hpp"
#include "output/subscriber.hpp"

namespace firstmile::output {

class ViewerAttachment {
 public:
  ViewerAttachment() = default;
  static ViewerAttachment attach(media::Stream& stream, const std::string& format,
                                 const std::function<std::unique_ptr<Packager>()>& make,
                                 std::shared_ptr<Subscriber> viewer, media::ViewerEntry entry);
  ViewerAttachment(ViewerAttachment&& other) noexcept { *this = std::move(other); }
  ViewerAttachment& operator=(ViewerAttachment&& other) noexcept;
  ViewerAttachment(const ViewerAttachment&) = delete;
  ViewerAttachment& operator=(const ViewerAttachment&) = delete;
  ~ViewerAttachment() { detach("viewer gone"); }

  // Leaves the fan-out and the client table with `reason`. Only the first call does anything.
  void detach(const std::string& reason);
  bool attached() const { return stream_ != nullptr; }
  uint64_t id() const { return id_; }

 private:
  std::shared_ptr<media::Stream> stream_;
  std::shared_ptr<FanoutOutput> fanout_;
  const Subscriber* viewer_ = nullptr;  // the fan-out holds it
  uint64_t id_ = 0;
};

}  // namespace firstmile::output
