#include "media/stream.hpp"
#include "output/fanout_config.hpp"
#include "output/fanout_output.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <string>
#include <vector>

namespace firstmile::media {
namespace {

using namespace std::chrono_literals;

// Records what a Stream hands to an output, in order: "T" tracks, "F" frame, "E" end.
class RecordingSink : public Sink {
 public:
  void on_tracks(const Tracks& tracks) override {
    events += "T";
    last_tracks = tracks;
  }
  void on_frame(const FramePtr& frame) override {
    events += "F";
    frames.push_back(frame);
  }
  void on_end() override { events += "E"; }

  std::vector<int64_t> dts_ms() const {
    std::vector<int64_t> out;
    for (const auto& f : frames)
      out.push_back(f->dts / 90);
    return out;
  }
  std::string payloads() const {
    std::string out;
    for (const auto& f : frames) {
      if (!out.empty()) out += ",";
      out.append(reinterpret_cast<const char*>(f->payload.data()), f->payload.size());
    }
    return out;
  }

  std::string events;
  Tracks last_tracks;
  std::vector<FramePtr> frames;
};

// Packages a frame as its payload (see output/fanout_output_test.cpp), counting calls.
class CountingPackager : public output::Packager {
 public:
  explicit CountingPackager(int& calls) : calls_(calls) {}
  std::vector<output::Packet> headers(const Tracks&) override {
    output::Packet p;
    p.data = Buffer::copy(Bytes{'H'});
    p.config = true;
    return {p};
  }
  std::optional<output::Packet> package(const Frame& frame) override {
    ++calls_;
    output::Packet p;
    p.data = frame.payload;
    p.dts = frame.dts;
    p.keyframe = frame.keyframe;
    return p;
  }

 private:
  int& calls_;
};

Tracks av_tracks() {
  Tracks t;
  t.video.emplace();
  t.video->codec = Codec::H264;
  t.video->codec_string = "avc1.64001f";
  t.video->width = 160;
  t.video->height = 120;
  t.audio.emplace();
  t.audio->kind = MediaKind::Audio;
  t.audio->codec = Codec::AAC;
  t.audio->codec_string = "mp4a.40.2";
  return t;
}

Tracks audio_only() {
  Tracks t = av_tracks();
  t.video.reset();
  return t;
}

Frame video(const std::string& payload, int64_t ms, bool key = false, int64_t cts_ms = 0) {
  Frame f;
  f.kind = MediaKind::Video;
  f.codec = Codec::H264;
  f.dts = ms * 90;
  f.pts = (ms + cts_ms) * 90;
  f.keyframe = key;
  f.payload = Buffer::copy(Bytes(payload.begin(), payload.end()));
  return f;
}

Frame audio(const std::string& payload, int64_t ms) {
  Frame f = video(payload, ms, true);
  f.kind = MediaKind::Audio;
  f.codec = Codec::AAC;
  return f;
}

class StreamHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.stream.linger = 30ms;
    log_ = make_logger(LogConfig{"off", "text"});
  }

  std::shared_ptr<Stream> make_stream() {
    stream_ = std::make_shared<Stream>("live", "cam", ioc_.get_executor(), config_, log_,
                                       [this](Stream& s) {
                                         ++idle_calls_;
                                         EXPECT_EQ(&s, stream_.get());
                                       });
    return stream_;
  }

  PublisherInfo publisher(const std::string& peer, std::vector<std::string>* kicks = nullptr) {
    PublisherInfo p;
    p.protocol = "rtmp";
    p.peer = peer;
    p.query = "key=secret";
    if (kicks) p.kick = [kicks](const std::string& reason) { kicks->push_back(reason); };
    return p;
  }

  // Attaches a publisher and announces the tracks; returns the publisher id.
  uint64_t go_live(Stream& s, const std::string& peer, Tracks tracks = av_tracks()) {
    auto id = s.attach_publisher(publisher(peer));
    EXPECT_TRUE(id.ok());
    s.set_tracks(std::move(tracks));
    return id.ok() ? *id : 0;
  }

