#include "output/datagrams.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "output/fanout_output.hpp"

namespace firstmile::output {
namespace {

Bytes bytes(std::initializer_list<uint8_t> b) {
  return Bytes(b);
}

std::vector<Bytes> split(ByteSpan framed, bool* ok = nullptr) {
  std::vector<Bytes> out;
  bool good = for_each_datagram(framed, [&](ByteSpan d) { out.emplace_back(d.begin(), d.end()); });
  if (ok) *ok = good;
  return out;
}

TEST(DatagramsTest, EachDatagramFollowsItsBigEndianLength) {
  DatagramPacker p;
  ASSERT_TRUE(p.add(bytes({0x80, 0x60, 0x00, 0x01})));
  ASSERT_TRUE(p.add(bytes({0xAA})));
  EXPECT_EQ(p.count(), 2u);
  Buffer framed = p.finish();
  Bytes want{0x00, 0x04, 0x80, 0x60, 0x00, 0x01, 0x00, 0x01, 0xAA};
  EXPECT_EQ(Bytes(framed.span().begin(), framed.span().end()), want);
  EXPECT_EQ(p.count(), 0u);
  EXPECT_TRUE(p.finish().empty()) << "the packer starts over after finish()";
}

TEST(DatagramsTest, SplitGivesBackWhatWasPacked) {
  DatagramPacker p;
  std::vector<Bytes> in;
  for (size_t n : {1u, 2u, 255u, 256u, 1200u, 65535u}) {
    Bytes d(n);
    for (size_t i = 0; i < n; ++i)
      d[i] = static_cast<uint8_t>(i * 7 + n);
    ASSERT_TRUE(p.add(d)) << n;
    in.push_back(std::move(d));
  }
  Buffer framed = p.finish();
  bool ok = false;
  EXPECT_EQ(split(framed.span(), &ok), in);
  EXPECT_TRUE(ok);
}

TEST(DatagramsTest, EmptyAndOversizedDatagramsAreRefused) {
  DatagramPacker p;
  EXPECT_FALSE(p.add(ByteSpan{}));
  EXPECT_FALSE(p.add(Bytes(kMaxDatagram + 1)));
  EXPECT_EQ(p.count(), 0u);
  EXPECT_TRUE(p.finish().empty());
}

TEST(DatagramsTest, BrokenFramingStopsAfterTheWholeDatagrams) {
  bool ok = true;
  // A whole datagram, then a length that runs past the end.
  EXPECT_EQ(split(bytes({0x00, 0x01, 0x11, 0x00, 0x05, 0x22}), &ok), std::vector<Bytes>{{0x11}});
  EXPECT_FALSE(ok);
  EXPECT_TRUE(split(bytes({0x00}), &ok).empty());  // half a length
  EXPECT_FALSE(ok);
  EXPECT_TRUE(split(bytes({0x00, 0x00, 0x11}), &ok).empty());  // an empty datagram
  EXPECT_FALSE(ok);
  EXPECT_TRUE(split(ByteSpan{}, &ok).empty());
  EXPECT_TRUE(ok);
}

// A datagram format through the fan-out: packaged once, every subscriber gets the very same
// framed Buffer (not a copy) with its datagram flag.
class RecordingSubscriber : public Subscriber {
 public:
  void push(const Packet& packet) override { packets.push_back(packet); }
  void wait_for_keyframe() override {}
  void end_of_stream() override {}
  void close(std::string) override {}
  std::vector<Packet> packets;
};

class RtpLikePackager : public Packager {
 public:
  std::vector<Packet> headers(const media::Tracks&) override { return {}; }
  std::optional<Packet> package(const media::Frame& frame) override {
    DatagramPacker p;
    auto payload = frame.payload.span();
    for (size_t at = 0; at < payload.size(); at += 3)  // "MTU" of 3 bytes
      p.add(payload.subspan(at, std::min<size_t>(3, payload.size() - at)));
    Packet out;
    out.data = p.finish();
    out.dts = frame.dts;
    out.keyframe = frame.keyframe;
    out.datagrams = true;
    return out;
  }
};

TEST(DatagramsTest, FanoutSharesOneFramedBufferBetweenSubscribers) {
  FanoutConfig config;
  config.coalesce = Duration(0);
  FanoutOutput out("rtp", std::make_unique<RtpLikePackager>(), config);
  media::Tracks tracks;
  tracks.video.emplace();
  tracks.video->codec = media::Codec::H264;
  out.on_tracks(tracks);
  auto a = std::make_shared<RecordingSubscriber>();
  auto b = std::make_shared<RecordingSubscriber>();
  out.add(a);
  out.add(b);
  auto f = std::make_shared<media::Frame>();
  f->kind = media::MediaKind::Video;
  f->codec = media::Codec::H264;
  f->keyframe = true;
  const std::string payload = "ABCDEFG";
  f->payload =
      Buffer::copy(ByteSpan(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()));
  out.on_frame(f);
  ASSERT_EQ(a->packets.size(), 1u);
  ASSERT_EQ(b->packets.size(), 1u);
  EXPECT_TRUE(a->packets[0].datagrams);
  EXPECT_EQ(a->packets[0].data.span().data(), b->packets[0].data.span().data());
  std::vector<std::string> got;
  for_each_datagram(b->packets[0].data.span(),
                    [&](ByteSpan d) { got.emplace_back(d.begin(), d.end()); });
  EXPECT_EQ(got, (std::vector<std::string>{"ABC", "DEF", "G"}));
}

}  // namespace
}  // namespace firstmile::output
