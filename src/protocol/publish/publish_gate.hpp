#pragma once
// For a publisher whose connection is served on another thread than its stream (SRT's own
// thread, a UDP input's worker): settles "the connection ended" against "the publish was just
// attached on the stream's executor", so that the publication is ended whichever comes first
// and however they interleave. Both flags are sequentially consistent: either close() sees the
// attach, or the attaching side sees the close (and both may; ending is idempotent).
#include <atomic>

namespace firstmile::publish {

class PublishGate {
 public:
  // Connection side, when the connection ends: true when the publish is attached, so the caller
  // must post its end to the stream's executor; false when it is not (yet): an attach still to
  // come sees closed() and does not attach, or ends at once (attached() below).
  bool close() {
    closed_.store(true);
    return attached_.load();
  }
  // Stream executor, right after a successful attach: false when the connection was closed
  // meanwhile, so the caller ends the publication now.
  bool open() {
    attached_.store(true);
    return !closed_.load();
  }
  bool closed() const { return closed_.load(); }
  bool attached() const { return attached_.load(); }

 private:
  std::atomic<bool> closed_{false};
  std::atomic<bool> attached_{false};
};

}  // namespace firstmile::publish
