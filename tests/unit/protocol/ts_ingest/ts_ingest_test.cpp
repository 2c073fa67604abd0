// TsIngest on a real Stream hub: ffmpeg's TS in, the stream's tracks and frames out, and the
// publish ended exactly once whichever side ends it.
#include "protocol/ts_ingest/ts_ingest.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <boost/asio/io_context.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "format/mpegts/ts_demuxer_vectors.hpp"
#include "media/sink.hpp"

namespace firstmile::ts_ingest {
namespace {

using namespace format::ts_demux_vectors;
using media::MediaKind;

// What the stream hands its outputs: "T" tracks, "F" frame, "E" end.
class RecordingSink : public media::Sink {
 public:
  void on_tracks(const media::Tracks& tracks) override {
    events += "T";
    last_tracks = tracks;
  }
  void on_frame(const media::FramePtr& frame) override {
    events += "F";
    frames.push_back(frame);
  }
  void on_end() override { events += "E"; }

  size_t count(MediaKind kind) const {
    size_t n = 0;
    for (const auto& f : frames)
      n += f->kind == kind;
    return n;
  }

  std::string events;
  media::Tracks last_tracks;
  std::vector<media::FramePtr> frames;
};

class TsIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_));
    log_->set_pattern("%v");
    stream_ = std::make_shared<media::Stream>("live", "cam", ioc_.get_executor(), config_, log_,
                                              [](media::Stream&) {});
    sink_ = std::make_shared<RecordingSink>();
    stream_->add_sink(sink_);
  }

  media::PublisherInfo publisher(std::string peer = "192.0.2.1:5000") {
    media::PublisherInfo info;
    info.protocol = "rtmp";  // overwritten by attach()
    info.peer = std::move(peer);
    return info;
  }

  void feed_all(TsIngest& ingest) {
    ingest.feed(ByteSpan(kH264AacTs.data(), kH264AacTs.size()), log_);
  }

  std::string log_lines() const { return log_text_.str(); }

  boost::asio::io_context ioc_;
  Config config_;
  std::ostringstream log_text_;
  Logger log_;
  std::shared_ptr<media::Stream> stream_;
  std::shared_ptr<RecordingSink> sink_;
};

TEST_F(TsIngestTest, FramesReachTheStreamAndEndFlushesAndDetachesOnce) {
  TsIngest ingest("udp");
  EXPECT_FALSE(ingest.attached());
  ASSERT_TRUE(ingest.attach(stream_, publisher(), "live/c…(3)", log_).ok());
  EXPECT_TRUE(ingest.attached());
  EXPECT_EQ(ingest.stream(), stream_);
  ASSERT_TRUE(stream_->has_publisher());
  auto info = stream_->info();
  ASSERT_TRUE(info.publisher);
  EXPECT_EQ(info.publisher->protocol, "udp");
  EXPECT_EQ(info.publisher->peer, "192.0.2.1:5000");
  EXPECT_EQ(info.publisher->id, ingest.publisher_id());
  EXPECT_NE(log_lines().find("udp publish start stream=live/c…(3) peer=192.0.2.1:5000"),
            std::string::npos)
      << log_lines();

  feed_all(ingest);
  // The tracks come from the bitstream (ffprobe: H.264 High 160x120, AAC-LC 48 kHz mono).
  ASSERT_TRUE(stream_->tracks_ready());
  ASSERT_TRUE(sink_->last_tracks.video && sink_->last_tracks.audio);
  EXPECT_EQ(sink_->last_tracks.video->codec_string, "avc1.64000b");
  EXPECT_EQ(sink_->last_tracks.audio->codec_string, "mp4a.40.2");
  EXPECT_NE(log_lines().find("udp tracks stream=live/c…(3) video=avc1.64000b 160x120"),
            std::string::npos)
      << log_lines();
  EXPECT_NE(log_lines().find("udp tracks stream=live/c…(3) audio=mp4a.40.2 rate=48000 channels=1"),
            std::string::npos);
  // The last video frame (PES_packet_length 0) only completes at the flush in end().
  const size_t video_before_end = sink_->count(MediaKind::Video);
  EXPECT_EQ(video_before_end, std::size(kH264Video) - 1);

  EXPECT_TRUE(ingest.end("no data for 1000 ms", log_));
  EXPECT_TRUE(ingest.ended());
  EXPECT_EQ(sink_->count(MediaKind::Video), std::size(kH264Video));
  EXPECT_EQ(sink_->count(MediaKind::Audio), kAacFrames);
  EXPECT_EQ(sink_->events.back(), 'E');
  EXPECT_FALSE(stream_->has_publisher());
  EXPECT_EQ(ingest.stats().frames, std::size(kH264Video) + kAacFrames);
  EXPECT_EQ(ingest.stats().packets, kH264AacTs.size() / 188);
  // The stop line integration tests and operators read.
  const std::string stop =
      "udp publish stop stream=live/c…(3) peer=192.0.2.1:5000 frames=30 "
      "packets=37 cc_errors=0 sync_errors=0 overflow_bytes=0 reason=\"no data for 1000 ms\"";
  EXPECT_NE(log_lines().find(stop), std::string::npos) << log_lines();

  // Once only, and nothing more is demuxed.
  EXPECT_FALSE(ingest.end("again", log_));
  EXPECT_FALSE(ingest.release("again", log_));
  feed_all(ingest);
  EXPECT_EQ(ingest.stats().packets, kH264AacTs.size() / 188);
  EXPECT_EQ(log_lines().find("again"), std::string::npos);
}