  void run_for(std::chrono::milliseconds d) {
    ioc_.restart();
    ioc_.run_for(d);
  }

  boost::asio::io_context ioc_;
  Config config_;
  Logger log_;
  std::shared_ptr<Stream> stream_;
  int idle_calls_ = 0;
};

TEST_F(StreamHubTest, AttachAndDetachPublisher) {
  auto s = make_stream();
  EXPECT_EQ(s->path(), "live/cam");
  EXPECT_FALSE(s->has_publisher());
  auto id = s->attach_publisher(publisher("10.0.0.1:5000"));
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(s->has_publisher());
  auto info = s->info();
  ASSERT_TRUE(info.publisher.has_value());
  EXPECT_EQ(info.publisher->peer, "10.0.0.1:5000");
  EXPECT_EQ(info.publisher->protocol, "rtmp");
  EXPECT_FALSE(info.publisher->kick);  // the copy for the API carries no callback
  EXPECT_FALSE(info.live);             // no tracks yet
  EXPECT_EQ(info.publishes, 1u);
  s->detach_publisher(*id + 1, "someone else");  // a stale id is ignored
  EXPECT_TRUE(s->has_publisher());
  s->detach_publisher(*id, "done");
  EXPECT_FALSE(s->has_publisher());
  EXPECT_FALSE(s->info().publisher.has_value());
}

TEST_F(StreamHubTest, SecondPublisherIsRefusedUnderRefuse) {
  config_.stream.on_conflict = PublishConflict::Refuse;
  auto s = make_stream();
  std::vector<std::string> kicks;
  auto first = s->attach_publisher(publisher("10.0.0.1:5000", &kicks));
  ASSERT_TRUE(first.ok());
  auto second = s->attach_publisher(publisher("10.0.0.2:6000"));
  ASSERT_FALSE(second.ok());
  // The newcomer is told why, not who holds the name (the stream's log line says that).
  EXPECT_NE(second.error().message.find("already being published"), std::string::npos)
      << second.error().message;
  EXPECT_EQ(second.error().message.find("10.0.0.1"), std::string::npos) << second.error().message;
  EXPECT_TRUE(kicks.empty());
  EXPECT_EQ(s->info().publisher->peer, "10.0.0.1:5000");
  EXPECT_EQ(s->info().publishes, 1u);
}

TEST_F(StreamHubTest, SecondPublisherTakesOverUnderTakeOver) {
  config_.stream.on_conflict = PublishConflict::TakeOver;
  auto s = make_stream();
  auto sink = std::make_shared<RecordingSink>();
  s->add_sink(sink);
  std::vector<std::string> kicks;
  auto first = s->attach_publisher(publisher("10.0.0.1:5000", &kicks));
  ASSERT_TRUE(first.ok());
  s->set_tracks(av_tracks());
  auto second = s->attach_publisher(publisher("10.0.0.2:6000"));
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*second, *first);
  ASSERT_EQ(kicks.size(), 1u);
  EXPECT_NE(kicks[0].find("10.0.0.2:6000"), std::string::npos) << kicks[0];
  EXPECT_EQ(sink->events, "TE");  // the first publisher's outputs were ended
  EXPECT_EQ(s->info().publisher->peer, "10.0.0.2:6000");
  EXPECT_EQ(s->info().publishes, 2u);
  // The kicked session detaching later must not detach the new publisher.
  s->detach_publisher(*first, "kicked");
  EXPECT_TRUE(s->has_publisher());
  EXPECT_EQ(s->info().publisher->peer, "10.0.0.2:6000");
}

TEST_F(StreamHubTest, KickPublisherCallsKickAndDetaches) {
  auto s = make_stream();
  std::vector<std::string> kicks;
  ASSERT_TRUE(s->attach_publisher(publisher("10.0.0.1:5000", &kicks)).ok());
  s->kick_publisher("api");
  EXPECT_EQ(kicks, std::vector<std::string>{"api"});
  EXPECT_FALSE(s->has_publisher());
  s->kick_publisher("again");  // nothing to kick
  EXPECT_EQ(kicks.size(), 1u);
}

