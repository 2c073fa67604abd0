#include "format/rtp/track_receiver.hpp"

#include <gtest/gtest.h>

#include "format/rtp/nal_packetizer.hpp"
#include "hex.hpp"

namespace firstmile::format::rtp {
namespace {

using firstmile::test::from_hex;

// What ffmpeg's RTSP muxer announces for H.264 and AAC: the SPS and PPS are libx264's for a
// 160x120 stream at 10 fps with B-frames (max_num_reorder_frames 2).
constexpr std::string_view kSdp =
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2QACqzZQoR+XARAAAADAEAAAAUDxIllgA==,"
    "aOvjyyLA; profile-level-id=64000A\r\na=control:streamid=0\r\n"
    "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\n"
    "a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; "
    "config=1190\r\na=control:streamid=1\r\n";

sdp::Media section(std::string_view text, size_t index) {
  auto s = sdp::parse(text);
  EXPECT_TRUE(s) << s.error().message;
  return s->media.at(index);
}

std::unique_ptr<TrackReceiver> receiver(std::string_view text, size_t index) {
  auto r = TrackReceiver::create(section(text, index));
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(*r) : nullptr;
}

// Feeds serialized packets (as the packetizer made them) to the receiver.
void feed(TrackReceiver& r, const std::vector<Bytes>& packets, int64_t arrival,
          std::vector<media::Frame>& out) {
  for (const auto& b : packets) {
    auto p = parse(b);
    ASSERT_TRUE(p);
    r.push(*p, arrival, out);
  }
}

constexpr int64_t kF = 9000;  // one frame at 10 fps, in 90 kHz ticks

TEST(TrackReceiver, H264FromTheSdpWithDecodeTimes) {
  auto video = receiver(kSdp, 0);
  ASSERT_TRUE(video);
  EXPECT_EQ(video->kind(), media::MediaKind::Video);
  EXPECT_EQ(video->codec(), media::Codec::H264);
  EXPECT_EQ(video->encoding(), "H264/90000");
  // The parameter sets of the SDP make the track before any packet.
  ASSERT_TRUE(video->track());
  EXPECT_EQ(video->track()->codec_string, "avc1.64000a");
  EXPECT_EQ(video->track()->width, 160u);
  EXPECT_TRUE(video->changed());
  EXPECT_FALSE(video->changed());

  NalPacketizer p({.codec = media::Codec::H264, .payload_type = 96, .first_sequence = 100});
  // Decode order I0 P3 B1 b2 (PTS in frames), RTP timestamps from 5000.
  const Bytes idr = from_hex("00000005 6588840021");
  const Bytes pred = from_hex("00000004 419a0203");
  const Bytes bi = from_hex("00000004 019e0405");
  const std::pair<const Bytes*, int64_t> units[] = {{&idr, 0}, {&pred, 3}, {&bi, 1}, {&bi, 2}};
  std::vector<media::Frame> frames;
  for (auto [au, pts] : units) {
    std::vector<Bytes> packets;
    ASSERT_TRUE(p.packetize(*au, static_cast<uint32_t>(5000 + pts * kF), packets));
    feed(*video, packets, 1000, frames);
  }
  // Depth 2 from the SPS: the first three wait for the third, then one out per unit. The first
  // packet's timestamp is placed at its arrival (1000); decode times go one frame apart below.
  ASSERT_EQ(frames.size(), 4u);
  const int64_t expected[][2] = {{-2 * kF, 0}, {-kF, 3 * kF}, {0, kF}, {kF, 2 * kF}};
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].dts, 1000 + expected[i][0]) << i;
    EXPECT_EQ(frames[i].pts, 1000 + expected[i][1]) << i;
    EXPECT_EQ(frames[i].keyframe, i == 0) << i;
    EXPECT_EQ(frames[i].codec, media::Codec::H264);
  }
  EXPECT_EQ(Bytes(frames[0].payload.span().begin(), frames[0].payload.span().end()), idr);
  EXPECT_EQ(video->counters().frames, 4u);
  EXPECT_EQ(video->counters().dropped_frames, 0u);
}

