#pragma once
// A fan-out output: packages each frame once for one format (Packager) and hands the same
// Buffer to every viewer's queue. Keeps the packaged packets since the last keyframe, so that
// a new viewer starts at once with a decodable picture.
//
// With fanout.coalesce > 0 (and an executor), viewers hold packets back and the output flushes
// them all on one timer: the first frame after a flush arms it, so no byte waits longer than
// the interval, and every viewer's packets of that interval leave in one send. One timer per
// stream, not per viewer.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "media/sink.hpp"
#include "media/stream.hpp"
#include "output/fanout_config.hpp"
#include "output/packet.hpp"
#include "output/subscriber.hpp"
#include "output/viewer.hpp"

namespace firstmile::output {

class FanoutOutput : public media::Sink {
 public:
  // `executor` (the stream's) runs the flush tick; without one, coalescing viewers are only
  // flushed by their own thresholds. A GOP over `max_gop_cache_bytes` (the hub's cap,
  // fanout.max_gop_cache_bytes) is not cached.
  FanoutOutput(std::string format, std::unique_ptr<Packager> packager, const FanoutConfig& config,
               boost::asio::any_io_executor executor = {},
               uint64_t max_gop_cache_bytes = StreamConfig{}.max_gop_cache_bytes);
  ~FanoutOutput() override;
  FanoutOutput(FanoutOutput&&) = default;

  // media::Sink (stream executor).
  void on_tracks(const media::Tracks& tracks) override;
  void on_frame(const media::FramePtr& frame) override;
  void on_end() override;
  // Caught up from the stream's GOP when the first viewer of this format arrives.
  void seed(const media::Tracks& tracks, const std::vector<media::FramePtr>& gop) override;
  bool in_use() const override { return !viewers_.empty(); }
  void report(media::OutputReport& out) const override { out.viewers[format_] += viewers_.size(); }
  void close_viewers(const std::string& reason) override;

  // Attaches a viewer: it receives the headers and the cached GOP at once.
  void add(const std::shared_ptr<Subscriber>& viewer);
  void remove(const Subscriber* viewer);
  size_t viewer_count() const { return viewers_.size(); }
  const std::string& format() const { return format_; }
  const std::vector<std::shared_ptr<Subscriber>>& viewers() const { return viewers_; }

 private:
  void cache(const Packet& packet);
  void arm_flush();

  // Shared with the pending timer handler, which must not touch an output that is gone.
  struct FlushTick {
    explicit FlushTick(boost::asio::any_io_executor executor) : timer(std::move(executor)) {}
    boost::asio::steady_timer timer;
    FanoutOutput* owner = nullptr;
    bool armed = false;
  };

  std::string format_;
  std::unique_ptr<Packager> packager_;
  const FanoutConfig& config_;
  uint64_t max_gop_cache_bytes_;
  std::vector<Packet> headers_;
  std::vector<Packet> gop_;
  uint64_t gop_bytes_ = 0;
  bool gop_has_keyframe_ = false;
  std::vector<std::shared_ptr<Subscriber>> viewers_;
  std::shared_ptr<FlushTick> tick_;  // null unless coalescing with an executor
};

// The stream's fan-out of `format` ("rtmp", "flv", "ts"), made with `make`'s packager by its
// first viewer and shared by the others (Stream::demand_sink). Stream executor only.
std::shared_ptr<FanoutOutput> fanout(media::Stream& stream, const std::string& format,
                                     const std::function<std::unique_ptr<Packager>()>& make);

}  // namespace firstmile::output