TEST_F(StreamHubTest, FramesBeforeSetTracksAreDropped) {
  auto s = make_stream();
  auto sink = std::make_shared<RecordingSink>();
  s->add_sink(sink);
  s->push(video("early", 0, true));  // no publisher at all
  ASSERT_TRUE(s->attach_publisher(publisher("p:1")).ok());
  s->push(video("early", 0, true));  // publisher, but no tracks yet
  EXPECT_EQ(sink->events, "");
  EXPECT_EQ(s->info().bytes_in, 0u);
  EXPECT_FALSE(s->tracks_ready());
  s->set_tracks(av_tracks());
  EXPECT_TRUE(s->tracks_ready());
  s->push(video("K", 40, true));
  EXPECT_EQ(sink->events, "TF");
  EXPECT_EQ(sink->last_tracks.video->codec_string, "avc1.64001f");
  EXPECT_EQ(sink->payloads(), "K");
}

TEST_F(StreamHubTest, ReconnectContinuesTheTimelineMonotonically) {
  auto s = make_stream();
  auto sink = std::make_shared<RecordingSink>();
  s->add_sink(sink);
  auto first = go_live(*s, "a:1");
  s->push(video("K0", 1000, true));
  s->push(audio("a0", 1010));
  s->push(video("P1", 1040, false, 80));
  s->detach_publisher(first, "gone");
  EXPECT_EQ(sink->events, "TFFFE");
  // The encoder restarts: its timestamps start again from 0.
  go_live(*s, "a:2");
  s->push(video("K2", 0, true, 40));
  s->push(audio("a2", 20));
  s->push(video("P3", 40));
  ASSERT_EQ(sink->frames.size(), 6u);
  // One 30 fps frame (3000 ticks) after the last timestamp, then the original spacing.
  const int64_t base = 1040 * 90 + 3000;
  EXPECT_EQ(sink->frames[3]->dts, base);
  EXPECT_EQ(sink->frames[3]->pts, base + 40 * 90);
  EXPECT_TRUE(sink->frames[3]->discontinuity);
  EXPECT_EQ(sink->frames[4]->dts, base + 20 * 90);
  EXPECT_FALSE(sink->frames[4]->discontinuity);
  EXPECT_EQ(sink->frames[5]->dts, base + 40 * 90);
  EXPECT_FALSE(sink->frames[5]->discontinuity);
  for (size_t i = 1; i < sink->frames.size(); ++i) {
    EXPECT_GT(sink->frames[i]->dts, sink->frames[i - 1]->dts) << i;
  }
  EXPECT_EQ(sink->events, "TFFFETFFF");
}

TEST_F(StreamHubTest, ReconnectThatJumpsAheadIsPulledBack) {
  auto s = make_stream();
  auto sink = std::make_shared<RecordingSink>();
  s->add_sink(sink);
  auto first = go_live(*s, "a:1");
  s->push(video("K0", 0, true));
  s->detach_publisher(first, "gone");
  go_live(*s, "a:2");
  s->push(video("K1", 3600000, true));  // an hour later on the new publisher's clock
  s->push(video("P2", 3600040));
  ASSERT_EQ(sink->frames.size(), 3u);
  EXPECT_EQ(sink->frames[1]->dts, 3000);
  EXPECT_TRUE(sink->frames[1]->discontinuity);
  EXPECT_EQ(sink->frames[2]->dts, 3000 + 40 * 90);
}

TEST_F(StreamHubTest, FirstPublishIsNotRebased) {
  auto s = make_stream();
  auto sink = std::make_shared<RecordingSink>();
  s->add_sink(sink);
  go_live(*s, "a:1");
  s->push(video("K0", 5000, true));
  ASSERT_EQ(sink->frames.size(), 1u);
  EXPECT_EQ(sink->frames[0]->dts, 5000 * 90);
  EXPECT_FALSE(sink->frames[0]->discontinuity);
}