TEST(TrackReceiver, VideoResumesAtTheNextKeyframeAfterALoss) {
  auto video = receiver(kSdp, 0);
  ASSERT_TRUE(video);
  // Small packets, so that each unit is fragmented and a packet of it can be lost.
  NalPacketizer p({.codec = media::Codec::H264, .payload_type = 96, .max_payload = 5});
  const Bytes idr = from_hex("00000008 65888400 21222324");
  const Bytes pred = from_hex("00000008 419a0203 04050607");
  std::vector<media::Frame> frames;
  auto send = [&](const Bytes& au, int frame, bool lose_one) {
    std::vector<Bytes> packets;
    ASSERT_TRUE(p.packetize(au, static_cast<uint32_t>(frame * kF), packets));
    ASSERT_GE(packets.size(), 2u);  // fragmented: something to lose
    if (lose_one) packets.erase(packets.begin() + 1);
    feed(*video, packets, 0, frames);
  };
  send(idr, 0, false);
  send(pred, 1, true);   // damaged: dropped
  send(pred, 2, false);  // refers to what was lost: dropped until a keyframe
  send(idr, 3, false);
  send(pred, 4, false);
  std::vector<media::Frame> rest;
  video->flush(rest);
  for (auto& f : rest)
    frames.push_back(std::move(f));
  std::vector<int64_t> pts;
  for (const auto& f : frames)
    pts.push_back(f.pts / kF);
  EXPECT_EQ(pts, (std::vector<int64_t>{0, 3, 4}));
  EXPECT_EQ(video->counters().lost_packets, 1u);
  EXPECT_EQ(video->counters().dropped_frames, 2u);
}

TEST(TrackReceiver, AacTimesAreConvertedFromItsClock) {
  auto audio = receiver(kSdp, 1);
  ASSERT_TRUE(audio);
  EXPECT_EQ(audio->kind(), media::MediaKind::Audio);
  ASSERT_TRUE(audio->track());
  EXPECT_EQ(audio->track()->sample_rate, 48000u);
  EXPECT_EQ(audio->track()->channels, 2u);
  // Two AUs of 3 and 2 bytes: AU-headers-length 32 bits, then 13-bit size + 3-bit index each.
  const Bytes payload = from_hex("0020 0018 0010 aabbcc ddee");
  std::vector<media::Frame> frames;
  for (uint32_t i = 0; i < 2; ++i) {
    Packet pk;
    pk.payload_type = 97;
    pk.sequence = static_cast<uint16_t>(7 + i);
    pk.timestamp = 1000 + i * 2048;
    pk.marker = true;
    pk.payload = payload;
    audio->push(pk, 450 + i * 10, frames);
  }
  ASSERT_EQ(frames.size(), 4u);
  // The first packet is placed at its arrival (450); 1024 samples at 48 kHz are 1920 ticks.
  const int64_t expected[] = {450, 450 + 1920, 450 + 3840, 450 + 5760};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(frames[i].pts, expected[i]);
    EXPECT_EQ(frames[i].dts, expected[i]);
  }
  EXPECT_EQ(Bytes(frames[1].payload.span().begin(), frames[1].payload.span().end()),
            from_hex("ddee"));
}

TEST(TrackReceiver, ASenderReportBeforeTheFirstPacketAnchorsTheTimeline) {
  auto audio = receiver(kSdp, 1);
  ASSERT_TRUE(audio);
  // The report: RTP time 96000 (2 s at 48 kHz) is at tick 5000 on the session's clock. The first
  // packet, at RTP time 96000 + 4800 (0.1 s later), arrives at tick 70000 but goes at
  // 5000 + 9000: where the sender put it, not where the network delivered it.
  audio->anchor(96000, 5000);
  const Bytes payload = from_hex("0010 0018 aabbcc");
  Packet pk;
  pk.payload_type = 97;
  pk.timestamp = 96000 + 4800;
  pk.marker = true;
  pk.payload = payload;
  std::vector<media::Frame> frames;
  audio->push(pk, 70000, frames);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].pts, 5000 + 9000);
  // A report after the first packet changes nothing.
  audio->anchor(0, 0);
  pk.sequence = 1;
  pk.timestamp += 1024;
  audio->push(pk, 80000, frames);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].pts, 5000 + 9000 + 1920);
  // Across the 32-bit wrap: a report just before it, the first packet just after.
  auto wrapped = receiver(kSdp, 1);
  wrapped->anchor(0xffffff00u, 100);
  pk.timestamp = 0x00000100u;  // 512 ticks of 48 kHz later
  wrapped->push(pk, 0, frames);
  EXPECT_EQ(frames.back().pts, 100 + 512 * 90000 / 48000);
}

