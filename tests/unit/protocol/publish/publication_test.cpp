// Publication: the attach/end pairing of the one publish path, and a kick's end.
#include "protocol/publish/publication.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace firstmile::publish {
namespace {

class CountingSink : public media::Sink {
 public:
  void on_tracks(const media::Tracks&) override { ++tracks; }
  void on_frame(const media::FramePtr& f) override { payloads.push_back(f->payload.size()); }
  void on_end() override { ++ends; }
  int tracks = 0, ends = 0;
  std::vector<size_t> payloads;
};

media::Tracks video_tracks() {
  media::Tracks t;
  t.video.emplace();
  t.video->codec = media::Codec::H264;
  return t;
}

media::Frame key(size_t bytes, int64_t ms) {
  media::Frame f;
  f.kind = media::MediaKind::Video;
  f.codec = media::Codec::H264;
  f.dts = f.pts = ms * 90;
  f.keyframe = true;
  f.payload = Buffer::copy(Bytes(bytes, 0x42));
  return f;
}

class PublicationTest : public ::testing::Test {
 protected:
  PublicationTest() {
    stream_ = std::make_shared<media::Stream>("live", "cam", ioc_.get_executor(), config_,
                                              make_logger(LogConfig{"off", "text"}), nullptr);
    sink_ = std::make_shared<CountingSink>();
    stream_->add_sink(sink_);
  }
  media::PublisherInfo info(const std::string& peer, std::vector<std::string>* kicks = nullptr) {
    media::PublisherInfo i;
    i.protocol = "test";
    i.peer = peer;
    if (kicks) i.kick = [kicks](const std::string& r) { kicks->push_back(r); };
    return i;
  }

  boost::asio::io_context ioc_;
  Config config_;
  std::shared_ptr<media::Stream> stream_;
  std::shared_ptr<CountingSink> sink_;
};

TEST_F(PublicationTest, AttachPassesMediaAndEndDetachesOnce) {
  auto p = Publication::attach(stream_, info("10.0.0.1:1"));
  ASSERT_TRUE(p);
  EXPECT_TRUE(stream_->has_publisher());
  EXPECT_GT((*p)->id(), 0u);
  (*p)->set_tracks(video_tracks());
  (*p)->push(key(7, 0));
  EXPECT_EQ(sink_->tracks, 1);
  EXPECT_EQ(sink_->payloads, std::vector<size_t>{7});
  EXPECT_TRUE((*p)->end("bye"));
  EXPECT_FALSE(stream_->has_publisher());
  EXPECT_EQ(sink_->ends, 1);
  EXPECT_FALSE((*p)->end("again"));
  (*p)->push(key(9, 40));  // after the end: nothing reaches the stream
  EXPECT_EQ(sink_->payloads.size(), 1u);
  EXPECT_EQ(sink_->ends, 1);
}

TEST_F(PublicationTest, DestructorDetaches) {
  {
    auto p = Publication::attach(stream_, info("10.0.0.1:1"));
    ASSERT_TRUE(p);
    EXPECT_TRUE(stream_->has_publisher());
  }
  EXPECT_FALSE(stream_->has_publisher());
}

TEST_F(PublicationTest, SecondPublisherRefusedByDefault) {
  auto first = Publication::attach(stream_, info("10.0.0.1:1"));
  ASSERT_TRUE(first);
  auto second = Publication::attach(stream_, info("10.0.0.2:2"));
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("already being published"), std::string::npos)
      << second.error().message;
  EXPECT_TRUE(stream_->has_publisher());  // the first one is untouched
}

TEST_F(PublicationTest, TakeOverEndsTheOldPublicationAndKicksItOnce) {
  config_.stream.on_conflict = PublishConflict::TakeOver;
  std::vector<std::string> kicks;
  auto first = Publication::attach(stream_, info("10.0.0.1:1", &kicks));
  ASSERT_TRUE(first);
  (*first)->set_tracks(video_tracks());
  auto second = Publication::attach(stream_, info("10.0.0.2:2"));
  ASSERT_TRUE(second);
  ASSERT_EQ(kicks.size(), 1u);
  EXPECT_EQ(kicks[0], "taken over by 10.0.0.2:2");
  EXPECT_TRUE((*first)->ended());
  // The old publisher's late frames and its own end must not touch the new publisher.
  (*second)->set_tracks(video_tracks());
  (*first)->push(key(5, 0));
  EXPECT_TRUE(sink_->payloads.empty());
  EXPECT_FALSE((*first)->end("closed by client"));
  EXPECT_TRUE(stream_->has_publisher());
  (*second)->push(key(3, 0));
  EXPECT_EQ(sink_->payloads, std::vector<size_t>{3});
  first->reset();  // destroying the kicked publication changes nothing either
  EXPECT_TRUE(stream_->has_publisher());
  EXPECT_EQ(kicks.size(), 1u);
}

TEST_F(PublicationTest, KickFromTheApiEndsIt) {
  std::vector<std::string> kicks;
  auto p = Publication::attach(stream_, info("10.0.0.1:1", &kicks));
  ASSERT_TRUE(p);
  EXPECT_TRUE(stream_->kick_client((*p)->id(), "kicked by API"));
  EXPECT_EQ(kicks, std::vector<std::string>{"kicked by API"});
  EXPECT_TRUE((*p)->ended());
  EXPECT_FALSE(stream_->has_publisher());
  EXPECT_FALSE((*p)->end("closed"));
}

}  // namespace
}  // namespace firstmile::publish
