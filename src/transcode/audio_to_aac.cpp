#include "transcode/audio_to_aac.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
}

#include <cstdlib>
#include <mutex>

#include "media/codec/track_info.hpp"

namespace firstmile::transcode {

namespace {

constexpr int64_t kResyncTicks = media::kTimeBase / 5;  // 200 ms

std::string av_error(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

struct CodecContextFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

}  // namespace

struct AudioToAac::Codecs {
  std::unique_ptr<AVCodecContext, CodecContextFree> decoder;
  std::unique_ptr<AVCodecContext, CodecContextFree> encoder;
  std::unique_ptr<AVFrame, FrameFree> decoded{av_frame_alloc()};
  std::unique_ptr<AVPacket, PacketFree> packet{av_packet_alloc()};
  int rate = 0;
  int channels = 0;
};

Result<std::unique_ptr<AudioToAac>> AudioToAac::create(const media::TrackInfo& input) {
  // libav* would print to stderr in a format of its own (the AAC encoder's statistics when it
  // closes): what goes wrong is counted here and reported on the publisher's stop line.
  static std::once_flag quiet;
  std::call_once(quiet, [] { av_log_set_level(AV_LOG_QUIET); });
  if (input.codec != media::Codec::G711A && input.codec != media::Codec::G711U)
    return fail("only G.711 audio is made AAC here, not ", media::codec_name(input.codec));
  const int rate = static_cast<int>(input.sample_rate);
  const int channels = input.channels;
  if (rate < 8000 || rate > 48000) return fail("G.711 at ", rate, " Hz");
  if (channels < 1 || channels > 2) return fail("G.711 with ", channels, " channels");

  auto codecs = std::make_unique<Codecs>();
  codecs->rate = rate;
  codecs->channels = channels;
  if (!codecs->decoded || !codecs->packet) return fail("out of memory");
  const AVCodec* decoder = avcodec_find_decoder(
      input.codec == media::Codec::G711A ? AV_CODEC_ID_PCM_ALAW : AV_CODEC_ID_PCM_MULAW);
  const AVCodec* encoder = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (!decoder || !encoder) return fail("libavcodec has no G.711 decoder or AAC encoder");

  codecs->decoder.reset(avcodec_alloc_context3(decoder));
  codecs->encoder.reset(avcodec_alloc_context3(encoder));
  if (!codecs->decoder || !codecs->encoder) return fail("out of memory");
  AVCodecContext* d = codecs->decoder.get();
  d->sample_rate = rate;
  av_channel_layout_default(&d->ch_layout, channels);
  if (int e = avcodec_open2(d, decoder, nullptr); e < 0)
    return fail("G.711 decoder: ", av_error(e));

  AVCodecContext* c = codecs->encoder.get();
  c->sample_fmt = AV_SAMPLE_FMT_FLTP;
  c->sample_rate = rate;
  av_channel_layout_default(&c->ch_layout, channels);
  // About what the G.711 carries (64 kbit/s of 8 kHz speech): 32 kbit/s a channel, within the
  // AAC-LC maximum for the rate (6144 bits a 1024-sample frame).
  c->bit_rate = std::min<int64_t>(32000, 6144LL * rate / 1024 - 1000) * channels;
  c->time_base = AVRational{1, rate};
  c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // the AudioSpecificConfig as extradata
  if (int e = avcodec_open2(c, encoder, nullptr); e < 0) return fail("AAC encoder: ", av_error(e));
  if (c->extradata_size < 2 || c->frame_size <= 0)
    return fail("AAC encoder: no AudioSpecificConfig");

  media::TrackInfo track;
  track.kind = media::MediaKind::Audio;
  track.codec = media::Codec::AAC;
  track.config = Buffer::copy(ByteSpan(c->extradata, static_cast<size_t>(c->extradata_size)));
  if (auto st = media::describe_track(track); !st) return st.error();
  return std::unique_ptr<AudioToAac>(new AudioToAac(std::move(codecs), std::move(track)));
}

AudioToAac::AudioToAac(std::unique_ptr<Codecs> codecs, media::TrackInfo track)
    : codecs_(std::move(codecs)), track_(std::move(track)) {
  pending_.resize(static_cast<size_t>(codecs_->channels));
}

AudioToAac::~AudioToAac() = default;

void AudioToAac::push(const media::Frame& frame, std::vector<media::Frame>& out) {
  ++counters_.frames_in;
  const int rate = codecs_->rate;
  // Where this frame's first sample falls on the encoder's sample clock.
  const int64_t expected = origin_ticks_ + samples_in_ * media::kTimeBase / rate;
  if (!anchored_) {
    origin_ticks_ = frame.pts;
    anchored_ = true;
  } else if (std::llabs(frame.pts - expected) > kResyncTicks) {
    // A gap or a reset: the samples from here on are placed at the frame's own time.
    origin_ticks_ = frame.pts - samples_in_ * media::kTimeBase / rate;
    ++counters_.resyncs;
  }
  AVPacket* p = codecs_->packet.get();
  av_packet_unref(p);
  p->data = const_cast<uint8_t*>(frame.payload.data());
  p->size = static_cast<int>(frame.payload.size());
  if (avcodec_send_packet(codecs_->decoder.get(), p) < 0) {
    p->data = nullptr;
    p->size = 0;
    ++counters_.errors;
    return;
  }
  p->data = nullptr;
  p->size = 0;
  AVFrame* d = codecs_->decoded.get();
  while (avcodec_receive_frame(codecs_->decoder.get(), d) == 0) {
    // The G.711 decoder gives signed 16-bit samples, interleaved.
    const auto* samples = reinterpret_cast<const int16_t*>(d->data[0]);
    const int channels = codecs_->channels;
    for (int i = 0; i < d->nb_samples; ++i) {
      for (int ch = 0; ch < channels; ++ch)
        pending_[static_cast<size_t>(ch)].push_back(samples[i * channels + ch] / 32768.0f);
    }
    samples_in_ += d->nb_samples;
    av_frame_unref(d);
  }
  encode_ready(out, false);
}

void AudioToAac::encode_ready(std::vector<media::Frame>& out, bool final) {
  AVCodecContext* c = codecs_->encoder.get();
  const auto frame_size = static_cast<size_t>(c->frame_size);
  while (!pending_[0].empty() && (pending_[0].size() >= frame_size || final)) {
    std::unique_ptr<AVFrame, FrameFree> f(av_frame_alloc());
    if (!f) return;
    f->format = AV_SAMPLE_FMT_FLTP;
    f->sample_rate = codecs_->rate;
    f->nb_samples = static_cast<int>(frame_size);
    av_channel_layout_copy(&f->ch_layout, &c->ch_layout);
    if (av_frame_get_buffer(f.get(), 0) < 0) {
      ++counters_.errors;
      return;
    }
    const size_t n = std::min(frame_size, pending_[0].size());
    for (size_t ch = 0; ch < pending_.size(); ++ch) {
      auto* dst = reinterpret_cast<float*>(f->data[ch]);
      std::copy(pending_[ch].begin(), pending_[ch].begin() + static_cast<ptrdiff_t>(n), dst);
      std::fill(dst + n, dst + frame_size, 0.0f);  // the last frame, padded
      pending_[ch].erase(pending_[ch].begin(), pending_[ch].begin() + static_cast<ptrdiff_t>(n));
    }
    f->pts = samples_sent_;
    samples_sent_ += static_cast<int64_t>(frame_size);
    if (avcodec_send_frame(c, f.get()) < 0) {
      ++counters_.errors;
      continue;
    }
    drain(out);
  }
}

void AudioToAac::drain(std::vector<media::Frame>& out) {
  AVCodecContext* c = codecs_->encoder.get();
  AVPacket* p = codecs_->packet.get();
  while (avcodec_receive_packet(c, p) == 0) {
    media::Frame f;
    f.kind = media::MediaKind::Audio;
    f.codec = media::Codec::AAC;
    // The encoder's priming makes its first packets' times negative: they come before the
    // first input sample, as decoders expect.
    f.pts = f.dts = origin_ticks_ + p->pts * media::kTimeBase / codecs_->rate;
    f.keyframe = true;
    f.payload = Buffer::copy(ByteSpan(p->data, static_cast<size_t>(p->size)));
    ++counters_.frames_out;
    out.push_back(std::move(f));
    av_packet_unref(p);
  }
}

void AudioToAac::flush(std::vector<media::Frame>& out) {
  if (!anchored_) return;
  encode_ready(out, true);
  if (avcodec_send_frame(codecs_->encoder.get(), nullptr) == 0) drain(out);
}

}  // namespace firstmile::transcode