TEST_F(StreamHubTest, DiscontinuityFlagRebasesToo) {
  auto s = make_stream();
  auto sink = std::make_shared<RecordingSink>();
  s->add_sink(sink);
  go_live(*s, "a:1");
  s->push(video("K0", 100, true));
  s->push(video("P1", 140));
  Frame jumped = video("P2", 900000);  // the ingest saw a jump and said so
  jumped.discontinuity = true;
  s->push(jumped);
  s->push(video("P3", 900040));
  ASSERT_EQ(sink->frames.size(), 4u);
  EXPECT_EQ(sink->frames[2]->dts, 140 * 90 + 3000);
  EXPECT_TRUE(sink->frames[2]->discontinuity);
  EXPECT_EQ(sink->frames[3]->dts, 140 * 90 + 3000 + 40 * 90);
  EXPECT_FALSE(sink->frames[3]->discontinuity);
}

TEST_F(StreamHubTest, TimeThatDoesNotAdvanceIsDroppedAndCounted) {
  auto s = make_stream();
  auto sink = std::make_shared<RecordingSink>();
  s->add_sink(sink);
  go_live(*s, "a:1");
  s->push(video("K0", 100, true));
  s->push(video("P1", 100));  // the same time again
  s->push(video("P2", 60));   // a small step back
  s->push(audio("a0", 100));  // the other track has its own time
  s->push(video("P3", 140));
  for (int i = 0; i < 1000; ++i)  // a clock that stopped: nothing reaches the outputs
    s->push(video("S", 140));
  EXPECT_EQ(sink->payloads(), "K0,a0,P3");
  auto info = s->info();
  EXPECT_EQ(info.video_stats.timestamp_errors, 1002u);
  EXPECT_EQ(info.audio_stats.timestamp_errors, 0u);
  EXPECT_EQ(info.video_stats.frames, 2u);
}

TEST_F(StreamHubTest, ALargeStepBackStartsANewTimeline) {
  auto s = make_stream();
  auto sink = std::make_shared<RecordingSink>();
  s->add_sink(sink);
  go_live(*s, "a:1");
  s->push(video("K0", 5000, true));
  s->push(video("P1", 5040));
  // The encoder restarted its clock without reconnecting, and the ingest did not flag it.
  s->push(video("K2", 0, true));
  s->push(video("P3", 40));
  ASSERT_EQ(sink->frames.size(), 4u);
  EXPECT_EQ(sink->frames[2]->dts, 5040 * 90 + 3000);
  EXPECT_TRUE(sink->frames[2]->discontinuity);
  EXPECT_EQ(sink->frames[3]->dts, 5040 * 90 + 3000 + 40 * 90);
  EXPECT_EQ(s->info().video_stats.timestamp_errors, 0u);
}

TEST_F(StreamHubTest, LateSinkGetsTracksAndTheGopFromTheLastKeyframe) {
  auto s = make_stream();
  go_live(*s, "a:1");
  s->push(audio("a0", 0));  // before any keyframe: not cached in a stream with video
  s->push(video("K0", 0, true));
  s->push(video("P1", 40));
  s->push(video("K2", 80, true));
  s->push(audio("a2", 81));
  s->push(video("P3", 120));
  auto sink = std::make_shared<RecordingSink>();
  s->add_sink(sink);
  EXPECT_EQ(sink->events, "TFFF");
  EXPECT_EQ(sink->payloads(), "K2,a2,P3");
  EXPECT_EQ(sink->last_tracks.video->width, 160u);
  s->push(video("P4", 160));
  EXPECT_EQ(sink->payloads(), "K2,a2,P3,P4");
}

TEST_F(StreamHubTest, AudioOnlyStreamCachesAShortTail) {
  auto s = make_stream();
  go_live(*s, "a:1", audio_only());
  for (int i = 0; i < 12; ++i)
    s->push(audio("a" + std::to_string(i), i * 23));
  auto sink = std::make_shared<RecordingSink>();
  s->add_sink(sink);
  EXPECT_EQ(sink->payloads(), "a4,a5,a6,a7,a8,a9,a10,a11");
}

