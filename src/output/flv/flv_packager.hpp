#pragma once
// HTTP-FLV packaging: each frame becomes one FLV tag (header, body, PreviousTagSize) in one
// shared buffer.
#include "output/packet.hpp"

namespace firstmile::output {

class FlvPackager : public Packager {
 public:
  std::vector<Packet> headers(const media::Tracks& tracks) override;
  std::optional<Packet> package(const media::Frame& frame) override;

 private:
  media::Tracks tracks_;
};

}  // namespace firstmile::output
