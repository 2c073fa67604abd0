#pragma once
// Attaches an HlsSegmenter to a Stream as a sink.
#include <memory>

#include "media/sink.hpp"
#include "output/hls/segmenter.hpp"

namespace firstmile::hls {

class HlsOutput : public media::Sink {
 public:
  explicit HlsOutput(std::shared_ptr<HlsSegmenter> segmenter) : segmenter_(std::move(segmenter)) {}

  void on_tracks(const media::Tracks& tracks) override { segmenter_->start(tracks); }
  void on_frame(const media::FramePtr& frame) override { segmenter_->push(frame); }
  void on_end() override { segmenter_->end(); }

 private:
  std::shared_ptr<HlsSegmenter> segmenter_;
};

}  // namespace firstmile::hls
