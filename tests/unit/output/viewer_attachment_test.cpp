// ViewerAttachment: the one viewer path joins a fan-out and the client table, and leaves both
// exactly once.
#include "output/viewer_attachment.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace firstmile::output {
namespace {

using namespace std::chrono_literals;

class BytesPackager : public Packager {
 public:
  std::vector<Packet> headers(const media::Tracks&) override {
    Packet p;
    p.data = Buffer::copy(Bytes{'H'});
    p.config = true;
    return {p};
  }
  std::optional<Packet> package(const media::Frame& f) override {
    Packet p;
    p.data = f.payload;
    p.keyframe = f.keyframe;
    return p;
  }
};

class Collecting : public Subscriber {
 public:
  void push(const Packet& p) override { bytes += p.data.size(); }
  void wait_for_keyframe() override {}
  void end_of_stream() override {}
  void close(std::string reason) override { closed = reason; }
  size_t bytes = 0;
  std::string closed;
};

class Events : public media::StreamEvents {
 public:
  void publish_stopped(const media::Stream&, const media::ClientInfo&,
                       const std::string&) override {}
  void play_started(const media::Stream&, const media::ClientInfo& c) override {
    log.push_back("start " + c.protocol);
  }
  void play_stopped(const media::Stream&, const media::ClientInfo& c,
                    const std::string& reason) override {
    log.push_back("stop " + c.protocol + " " + reason);
  }
  std::vector<std::string> log;
};

class ViewerAttachmentTest : public ::testing::Test {
 protected:
  ViewerAttachmentTest() {
    config_.stream.linger = 20ms;
    stream_ = std::make_shared<media::Stream>(
        "live", "cam", ioc_.get_executor(), config_, make_logger(LogConfig{"off", "text"}),
        [this](media::Stream&) { ++idle_; }, media::StreamHooks{&events_, nullptr});
    media::PublisherInfo p;
    p.protocol = "test";
    id_ = *stream_->attach_publisher(p);
    media::Tracks t;
    t.video.emplace();
    t.video->codec = media::Codec::H264;
    stream_->set_tracks(t);
    media::Frame f;
    f.kind = media::MediaKind::Video;
    f.codec = media::Codec::H264;
    f.keyframe = true;
    f.payload = Buffer::copy(Bytes(10, 1));
    stream_->push(f);
  }
  ViewerAttachment attach(const std::shared_ptr<Collecting>& v) {
    media::ViewerEntry e;
    e.protocol = "flv";
    e.peer = "10.0.0.9:9";
    return ViewerAttachment::attach(
        *stream_, "flv", [] { return std::make_unique<BytesPackager>(); }, v, std::move(e));
  }

  boost::asio::io_context ioc_;
  Config config_;
  Events events_;
  int idle_ = 0;
  uint64_t id_ = 0;
  std::shared_ptr<media::Stream> stream_;
};

TEST_F(ViewerAttachmentTest, JoinsTheFanoutAndTheClientTableThenLeavesOnce) {
  auto v = std::make_shared<Collecting>();
  auto a = attach(v);
  ASSERT_TRUE(a.attached());
  EXPECT_EQ(v->bytes, 1u + 10);  // header and the cached keyframe at once
  auto info = stream_->info();
  EXPECT_EQ(info.viewers.at("flv"), 1u);
  ASSERT_EQ(info.clients.size(), 2u);  // publisher, then the viewer
  EXPECT_EQ(info.clients[1].id, a.id());
  EXPECT_EQ(events_.log, std::vector<std::string>{"start flv"});
  a.detach("closed by client");
  EXPECT_FALSE(a.attached());
  info = stream_->info();
  EXPECT_EQ(info.viewers.count("flv"), 0u);  // the unused fan-out is dropped
  EXPECT_EQ(info.clients.size(), 1u);
  a.detach("again");
  EXPECT_EQ(events_.log, (std::vector<std::string>{"start flv", "stop flv closed by client"}));
}

TEST_F(ViewerAttachmentTest, DestructorAndMoveDetachExactlyOnce) {
  auto v = std::make_shared<Collecting>();
  {
    ViewerAttachment outer;
    {
      auto a = attach(v);
      outer = std::move(a);  // the moved-from attachment must not detach
    }
    EXPECT_EQ(stream_->info().viewers.at("flv"), 1u);
  }
  EXPECT_EQ(stream_->info().viewers.count("flv"), 0u);
  EXPECT_EQ(events_.log, (std::vector<std::string>{"start flv", "stop flv viewer gone"}));
}

TEST_F(ViewerAttachmentTest, LastViewerOfALingeringStreamEndsIt) {
  auto v = std::make_shared<Collecting>();
  auto a = attach(v);
  stream_->detach_publisher(id_, "gone");
  ioc_.run_for(60ms);
  EXPECT_EQ(idle_, 0) << "a viewer still waits on the stream";
  a.detach("bye");
  EXPECT_EQ(idle_, 1);
}

}  // namespace
}  // namespace firstmile::output
