#pragma once
// The HLS output of one stream as the hub sees it: a sink that feeds the HlsSegmenter, plus the
// table of HTTP clients that fetch its segments (the "hls" viewers of the API and metrics).
// Attached by the server's stream setup under the key "hls"; the HTTP handlers find it there.
#include <memory>

#include "media/sink.hpp"
#include "output/hls/segmenter.hpp"
#include "output/http_clients.hpp"

namespace firstmile::hls {

class HlsOutput : public media::Sink {
 public:
  explicit HlsOutput(std::shared_ptr<HlsSegmenter> segmenter,
                     output::HttpClients::Clock::duration viewer_window)
      : segmenter_(std::move(segmenter)), clients_(viewer_window) {}

  void on_tracks(const media::Tracks& tracks) override { segmenter_->start(tracks); }
  void on_frame(const media::FramePtr& frame) override { segmenter_->push(frame); }
  void on_end() override { segmenter_->end(); }
  void report(media::OutputReport& out) const override {
    out.viewers["hls"] = clients_.viewers();
    if (auto bytes = clients_.bytes()) out.bytes_out["hls"] += bytes;
  }

  // Any thread.
  const std::shared_ptr<HlsSegmenter>& segmenter() const { return segmenter_; }
  output::HttpClients& clients() { return clients_; }

 private:
  std::shared_ptr<HlsSegmenter> segmenter_;
  output::HttpClients clients_;
};

}  // namespace firstmile::hls
