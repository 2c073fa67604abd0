// The stream's client table: ids, kicks, lifecycle events and the totals the metrics read.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "media/stream.hpp"

namespace firstmile::media {
namespace {

struct Recorded {
  std::string what;
  ClientInfo client;
  std::string reason;
};

class Recorder : public StreamEvents {
 public:
  void publish_stopped(const Stream& s, const ClientInfo& c, const std::string& reason) override {
    events.push_back({"publish_stopped " + s.path(), c, reason});
  }
  void play_started(const Stream& s, const ClientInfo& c) override {
    events.push_back({"play_started " + s.path(), c, ""});
  }
  void play_stopped(const Stream& s, const ClientInfo& c, const std::string& reason) override {
    events.push_back({"play_stopped " + s.path(), c, reason});
  }
  std::vector<Recorded> events;
};

Frame frame(size_t bytes, int64_t ms, bool key) {
  Frame f;
  f.kind = MediaKind::Video;
  f.codec = Codec::H264;
  f.dts = f.pts = ms * 90;
  f.keyframe = key;
  f.payload = Buffer::copy(Bytes(bytes, 0x42));
  return f;
}

class StreamClientsTest : public ::testing::Test {
 protected:
  StreamClientsTest() {
    config_.stream.linger = std::chrono::milliseconds(30);
    stream_ = std::make_shared<Stream>("live", "cam", ioc_.get_executor(), config_,
                                       make_logger(LogConfig{"off", "text"}), nullptr,
                                       StreamHooks{&events_, &ids_});
  }
  ViewerEntry viewer(const std::string& protocol, ViewerCounters* counters,
                     std::vector<std::string>* kicks) {
    ViewerEntry v;
    v.protocol = protocol;
    v.peer = "10.0.0.7:5000";
    v.query = "token=t";
    v.kick = [kicks](const std::string& r) { kicks->push_back(r); };
    v.counters = [counters] { return *counters; };
    return v;
  }

  boost::asio::io_context ioc_;
  Config config_;
  Recorder events_;
  std::atomic<uint64_t> ids_{100};
  std::shared_ptr<Stream> stream_;
};

TEST_F(StreamClientsTest, IdsComeFromTheSharedCounterAndViewersAreListed) {
  PublisherInfo p;
  p.protocol = "rtmp";
  p.peer = "10.0.0.1:1935";
  auto pid = stream_->attach_publisher(p);
  ASSERT_TRUE(pid);
  EXPECT_EQ(*pid, 101u);
  Tracks t;
  t.video.emplace();
  t.video->codec = Codec::H264;
  stream_->set_tracks(t);
  stream_->push(frame(1000, 0, true));
  stream_->push(frame(500, 33, false));

  ViewerCounters counters{4000, 2, 1, false, {}};
  std::vector<std::string> kicks;
  auto vid = stream_->add_viewer(viewer("flv", &counters, &kicks));
  EXPECT_EQ(vid, 102u);
  ASSERT_EQ(events_.events.size(), 1u);
  EXPECT_EQ(events_.events[0].what, "play_started live/cam");
  EXPECT_EQ(events_.events[0].client.protocol, "flv");
  EXPECT_EQ(events_.events[0].client.bytes, 0u);

  auto info = stream_->info();
  ASSERT_EQ(info.clients.size(), 2u);
  EXPECT_TRUE(info.clients[0].publisher);
  EXPECT_EQ(info.clients[0].id, 101u);
  EXPECT_EQ(info.clients[0].bytes, 1500u);
  EXPECT_EQ(info.clients[1].id, 102u);
  EXPECT_EQ(info.clients[1].bytes, 4000u);
  EXPECT_EQ(info.clients[1].peer, "10.0.0.7:5000");
  EXPECT_EQ(info.totals.bytes_in, 1500u);
  EXPECT_EQ(info.totals.bytes_out.at("flv"), 4000u);
  EXPECT_EQ(info.totals.dropped, 2u);
}

TEST_F(StreamClientsTest, KickAndRemoveReportBytesAndKeepTotals) {
  ViewerCounters counters{100, 0, 0, false, {}};
  std::vector<std::string> kicks;
  auto vid = stream_->add_viewer(viewer("rtmp", &counters, &kicks));
  EXPECT_FALSE(stream_->kick_client(vid + 50, "nobody"));
  EXPECT_TRUE(stream_->kick_client(vid, "kicked through the API"));
  EXPECT_EQ(kicks, std::vector<std::string>{"kicked through the API"});

  // The session notices the kick and leaves; what it sent is final then.
  counters = {9000, 3, 2, true, {}};
  stream_->remove_viewer(vid, "kicked through the API");
  stream_->remove_viewer(vid, "again");  // idempotent
  ASSERT_EQ(events_.events.size(), 2u);
  EXPECT_EQ(events_.events[1].what, "play_stopped live/cam");
  EXPECT_EQ(events_.events[1].client.bytes, 9000u);
  EXPECT_EQ(events_.events[1].reason, "kicked through the API");

  auto info = stream_->info();
  EXPECT_TRUE(info.clients.empty());
  EXPECT_EQ(info.totals.bytes_out.at("rtmp"), 9000u);
  EXPECT_EQ(info.totals.dropped, 3u);
  EXPECT_EQ(info.totals.skips, 2u);
  EXPECT_EQ(info.totals.slow_disconnects, 1u);
  EXPECT_FALSE(stream_->kick_client(vid, "gone"));
}

TEST_F(StreamClientsTest, KickingThePublisherDetachesItAndReportsUnpublish) {
  std::vector<std::string> kicks;
  PublisherInfo p;
  p.protocol = "rtmp";
  p.peer = "10.0.0.1:1935";
  p.kick = [&](const std::string& r) { kicks.push_back(r); };
  auto pid = stream_->attach_publisher(p);
  ASSERT_TRUE(pid);
  EXPECT_TRUE(stream_->kick_client(*pid, "kicked through the API"));
  EXPECT_FALSE(stream_->has_publisher());
  EXPECT_EQ(kicks, std::vector<std::string>{"kicked through the API"});
  ASSERT_EQ(events_.events.size(), 1u);
  EXPECT_EQ(events_.events[0].what, "publish_stopped live/cam");
  EXPECT_TRUE(events_.events[0].client.publisher);
  EXPECT_EQ(events_.events[0].client.peer, "10.0.0.1:1935");
  EXPECT_EQ(events_.events[0].reason, "kicked through the API");
}

}  // namespace
}  // namespace firstmile::media
