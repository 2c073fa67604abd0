#include "protocol/rtsp/rtp_packager.hpp"

#include <gtest/gtest.h>

#include "ffmpeg_vectors.hpp"
#include "format/rtp/packet.hpp"
#include "format/sdp.hpp"

namespace firstmile::rtsp {
namespace {

using test::from_hex;

// The interleaved frames of a packaged Buffer: ('$', channel, length, RTP packet) each.
std::vector<std::pair<uint8_t, Bytes>> frames_of(const Buffer& b) {
  std::vector<std::pair<uint8_t, Bytes>> out;
  ByteSpan s = b.span();
  while (!s.empty()) {
    EXPECT_GE(s.size(), 4u);
    EXPECT_EQ(s[0], '$');
    const size_t n = size_t{s[2]} << 8 | s[3];
    EXPECT_GE(s.size(), 4 + n);
    out.emplace_back(s[1], Bytes(s.begin() + 4, s.begin() + 4 + static_cast<ptrdiff_t>(n)));
    s = s.subspan(4 + n);
  }
  return out;
}

TEST(RtpPackager, DescribesTheTracks) {
  auto sdp = describe_tracks(test::avc_aac_tracks(), "127.0.0.1");
  ASSERT_TRUE(sdp);
  // What a player needs to set up both tracks, and reads back as SDP.
  auto parsed = format::sdp::parse(*sdp);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->media.size(), 2u);
  const auto& v = parsed->media[0];
  EXPECT_EQ(v.type, "video");
  EXPECT_EQ(v.formats, std::vector<std::string>{"96"});
  EXPECT_EQ(v.attribute("rtpmap"), "96 H264/90000");
  // libx264's SPS and PPS of the vectors, base64, and profile-level-id from the SPS.
  EXPECT_EQ(v.attribute("fmtp"),
            "96 packetization-mode=1; profile-level-id=64000a; "
            "sprop-parameter-sets=Z2QACqzZQoR+XARAAAADAEAAAAUDxIllgA==,aOvjyyLA");
  EXPECT_EQ(v.attribute("control"), "trackID=0");
  const auto& a = parsed->media[1];
  // The vectors' AAC is 44.1 kHz mono; its config carries ffmpeg's SBR-absent marker.
  EXPECT_EQ(a.attribute("rtpmap"), "97 MPEG4-GENERIC/44100/1");
  EXPECT_EQ(a.attribute("fmtp"),
            "97 streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; "
            "indexdeltalength=3; config=120856e500");
  EXPECT_EQ(a.attribute("control"), "trackID=1");
  EXPECT_FALSE(describe_tracks(media::Tracks{}, "127.0.0.1"));
}

TEST(RtpPackager, FramesEachFrameForInterleaving) {
  RtpPackager p;
  const auto tracks = test::avc_aac_tracks();
  EXPECT_TRUE(p.headers(tracks).empty());
  // A keyframe of 3000 bytes: FU-A fragments of at most 1400 payload bytes, on channel 0.
  Bytes idr = {0x65};
  idr.resize(3000, 0xab);
  media::Frame f;
  f.kind = media::MediaKind::Video;
  f.codec = media::Codec::H264;
  f.dts = f.pts = 90000;
  f.keyframe = true;
  f.payload = Buffer::copy(test::cat({from_hex("00000bb8"), idr}));
  auto video = p.package(f);
  ASSERT_TRUE(video);
  EXPECT_TRUE(video->keyframe);
  EXPECT_EQ(video->dts, 90000);
  auto frames = frames_of(video->data);
  ASSERT_EQ(frames.size(), 3u);
  uint32_t first_ts = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].first, kVideoChannel);
    auto rtp = format::rtp::parse(frames[i].second);
    ASSERT_TRUE(rtp);
    EXPECT_EQ(rtp->payload_type, kVideoPayloadType);
    EXPECT_EQ(rtp->marker, i + 1 == frames.size());
    EXPECT_LE(rtp->payload.size(), RtpPackager::kMaxPayload);
    EXPECT_EQ(rtp->payload[0], 0x7c);  // FU-A
    if (i == 0) first_ts = rtp->timestamp;
    EXPECT_EQ(rtp->timestamp, first_ts);
  }
  // The next frame 1/30 s later: 3000 ticks on the RTP clock, the sequence goes on.
  f.dts = f.pts = 93000;
  f.keyframe = false;
  f.payload = Buffer::copy(from_hex("00000003 419a02"));
  auto next = p.package(f);
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->keyframe);
  auto later = format::rtp::parse(frames_of(next->data).at(0).second);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->timestamp - first_ts, 3000u);
  EXPECT_EQ(later->sequence,
            static_cast<uint16_t>(format::rtp::parse(frames[2].second)->sequence + 1));

  // AAC: one frame per packet, AU header (16 bits of headers, 13-bit size, 3-bit index), on
  // channel 2, at the sample rate's clock.
  media::Frame a;
  a.kind = media::MediaKind::Audio;
  a.codec = media::Codec::AAC;
  a.dts = a.pts = 90000;
  a.payload = Buffer::copy(from_hex("0102030405"));
  auto audio = p.package(a);
  ASSERT_TRUE(audio);
  EXPECT_FALSE(audio->keyframe);  // with video, players resume at video keyframes
  auto af = frames_of(audio->data);
  ASSERT_EQ(af.size(), 1u);
  EXPECT_EQ(af[0].first, kAudioChannel);
  auto rtp = format::rtp::parse(af[0].second);
  ASSERT_TRUE(rtp);
  EXPECT_EQ(rtp->payload_type, kAudioPayloadType);
  EXPECT_TRUE(rtp->marker);
  EXPECT_EQ(Bytes(rtp->payload.begin(), rtp->payload.end()), from_hex("0010 0028 0102030405"));
  a.dts = a.pts = 90000 + 1920;  // 1920 ticks of 90 kHz are 940 of the track's 44.1 kHz
  auto audio2 = p.package(a);
  ASSERT_TRUE(audio2);
  auto rtp2 = format::rtp::parse(frames_of(audio2->data).at(0).second);
  EXPECT_EQ(rtp2->timestamp - rtp->timestamp, 1920u * 44100 / 90000);
  // A frame of a codec the tracks do not have: not packaged.
  a.codec = media::Codec::Opus;
  EXPECT_FALSE(p.package(a));
}

}  // namespace
}  // namespace firstmile::rtsp