TEST(TrackReceiver, OpusAndWrongPayloadTypes) {
  const std::string sdp =
      "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 0 RTP/AVP 111\r\n"
      "a=rtpmap:111 opus/48000/2\r\n";
  auto opus = receiver(sdp, 0);
  ASSERT_TRUE(opus);
  EXPECT_EQ(opus->codec(), media::Codec::Opus);
  ASSERT_TRUE(opus->track());
  const Bytes payload = from_hex("fc ff fe");
  Packet pk;
  pk.payload_type = 111;
  pk.timestamp = 960;
  pk.payload = payload;
  std::vector<media::Frame> frames;
  opus->push(pk, 0, frames);
  pk.payload_type = 96;
  opus->push(pk, 0, frames);
  EXPECT_EQ(frames.size(), 1u);
  EXPECT_EQ(opus->counters().malformed_packets, 1u);
  EXPECT_NE(opus->last_error().find("payload type 96"), std::string::npos);
}

TEST(TrackReceiver, G711WithOrWithoutAnRtpmap) {
  const std::string head = "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
  // A static payload type (RFC 3551 6) needs no rtpmap: 8 is PCMA/8000, 0 is PCMU/8000.
  auto alaw = receiver(head + "m=audio 0 RTP/AVP 8\r\n", 0);
  ASSERT_TRUE(alaw);
  EXPECT_EQ(alaw->codec(), media::Codec::G711A);
  EXPECT_EQ(alaw->encoding(), "PCMA/8000");
  ASSERT_TRUE(alaw->track());
  EXPECT_EQ(alaw->track()->sample_rate, 8000u);
  EXPECT_EQ(alaw->track()->channels, 1u);
  auto mulaw = receiver(head + "m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", 0);
  ASSERT_TRUE(mulaw);
  EXPECT_EQ(mulaw->codec(), media::Codec::G711U);
  auto stereo = receiver(head + "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 PCMA/16000/2\r\n", 0);
  ASSERT_TRUE(stereo);
  EXPECT_EQ(stereo->track()->sample_rate, 16000u);
  EXPECT_EQ(stereo->track()->channels, 2u);
  // Each packet is a frame of its samples, timed by the 8 kHz clock.
  const Bytes samples(160, 0xd5);
  Packet pk;
  pk.payload_type = 8;
  pk.payload = samples;
  std::vector<media::Frame> frames;
  for (uint32_t i = 0; i < 3; ++i) {
    pk.sequence = static_cast<uint16_t>(i);
    pk.timestamp = 1000 + i * 160;
    alaw->push(pk, 0, frames);
  }
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[1].pts - frames[0].pts, 160 * 90000 / 8000);
  EXPECT_EQ(frames[2].payload.size(), 160u);
  EXPECT_EQ(frames[0].codec, media::Codec::G711A);
  pk.payload = {};
  alaw->push(pk, 0, frames);
  EXPECT_EQ(alaw->counters().malformed_packets, 1u);
}

TEST(TrackReceiver, RefusesWhatItCannotCarry) {
  const std::string head = "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
  auto g722 =
      TrackReceiver::create(section(head + "m=audio 0 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n", 0));
  ASSERT_FALSE(g722);
  EXPECT_NE(g722.error().message.find("no supported codec among G722/8000"), std::string::npos)
      << g722.error().message;
  auto three =
      TrackReceiver::create(section(head + "m=audio 0 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000/3\r\n", 0));
  ASSERT_FALSE(three);
  auto interleaved = TrackReceiver::create(section(
      head + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=2\r\n",
      0));
  ASSERT_FALSE(interleaved);
  EXPECT_NE(interleaved.error().message.find("packetization-mode=2"), std::string::npos);
  auto bad_aac = TrackReceiver::create(
      section(head + "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\n"
                     "a=fmtp:97 mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3\r\n",
              0));
  ASSERT_FALSE(bad_aac);  // no config: nothing to make the track from
  auto bad_sprop =
      TrackReceiver::create(section(head + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                                           "a=fmtp:96 sprop-parameter-sets=not*base64\r\n",
                                    0));
  ASSERT_FALSE(bad_sprop);
  EXPECT_NE(bad_sprop.error().message.find("sprop-parameter-sets"), std::string::npos);
}

}  // namespace
}  // namespace firstmile::format::rtp