TEST_F(StreamHubTest, NoCacheBeforeTracksOrAfterTheEnd) {
  auto s = make_stream();
  auto early = std::make_shared<RecordingSink>();
  s->add_sink(early);  // nothing to replay yet
  EXPECT_EQ(early->events, "");
  auto id = go_live(*s, "a:1");
  s->push(video("K0", 0, true));
  s->detach_publisher(id, "gone");
  auto late = std::make_shared<RecordingSink>();
  s->add_sink(late);
  EXPECT_EQ(late->events, "");  // the stream is not live: no stale frames
  s->remove_sink(early.get());
  go_live(*s, "a:2");
  EXPECT_EQ(early->events, "TFE");  // removed: no new tracks
  EXPECT_EQ(late->events, "T");
}

TEST_F(StreamHubTest, FanoutIsSeededFromTheCacheAndSharedPerFormat) {
  auto s = make_stream();
  go_live(*s, "a:1");
  s->push(video("K0", 0, true));
  s->push(video("P1", 40));
  int packaged = 0;
  int made = 0;
  auto make = [&] {
    ++made;
    return std::make_unique<CountingPackager>(packaged);
  };
  auto out = output::fanout(*s, "flv", make);
  ASSERT_TRUE(out);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(packaged, 2);  // the cached GOP, packaged once for the output's cache
  EXPECT_EQ(output::fanout(*s, "flv", make), out);
  EXPECT_EQ(made, 1);
  auto viewer = std::make_shared<output::Viewer>(ioc_.get_executor(), config_.get<FanoutConfig>());
  out->add(viewer);
  EXPECT_EQ(viewer->queued_bytes(), 1u + 2 + 2);  // header, K0, P1
  s->push(video("P2", 80));
  EXPECT_EQ(packaged, 3);
  EXPECT_EQ(viewer->queued_bytes(), 1u + 2 + 2 + 2);
  auto info = s->info();
  EXPECT_EQ(info.viewers.at("flv"), 1u);
  // A second format has its own output.
  output::fanout(*s, "rtmp", make);
  EXPECT_EQ(made, 2);
  EXPECT_EQ(s->info().viewers.at("rtmp"), 0u);
  // release_sink drops an output once it has no viewers.
  s->release_sink("rtmp");
  EXPECT_EQ(s->info().viewers.count("rtmp"), 0u);
  s->release_sink("flv");  // still one viewer: kept
  EXPECT_EQ(s->info().viewers.at("flv"), 1u);
  out->remove(viewer.get());
  s->release_sink("flv");
  EXPECT_EQ(s->info().viewers.count("flv"), 0u);
}

TEST_F(StreamHubTest, InfoCountsBytesPublishesAndFrames) {
  auto s = make_stream();
  auto id = go_live(*s, "a:1");
  s->push(video("12345", 0, true));
  s->push(audio("123", 10));
  s->push(video("12", 40));
  auto info = s->info();
  EXPECT_EQ(info.app, "live");
  EXPECT_EQ(info.name, "cam");
  EXPECT_TRUE(info.live);
  EXPECT_EQ(info.bytes_in, 10u);
  EXPECT_EQ(info.publishes, 1u);
  EXPECT_EQ(info.video_stats.frames, 2u);
  EXPECT_EQ(info.video_stats.bytes, 7u);
  EXPECT_EQ(info.audio_stats.frames, 1u);
  EXPECT_EQ(info.audio_stats.bytes, 3u);
  ASSERT_TRUE(info.tracks.video.has_value());
  EXPECT_EQ(info.tracks.video->codec_string, "avc1.64001f");
  EXPECT_TRUE(info.viewers.empty());
  s->detach_publisher(id, "gone");
  go_live(*s, "a:2");
  s->push(video("1", 100, true));
  EXPECT_EQ(s->info().publishes, 2u);
  EXPECT_EQ(s->info().bytes_in, 11u);  // bytes_in spans publishes
}

