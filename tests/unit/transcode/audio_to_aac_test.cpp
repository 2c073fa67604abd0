// G.711 made AAC: a 440 Hz tone in A-law comes out as AAC frames, timed from the input, that
// libavcodec's AAC decoder turns back into the tone.
#include "transcode/audio_to_aac.hpp"

#include <gtest/gtest.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
}

#include <cmath>

namespace firstmile::transcode {
namespace {

// ITU-T G.711 A-law of a 16-bit sample.
uint8_t alaw(int16_t pcm) {
  int sign = pcm >= 0 ? 0x80 : 0;
  int v = pcm >= 0 ? pcm : -pcm - 1;
  v >>= 3;  // 13-bit magnitude
  int exponent = 0;
  for (int m = v >> 4; m > 1 && exponent < 7; m >>= 1)
    ++exponent;
  const int mantissa = exponent == 0 ? (v >> 1) & 0x0f : (v >> exponent) & 0x0f;
  return static_cast<uint8_t>((sign | (exponent << 4) | mantissa) ^ 0x55);
}

media::TrackInfo g711a(uint32_t rate = 8000) {
  media::TrackInfo t;
  t.kind = media::MediaKind::Audio;
  t.codec = media::Codec::G711A;
  t.sample_rate = rate;
  t.channels = 1;
  return t;
}

// 20 ms packets of a 440 Hz tone at half scale, from `first` (90 kHz ticks).
std::vector<media::Frame> tone(int packets, int64_t first, int start_sample = 0) {
  std::vector<media::Frame> out;
  for (int p = 0; p < packets; ++p) {
    Bytes payload;
    for (int i = 0; i < 160; ++i) {
      const int n = start_sample + p * 160 + i;
      payload.push_back(alaw(static_cast<int16_t>(16384 * std::sin(2 * M_PI * 440 * n / 8000.0))));
    }
    media::Frame f;
    f.kind = media::MediaKind::Audio;
    f.codec = media::Codec::G711A;
    f.pts = f.dts = first + p * 1800;
    f.keyframe = true;
    f.payload = Buffer::adopt(std::move(payload));
    out.push_back(std::move(f));
  }
  return out;
}

// Decodes AAC frames with libavcodec; the samples of channel 0.
std::vector<float> decode(const media::TrackInfo& track, const std::vector<media::Frame>& frames) {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_AAC);
  AVCodecContext* c = avcodec_alloc_context3(codec);
  c->extradata =
      static_cast<uint8_t*>(av_mallocz(track.config.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  std::copy(track.config.data(), track.config.data() + track.config.size(), c->extradata);
  c->extradata_size = static_cast<int>(track.config.size());
  EXPECT_EQ(avcodec_open2(c, codec, nullptr), 0);
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  std::vector<float> samples;
  for (const auto& f : frames) {
    av_new_packet(pkt, static_cast<int>(f.payload.size()));
    std::copy(f.payload.data(), f.payload.data() + f.payload.size(), pkt->data);
    EXPECT_EQ(avcodec_send_packet(c, pkt), 0);
    av_packet_unref(pkt);
    while (avcodec_receive_frame(c, frame) == 0) {
      EXPECT_EQ(frame->format, AV_SAMPLE_FMT_FLTP);
      const auto* d = reinterpret_cast<const float*>(frame->data[0]);
      samples.insert(samples.end(), d, d + frame->nb_samples);
      av_frame_unref(frame);
    }
  }
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&c);
  return samples;
}

TEST(AudioToAac, G711ToneBecomesAnAacTone) {
  auto t = AudioToAac::create(g711a());
  ASSERT_TRUE(t) << t.error().message;
  AudioToAac& aac = **t;
  EXPECT_EQ(aac.track().codec, media::Codec::AAC);
  EXPECT_EQ(aac.track().sample_rate, 8000u);
  EXPECT_EQ(aac.track().channels, 1u);
  EXPECT_EQ(aac.track().codec_string, "mp4a.40.2");

  std::vector<media::Frame> out;
  for (const auto& f : tone(50, 900000))  // 1 s from t = 10 s
    aac.push(f, out);
  aac.flush(out);
  // 8000 samples and the encoder's 1024 of priming: 9 frames of 1024 (the last padded).
  ASSERT_EQ(out.size(), 9u);
  EXPECT_EQ(aac.counters().frames_in, 50u);
  EXPECT_EQ(aac.counters().frames_out, 9u);
  EXPECT_EQ(aac.counters().errors, 0u);
  // Timed from the input: the priming frame comes one frame before the first sample.
  EXPECT_EQ(out[0].pts, 900000 - 11520);
  for (size_t i = 1; i < out.size(); ++i) {
    EXPECT_EQ(out[i].pts - out[i - 1].pts, 11520);  // 1024 samples at 8 kHz
    EXPECT_EQ(out[i].dts, out[i].pts);
    EXPECT_EQ(out[i].codec, media::Codec::AAC);
  }

  // Decoded back: a tone of the same level (RMS of a half-scale sine: 0.354) and pitch.
  const auto pcm = decode(aac.track(), out);
  ASSERT_GE(pcm.size(), 9000u);
  double energy = 0;
  int crossings = 0;
  for (size_t i = 2048; i < 2048 + 4000; ++i) {  // half a second past the priming
    energy += pcm[i] * pcm[i];
    if ((pcm[i - 1] < 0) != (pcm[i] < 0)) ++crossings;
  }
  const double rms = std::sqrt(energy / 4000);
  EXPECT_NEAR(rms, 0.354, 0.06);
  EXPECT_NEAR(crossings, 440, 20);  // two a period over 0.5 s
}

TEST(AudioToAac, AJumpInTheInputMovesTheOutput) {
  auto t = AudioToAac::create(g711a());
  ASSERT_TRUE(t);
  std::vector<media::Frame> out;
  for (const auto& f : tone(64, 0))
    (*t)->push(f, out);
  const size_t before = out.size();
  // The source restarts 5 s later; its frames are placed at their own time.
  for (const auto& f : tone(64, 450000 + 64 * 1800, 64 * 160))
    (*t)->push(f, out);
  EXPECT_EQ((*t)->counters().resyncs, 1u);
  ASSERT_GT(out.size(), before + 5);
  EXPECT_GE(out.back().pts, 450000 + 64 * 1800);
  // Small jitter is not a jump.
  auto again = AudioToAac::create(g711a());
  auto frames = tone(10, 0);
  frames[5].pts += 900;  // 10 ms late
  for (const auto& f : frames)
    (*again)->push(f, out);
  EXPECT_EQ((*again)->counters().resyncs, 0u);
}

TEST(AudioToAac, RefusesWhatItDoesNotConvert) {
  auto opus = g711a();
  opus.codec = media::Codec::Opus;
  EXPECT_FALSE(AudioToAac::create(opus));
  auto three = g711a();
  three.channels = 3;
  EXPECT_FALSE(AudioToAac::create(three));
  EXPECT_FALSE(AudioToAac::create(g711a(4000)));
}

}  // namespace
}  // namespace firstmile::transcode
