#pragma once
// A camera's G.711 audio (A-law or µ-law, RTP payload types PCMA/PCMU) made AAC-LC, which HLS,
// LL-HLS, DASH, RTMP, HTTP-FLV and SRT carry and G.711 is not: libavcodec decodes the G.711 and
// its native AAC encoder makes 1024-sample frames at the same sample rate and channel count.
// Once per stream, on the stream's executor, by the publisher's ingest before the hub sees the
// frames; nothing per viewer. Timestamps follow the input's: the encoder's sample clock is
// anchored at the first frame's time and re-anchored after a jump of over 200 ms (a gap or a
// reset in the source), so the AAC stays where the G.711 was.
#include <cstdint>
#include <memory>
#include <vector>

#include "core/result.hpp"
#include "media/frame.hpp"
#include "media/track.hpp"

namespace firstmile::transcode {

class AudioToAac {
 public:
  // `input`: a G711A or G711U track with its sample rate and channel count (1 or 2).
  static Result<std::unique_ptr<AudioToAac>> create(const media::TrackInfo& input);
  ~AudioToAac();
  AudioToAac(const AudioToAac&) = delete;
  AudioToAac& operator=(const AudioToAac&) = delete;

  // The AAC track: its AudioSpecificConfig is the encoder's.
  const media::TrackInfo& track() const { return track_; }

  // One input frame (any number of samples); appends the AAC frames it completes.
  void push(const media::Frame& frame, std::vector<media::Frame>& out);
  // The samples still held, padded to a last frame, and what the encoder holds back.
  void flush(std::vector<media::Frame>& out);

  struct Counters {
    uint64_t frames_in = 0;
    uint64_t frames_out = 0;
    uint64_t errors = 0;   // input the decoder or the encoder refused
    uint64_t resyncs = 0;  // timestamp jumps the sample clock was re-anchored after
  };
  const Counters& counters() const { return counters_; }

 private:
  struct Codecs;
  explicit AudioToAac(std::unique_ptr<Codecs> codecs, media::TrackInfo track);
  void encode_ready(std::vector<media::Frame>& out, bool final);
  void drain(std::vector<media::Frame>& out);

  std::unique_ptr<Codecs> codecs_;
  media::TrackInfo track_;
  Counters counters_;
  // Decoded samples waiting for a whole encoder frame, one vector per channel.
  std::vector<std::vector<float>> pending_;
  int64_t samples_in_ = 0;    // samples decoded since the first frame
  int64_t samples_sent_ = 0;  // samples given to the encoder
  bool anchored_ = false;
  int64_t origin_ticks_ = 0;  // the time (90 kHz) of sample 0
};

}  // namespace firstmile::transcode
