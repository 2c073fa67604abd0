#include "output/fanout_output.hpp"

#include <gtest/gtest.h>

#include "viewer_harness.hpp"

namespace firstmile::output {
namespace {

using namespace testing;  // NOLINT: the harness
using media::Codec;
using media::MediaKind;

// Packages a frame as its payload bytes (so what a viewer receives can be compared with what
// was pushed) and headers as "V:<codec string>" / "A:<codec string>" config packets.
class FakePackager : public Packager {
 public:
  explicit FakePackager(int& package_calls) : package_calls_(package_calls) {}
  std::vector<Packet> headers(const media::Tracks& tracks) override {
    std::vector<Packet> out;
    if (tracks.video) out.push_back(header("V:" + tracks.video->codec_string));
    if (tracks.audio) out.push_back(header("A:" + tracks.audio->codec_string));
    return out;
  }
  std::optional<Packet> package(const media::Frame& frame) override {
    ++package_calls_;
    if (frame.codec == Codec::Unknown) return std::nullopt;  // "this format cannot carry it"
    Packet p;
    p.data = Buffer::copy(frame.payload.span());
    p.dts = frame.dts;
    p.keyframe = frame.keyframe;
    return p;
  }

 private:
  static Packet header(const std::string& s) {
    Packet p;
    p.data = Buffer::copy(to_bytes(s));
    p.config = true;
    return p;
  }
  int& package_calls_;
};

media::Tracks tracks(const std::string& video, const std::string& audio = "") {
  media::Tracks t;
  if (!video.empty()) {
    t.video.emplace();
    t.video->codec = Codec::H264;
    t.video->codec_string = video;
  }
  if (!audio.empty()) {
    t.audio.emplace();
    t.audio->kind = MediaKind::Audio;
    t.audio->codec = Codec::AAC;
    t.audio->codec_string = audio;
  }
  return t;
}

media::FramePtr frame(const std::string& payload, int64_t ms, bool key = false,
                      Codec codec = Codec::H264) {
  auto f = std::make_shared<media::Frame>();
  f->kind = media::codec_kind(codec);
  f->codec = codec;
  f->dts = f->pts = ms * 90;
  f->keyframe = key;
  f->payload = Buffer::copy(to_bytes(payload));
  return f;
}

class FanoutOutputTest : public LoopbackFixture {
 protected:
  FanoutOutput make_output() {
    return FanoutOutput("test", std::make_unique<FakePackager>(package_calls_), config_);
  }
  // Reads exactly the concatenation of `parts` and compares.
  void expect_received(std::initializer_list<std::string> parts) {
    std::string expected;
    for (const auto& p : parts)
      expected += p;
    Bytes got = read_exact(expected.size(), 1s);
    EXPECT_EQ(std::string(got.begin(), got.end()), expected);
  }
  int package_calls_ = 0;
};

TEST_F(FanoutOutputTest, CoalescingFlushesEveryViewerOnOneTick) {
  // The hold is long against the checks below, so a slow (sanitized, loaded) machine cannot
  // make the tick fire inside the "nothing yet" window.
  config_.coalesce = 300ms;
  FanoutOutput out("test", std::make_unique<FakePackager>(package_calls_), config_,
                   ioc_.get_executor());
  out.on_tracks(tracks("avc1.64001f"));
  out.on_frame(frame("K0", 0, true));
  auto v = make_viewer();
  out.add(v);
  start_loop(v);
  expect_received({"V:avc1.64001f", "K0"});  // a new viewer's first bytes are not held
  // The write's completion (which counts the packets) may run after the client read them.
  ASSERT_TRUE(run_until([&] { return v->stats().packets_sent == 2; }, 1s));
  auto t0 = std::chrono::steady_clock::now();
  out.on_frame(frame("P1", 40));
  out.on_frame(frame("P2", 80));
  EXPECT_EQ(v->stats().packets_sent, 2u) << "held until the tick";
  EXPECT_TRUE(read_available(20ms).empty());
  expect_received({"P1", "P2"});  // both in one flush
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 290ms);
  EXPECT_LT(waited, 1500ms);
  EXPECT_TRUE(run_until([&] { return v->stats().packets_sent == 4; }, 1s));
}

TEST_F(FanoutOutputTest, PendingFlushTickOutlivingTheOutputIsHarmless) {
  config_.coalesce = 5ms;
  auto v = make_viewer();
  {
    FanoutOutput out("test", std::make_unique<FakePackager>(package_calls_), config_,
                     ioc_.get_executor());
    out.on_tracks(tracks("avc1.64001f"));
    out.add(v);
    out.on_frame(frame("K0", 0, true));
  }
  run_for(20ms);  // the tick's handler runs after the output is gone
  SUCCEED();
}

TEST_F(FanoutOutputTest, JoiningViewerGetsHeadersThenTheGopFromTheLastKeyframe) {
  auto out = make_output();
  out.on_tracks(tracks("avc1.64001f", "mp4a.40.2"));
  out.on_frame(frame("K0", 0, true));
  out.on_frame(frame("P1", 40));
  out.on_frame(frame("a1", 41, false, Codec::AAC));
  out.on_frame(frame("K3", 80, true));
  out.on_frame(frame("P4", 120));
  out.on_frame(frame("a4", 121, false, Codec::AAC));
  auto v = make_viewer();
  out.add(v);
  EXPECT_EQ(out.viewer_count(), 1u);
  start_loop(v);
  expect_received({"V:avc1.64001f", "A:mp4a.40.2", "K3", "P4", "a4"});
  out.on_frame(frame("P5", 160));  // live from here on
  expect_received({"P5"});
  EXPECT_TRUE(read_available().empty());
  EXPECT_EQ(v->stats().packets_dropped, 0u);
}

TEST_F(FanoutOutputTest, EachFrameIsPackagedOnceWhateverTheViewerCount) {
  auto out = make_output();
  out.on_tracks(tracks("avc1.42c01e"));
  auto live = make_viewer();
  std::vector<std::shared_ptr<Viewer>> idle;
  out.add(live);
  for (int i = 0; i < 4; ++i) {
    idle.push_back(make_viewer());
    out.add(idle.back());
  }
  start_loop(live);
  out.on_frame(frame("K0", 0, true));
  out.on_frame(frame("P1-xyz", 40));
  EXPECT_EQ(package_calls_, 2);
  for (auto& v : idle)
    EXPECT_EQ(v->queued_bytes(), std::string("V:avc1.42c01eK0P1-xyz").size());
  expect_received({"V:avc1.42c01e", "K0", "P1-xyz"});
}

TEST_F(FanoutOutputTest, ViewerJoiningBeforeAnyKeyframeWaitsForOne) {
  auto out = make_output();
  out.on_tracks(tracks("avc1.64001f"));
  out.on_frame(frame("P0", 0));  // a publisher that starts mid-GOP
  out.on_frame(frame("P1", 40));
  auto v = make_viewer();
  out.add(v);
  out.on_frame(frame("P2", 80));
  out.on_frame(frame("K3", 120, true));
  out.on_frame(frame("P4", 160));
  start_loop(v);
  expect_received({"V:avc1.64001f", "K3", "P4"});
  EXPECT_EQ(v->stats().packets_dropped, 3u);
}

TEST_F(FanoutOutputTest, NewTracksResendHeadersAndRestartTheCache) {
  auto out = make_output();
  out.on_tracks(tracks("avc1.64001f"));
  out.on_frame(frame("K0", 0, true));
  auto a = make_viewer();
  out.add(a);
  out.on_tracks(tracks("avc1.640028", "mp4a.40.2"));  // a new sequence header while live
  start_loop(a);
  expect_received({"V:avc1.64001f", "K0", "V:avc1.640028", "A:mp4a.40.2"});
  // A viewer joining now gets the new headers only, and waits for the next keyframe.
  auto b = make_viewer();
  out.add(b);
  EXPECT_EQ(b->queued_bytes(), std::string("V:avc1.640028A:mp4a.40.2").size());
  out.on_frame(frame("P1", 40));
  EXPECT_EQ(b->stats().packets_dropped, 1u);
  EXPECT_EQ(b->queued_bytes(), std::string("V:avc1.640028A:mp4a.40.2").size());
  expect_received({"P1"});  // viewer a was already past a keyframe
}

TEST_F(FanoutOutputTest, SeedBuildsTheCacheFromTheStreamGop) {
  auto out = make_output();
  out.seed(tracks("avc1.64001f"), {frame("K0", 0, true), frame("P1", 40), frame("P2", 80)});
  EXPECT_EQ(package_calls_, 3);
  auto v = make_viewer();
  out.add(v);
  start_loop(v);
  expect_received({"V:avc1.64001f", "K0", "P1", "P2"});
}

TEST_F(FanoutOutputTest, FramesTheFormatCannotCarryAreSkipped) {
  auto out = make_output();
  out.on_tracks(tracks("avc1.64001f"));
  out.on_frame(frame("K0", 0, true));
  out.on_frame(frame("??", 20, false, Codec::Unknown));
  out.on_frame(frame("P1", 40));
  auto v = make_viewer();
  out.add(v);
  start_loop(v);
  expect_received({"V:avc1.64001f", "K0", "P1"});
  EXPECT_EQ(package_calls_, 3);
}

TEST_F(FanoutOutputTest, GopLargerThanTheCapIsNotCached) {
  FanoutOutput out("test", std::make_unique<FakePackager>(package_calls_), config_, {}, 1000);
  out.on_tracks(tracks("avc1.64001f"));
  out.on_frame(frame("K" + std::string(599, 'k'), 0, true));
  out.on_frame(frame("P" + std::string(599, 'p'), 40));  // 1200 > 1000: drop the partial GOP
  out.on_frame(frame("P2", 80));
  auto v = make_viewer();
  out.add(v);
  // Headers only: a partial GOP cannot be decoded from its start.
  EXPECT_EQ(v->queued_bytes(), std::string("V:avc1.64001f").size());
  out.on_frame(frame("P3", 120));
  out.on_frame(frame("K4", 160, true));
  start_loop(v);
  expect_received({"V:avc1.64001f", "K4"});
}

TEST_F(FanoutOutputTest, OnEndFinishesViewersOrCallsOnStreamEnd) {
  auto out = make_output();
  out.on_tracks(tracks("avc1.64001f"));
  out.on_frame(frame("K0", 0, true));
  auto plain = make_viewer();
  auto rtmp_like = make_viewer();
  int stream_end_calls = 0;
  rtmp_like->on_stream_end = [&] { ++stream_end_calls; };
  out.add(plain);
  out.add(rtmp_like);
  start_loop(plain);
  out.on_frame(frame("P1", 40));
  out.on_end();
  EXPECT_EQ(stream_end_calls, 1);
  // The plain viewer writes what is queued, then its write loop ends.
  expect_received({"V:avc1.64001f", "K0", "P1"});
  EXPECT_TRUE(run_until([&] { return loops_returned_ == 1; }, 1s));
  EXPECT_FALSE(plain->closed());
  // The cache was dropped at the end: a new viewer gets no frames of the old publisher.
  auto late = make_viewer();
  out.add(late);
  EXPECT_EQ(late->queued_bytes(), std::string("V:avc1.64001f").size());
  // The RTMP-like viewer stays open and keeps receiving after a reconnect.
  uint64_t before = rtmp_like->queued_bytes();
  out.on_tracks(tracks("avc1.64001f"));
  EXPECT_EQ(rtmp_like->queued_bytes(), before + std::string("V:avc1.64001f").size());
  EXPECT_FALSE(rtmp_like->closed());
}

TEST_F(FanoutOutputTest, RemovedViewerGetsNothingMore) {
  auto out = make_output();
  out.on_tracks(tracks("avc1.64001f"));
  auto a = make_viewer();
  auto b = make_viewer();
  out.add(a);
  out.add(b);
  EXPECT_EQ(out.viewer_count(), 2u);
  out.remove(a.get());
  EXPECT_EQ(out.viewer_count(), 1u);
  EXPECT_EQ(out.viewers().front(), b);
  uint64_t a_before = a->queued_bytes();
  out.on_frame(frame("K0", 0, true));
  EXPECT_EQ(a->queued_bytes(), a_before);
  EXPECT_EQ(b->queued_bytes(), a_before + 2);
  out.remove(a.get());  // removing twice is harmless
  EXPECT_EQ(out.viewer_count(), 1u);
  EXPECT_EQ(out.format(), "test");
}

}  // namespace
}  // namespace firstmile::output