TEST_F(StreamHubTest, LingerFiresTheIdleCallbackOnce) {
  auto s = make_stream();
  auto id = go_live(*s, "a:1");
  s->detach_publisher(id, "gone");  // arms the 30 ms linger
  run_for(10ms);
  EXPECT_EQ(idle_calls_, 0);
  run_for(100ms);
  EXPECT_EQ(idle_calls_, 1);
  s->release_sink("flv");  // a late check must not fire it again
  run_for(50ms);
  EXPECT_EQ(idle_calls_, 1);
}

TEST_F(StreamHubTest, ReconnectWithinLingerKeepsTheStream) {
  auto s = make_stream();
  auto id = go_live(*s, "a:1");
  s->detach_publisher(id, "gone");
  run_for(5ms);
  go_live(*s, "a:2");
  run_for(100ms);
  EXPECT_EQ(idle_calls_, 0);
}

TEST_F(StreamHubTest, LingerWaitsForTheLastViewer) {
  auto s = make_stream();
  auto id = go_live(*s, "a:1");
  int packaged = 0;
  auto out =
      output::fanout(*s, "flv", [&] { return std::make_unique<CountingPackager>(packaged); });
  auto viewer = std::make_shared<output::Viewer>(ioc_.get_executor(), config_.get<FanoutConfig>());
  out->add(viewer);
  s->detach_publisher(id, "gone");
  run_for(100ms);
  EXPECT_EQ(idle_calls_, 0) << "a viewer still waits on the stream";
  out->remove(viewer.get());
  s->release_sink("flv");
  EXPECT_EQ(idle_calls_, 1);
}

TEST_F(StreamHubTest, LingerAtCreationRemovesAnUnusedStream) {
  auto s = make_stream();
  s->arm_linger();  // as the registry does at creation
  run_for(100ms);
  EXPECT_EQ(idle_calls_, 1);
}

TEST_F(StreamHubTest, ShutdownKicksThePublisherAndClosesViewers) {
  auto s = make_stream();
  std::vector<std::string> kicks;
  ASSERT_TRUE(s->attach_publisher(publisher("a:1", &kicks)).ok());
  s->set_tracks(av_tracks());
  int packaged = 0;
  auto out =
      output::fanout(*s, "flv", [&] { return std::make_unique<CountingPackager>(packaged); });
  auto viewer = std::make_shared<output::Viewer>(ioc_.get_executor(), config_.get<FanoutConfig>());
  out->add(viewer);
  s->shutdown();
  EXPECT_EQ(kicks.size(), 1u);
  EXPECT_FALSE(s->has_publisher());
  EXPECT_TRUE(viewer->closed());
  run_for(100ms);
  EXPECT_EQ(idle_calls_, 0);  // the linger timer was cancelled
}

// Regression: Stream::push() skips a frame that does not fit max_gop_cache_bytes but keeps caching
// the frames after it, so the cached GOP has a hole: a late sink (HLS, a new fan-out format) gets
// a keyframe followed by inter frames whose reference was never delivered. FanoutOutput::cache
// does the right thing (drops the partial GOP until the next keyframe).
TEST_F(StreamHubTest, GopCacheNeverHasHoles) {
  config_.stream.max_gop_cache_bytes = 1000;
  auto s = make_stream();
  go_live(*s, "a:1");
  s->push(video("K" + std::string(599, 'k'), 0, true));
  s->push(video("P" + std::string(499, 'p'), 40));  // 1100 > 1000: not cached
  s->push(video("Q", 80));                          // fits, but depends on the frame above
  auto sink = std::make_shared<RecordingSink>();
  s->add_sink(sink);
  for (const auto& f : sink->frames) {
    EXPECT_NE(f->dts, 80 * 90) << "the cache skipped the frame at 40 ms but kept the one at 80 ms";
  }
}

}  // namespace
}  // namespace firstmile::media