TEST_F(TsIngestTest, NothingIsDemuxedBeforeAttach) {
  TsIngest ingest("srt");
  feed_all(ingest);
  EXPECT_EQ(ingest.stats().packets, 0u);
  EXPECT_FALSE(ingest.end("x", log_));
  EXPECT_FALSE(ingest.release("x", log_));
  EXPECT_FALSE(ingest.ended());
  EXPECT_TRUE(sink_->frames.empty());
}

TEST_F(TsIngestTest, RefusedAttachChangesNothing) {
  TsIngest first("srt");
  ASSERT_TRUE(first.attach(stream_, publisher("192.0.2.1:1"), "live/cam", log_).ok());
  // rtmp.on_conflict defaults to refuse: a second publisher is turned away.
  TsIngest second("srt");
  auto refused = second.attach(stream_, publisher("192.0.2.2:2"), "live/cam", log_);
  ASSERT_FALSE(refused.ok());
  EXPECT_FALSE(refused.error().message.empty());
  EXPECT_FALSE(second.attached());
  feed_all(second);
  EXPECT_EQ(second.stats().packets, 0u);
  EXPECT_FALSE(second.end("x", log_));
  EXPECT_EQ(stream_->info().publisher->peer, "192.0.2.1:1");
  EXPECT_EQ(log_lines().find("srt publish start stream=live/cam peer=192.0.2.2:2"),
            std::string::npos);
}

TEST_F(TsIngestTest, KickReleasesWithoutTellingTheStreamAgain) {
  TsIngest ingest("srt");
  std::vector<std::string> kicks;
  auto info = publisher();
  info.kick = [&](const std::string& reason) {
    kicks.push_back(reason);
    EXPECT_TRUE(ingest.release(reason, log_));
  };
  ASSERT_TRUE(ingest.attach(stream_, std::move(info), "live/cam", log_).ok());
  feed_all(ingest);
  const size_t frames = sink_->frames.size();
  stream_->kick_publisher("kicked through the API");
  EXPECT_EQ(kicks, std::vector<std::string>{"kicked through the API"});
  EXPECT_TRUE(ingest.ended());
  EXPECT_FALSE(stream_->has_publisher());
  EXPECT_NE(log_lines().find("srt publish stop stream=live/cam"), std::string::npos);
  // The protocol's own finish() comes later: it must not detach a publisher the stream may
  // already have replaced.
  TsIngest next("srt");
  ASSERT_TRUE(next.attach(stream_, publisher("192.0.2.9:9"), "live/cam", log_).ok());
  EXPECT_FALSE(ingest.end("closed by client", log_));
  EXPECT_TRUE(stream_->has_publisher());
  feed_all(ingest);
  EXPECT_EQ(sink_->frames.size(), frames);
}

// A sink that fails on its third frame, as a bug or an allocation failure in an output would.
class ThrowingSink : public media::Sink {
 public:
  void on_tracks(const media::Tracks&) override {}
  void on_frame(const media::FramePtr&) override {
    if (++frames == 3) throw std::runtime_error("output broke");
  }
  void on_end() override { ++ends; }
  int frames = 0;
  int ends = 0;
};

TEST_F(TsIngestTest, AnExceptionWhileFeedingEndsThisPublishOnly) {
  auto throwing = std::make_shared<ThrowingSink>();
  stream_->add_sink(throwing);
  TsIngest ingest("srt");
  std::vector<std::string> faults;
  ingest.on_fault = [&](const std::string& reason) { faults.push_back(reason); };
  ASSERT_TRUE(ingest.attach(stream_, publisher(), "live/cam", log_).ok());
  feed_all(ingest);  // must not throw
  EXPECT_EQ(faults, std::vector<std::string>{"internal error: output broke"});
  EXPECT_TRUE(ingest.ended());
  EXPECT_FALSE(stream_->has_publisher());
  EXPECT_EQ(throwing->ends, 1);
  EXPECT_NE(log_lines().find("srt publish fault stream=live/cam peer=192.0.2.1:5000 "
                             "error=\"output broke\""),
            std::string::npos)
      << log_lines();
  EXPECT_NE(log_lines().find("srt publish stop stream=live/cam"), std::string::npos);
  // Nothing more is fed, and the stream takes the next publisher.
  const auto packets = ingest.stats().packets;
  feed_all(ingest);
  EXPECT_EQ(ingest.stats().packets, packets);
  TsIngest next("srt");
  EXPECT_TRUE(next.attach(stream_, publisher("192.0.2.9:9"), "live/cam", log_).ok());
}

TEST_F(TsIngestTest, PostIsBoundedByTheBytesWaiting) {
  TsIngest ingest("udp");
  ASSERT_TRUE(ingest.attach(stream_, publisher(), "live/cam", log_).ok());
  auto owner = std::make_shared<int>(0);
  // The stream's executor (ioc_) does not run: everything posted waits.
  const size_t chunk = TsIngest::kMaxQueued / 4;
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(ingest.post(Bytes(chunk, 0x47), owner, log_));
  EXPECT_FALSE(ingest.post(Bytes(188, 0x47), owner, log_));
  EXPECT_FALSE(ingest.post(Bytes(188, 0x47), owner, log_));
  EXPECT_EQ(ingest.overflow_bytes(), 376u);
  EXPECT_EQ(owner.use_count(), 5);  // each waiting batch keeps its owner
  EXPECT_NE(log_lines().find("udp stream worker behind, dropping stream=live/cam"),
            std::string::npos);
  // Once fed, room again.
  ioc_.run();
  EXPECT_EQ(owner.use_count(), 1);
  EXPECT_TRUE(ingest.post(Bytes(188, 0x47), owner, log_));
}

}  // namespace
}  // namespace firstmile::ts_ingest
