#include "format/sdp.hpp"

#include <gtest/gtest.h>

namespace firstmile::format::sdp {
namespace {

// What ffmpeg 5.1's RTSP muxer ANNOUNCEs for H.264 + AAC (its sdp.c: CRLF line ends, "; "
// between the H.264 fmtp parameters, control per stream).
constexpr std::string_view kFfmpegAnnounce =
    "v=0\r\n"
    "o=- 0 0 IN IP4 127.0.0.1\r\n"
    "s=No Name\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "a=tool:libavformat 59.27.100\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1; "
    "sprop-parameter-sets=Z2QAH6zZQFAFuhAAAAMAEAAAAwPA8YMZYA==,aOvjyyLA; "
    "profile-level-id=64001F\r\n"
    "a=control:streamid=0\r\n"
    "m=audio 0 RTP/AVP 97\r\n"
    "b=AS:128\r\n"
    "a=rtpmap:97 MPEG4-GENERIC/48000/2\r\n"
    "a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; "
    "config=119056E500\r\n"
    "a=control:streamid=1\r\n";

// The shape of an IP camera's DESCRIBE answer: LF line ends, an e= line, absolute control
// URLs, vendor attributes, G.711 A-law audio, a blank line at the end.
constexpr std::string_view kCameraDescribe =
    "v=0\n"
    "o=- 1109162014219182 1109162014219192 IN IP4 192.0.2.10\n"
    "s=Media Presentation\n"
    "e=NONE\n"
    "b=AS:5050\n"
    "t=0 0\n"
    "a=control:rtsp://192.0.2.10:554/Streaming/Channels/101/?transportmode=unicast\n"
    "m=video 0 RTP/AVP 96\n"
    "c=IN IP4 0.0.0.0\n"
    "b=AS:5000\n"
    "a=recvonly\n"
    "a=x-dimensions:1920,1080\n"
    "a=control:rtsp://192.0.2.10:554/Streaming/Channels/101/trackID=1?transportmode=unicast\n"
    "a=rtpmap:96 H264/90000\n"
    "a=fmtp:96 profile-level-id=420029; packetization-mode=1; "
    "sprop-parameter-sets=Z01AKI2NQDwBE/LCAAAOEAACvyAI,aO44gA==\n"
    "m=audio 0 RTP/AVP 8\n"
    "c=IN IP4 0.0.0.0\n"
    "b=AS:50\n"
    "a=recvonly\n"
    "a=control:rtsp://192.0.2.10:554/Streaming/Channels/101/trackID=2?transportmode=unicast\n"
    "a=rtpmap:8 PCMA/8000\n"
    "a=appversion:1.0\n"
    "\n";

// The start of a browser's WebRTC offer (BUNDLE, ICE and DTLS attributes, flags).
constexpr std::string_view kWebRtcOffer =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Qx4c\r\n"
    "a=ice-pwd:q6Ny2nPbgfeh7b1xR9aK3VzF\r\n"
    "a=fingerprint:sha-256 "
    "0F:74:31:25:CB:A2:13:EC:28:6F:6D:2C:61:FF:5D:C2:BC:B9:DB:3D:98:14:8D:1A:BB:EA:33:0C:A4:60:A8:"
    "8E\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=sendonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=fmtp:126 0-15\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:1\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";

TEST(Sdp, ReadsWhatFfmpegAnnounces) {
  auto s = parse(kFfmpegAnnounce);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->origin, "- 0 0 IN IP4 127.0.0.1");
  EXPECT_EQ(s->name, "No Name");
  EXPECT_EQ(s->connection, "IN IP4 127.0.0.1");
  EXPECT_EQ(s->times, std::vector<std::string>{"0 0"});
  EXPECT_EQ(s->attribute("tool"), "libavformat 59.27.100");
  ASSERT_EQ(s->media.size(), 2u);

  const Media& v = s->media[0];
  EXPECT_EQ(v.type, "video");
  EXPECT_EQ(v.port, 0);
  EXPECT_EQ(v.protocol, "RTP/AVP");
  EXPECT_EQ(v.formats, std::vector<std::string>{"96"});
  EXPECT_EQ(v.attribute("control"), "streamid=0");
  EXPECT_EQ(rtpmap_for(v, 96), (RtpMap{96, "H264", 90000, 0}));
  auto fmtp = fmtp_for(v, 96);
  ASSERT_TRUE(fmtp);
  EXPECT_EQ(fmtp->get("packetization-mode"), "1");
  // Split at the first '=': base64 padding stays in the value.
  EXPECT_EQ(fmtp->get("sprop-parameter-sets"), "Z2QAH6zZQFAFuhAAAAMAEAAAAwPA8YMZYA==,aOvjyyLA");
  EXPECT_EQ(fmtp->get("PROFILE-LEVEL-ID"), "64001F");  // names compare case-insensitively

  const Media& a = s->media[1];
  EXPECT_EQ(a.bandwidths, std::vector<std::string>{"AS:128"});
  EXPECT_EQ(rtpmap_for(a, 97), (RtpMap{97, "MPEG4-GENERIC", 48000, 2}));
  auto afmtp = fmtp_for(a, 97);
  ASSERT_TRUE(afmtp);
  EXPECT_EQ(afmtp->get("config"), "119056E500");
  EXPECT_EQ(afmtp->get("mode"), "AAC-hbr");
  EXPECT_EQ(afmtp->params.size(), 6u);
  EXPECT_FALSE(rtpmap_for(a, 96));
  EXPECT_FALSE(fmtp_for(a, 96));

  // Written back byte for byte: it is already in RFC 8866 order with CRLF.
  EXPECT_EQ(write(*s), kFfmpegAnnounce);
}

TEST(Sdp, ReadsACameraDescribeWithItsQuirks) {
  auto s = parse(kCameraDescribe);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->name, "Media Presentation");
  EXPECT_EQ(s->bandwidths, std::vector<std::string>{"AS:5050"});
  EXPECT_EQ(s->other, (std::vector<Line>{{'e', "NONE"}}));
  EXPECT_EQ(s->attribute("control"),
            "rtsp://192.0.2.10:554/Streaming/Channels/101/?transportmode=unicast");
  ASSERT_EQ(s->media.size(), 2u);
  EXPECT_EQ(s->media[0].connection, "IN IP4 0.0.0.0");
  EXPECT_TRUE(s->media[0].has_attribute("recvonly"));
  EXPECT_EQ(s->media[0].attribute("recvonly"), "");
  EXPECT_FALSE(s->media[0].has_attribute("sendonly"));
  EXPECT_EQ(s->media[0].attribute("x-dimensions"), "1920,1080");
  EXPECT_EQ(fmtp_for(s->media[0], 96)->get("sprop-parameter-sets"),
            "Z01AKI2NQDwBE/LCAAAOEAACvyAI,aO44gA==");
  EXPECT_EQ(s->media[1].formats, std::vector<std::string>{"8"});
  EXPECT_EQ(rtpmap_for(s->media[1], 8), (RtpMap{8, "PCMA", 8000, 0}));
  // Written with CRLF, e= after t=, and read back the same.
  const std::string text = write(*s);
  EXPECT_NE(text.find("t=0 0\r\ne=NONE\r\na=control:rtsp://"), std::string::npos) << text;
  auto again = parse(text);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *s);
}

TEST(Sdp, ReadsAWebRtcOffer) {
  auto s = parse(kWebRtcOffer);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->attribute("group"), "BUNDLE 0 1");
  EXPECT_EQ(s->attribute("extmap-allow-mixed"), "");
  EXPECT_EQ(s->attribute("msid-semantic"), " WMS");  // as written, the space kept
  ASSERT_EQ(s->media.size(), 2u);
  const Media& a = s->media[0];
  EXPECT_EQ(a.port, 9);
  EXPECT_EQ(a.protocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(a.formats, (std::vector<std::string>{"111", "63", "126"}));
  EXPECT_EQ(a.attribute("ice-ufrag"), "Qx4c");
  EXPECT_EQ(a.attribute("setup"), "actpass");
  EXPECT_TRUE(a.has_attribute("rtcp-mux"));
  EXPECT_EQ(rtpmap_for(a, 111), (RtpMap{111, "opus", 48000, 2}));
  EXPECT_EQ(fmtp_for(a, 111)->get("useinbandfec"), "1");
  auto dtmf = fmtp_for(a, 126);
  ASSERT_TRUE(dtmf);
  EXPECT_EQ(dtmf->params, (std::vector<std::pair<std::string, std::string>>{{"0-15", ""}}));
  EXPECT_EQ(fmtp_for(s->media[1], 96)->get("profile-level-id"), "42e01f");
  EXPECT_EQ(write(*s), kWebRtcOffer);
}

TEST(Sdp, WritesAModelMadeInCode) {
  Session s;
  s.name = "firstmile";
  Media v;
  v.type = "video";
  v.protocol = "RTP/AVP";
  v.formats = {"96"};
  v.attributes = {{"rtpmap", "96 H264/90000", true}, {"control", "trackID=0", true}};
  Media a = v;
  a.type = "audio";
  a.port = 5004;
  a.port_count = 2;
  a.formats = {"0", "8"};
  a.attributes = {{"sendonly", "", false}};
  s.media = {v, a};
  EXPECT_EQ(write(s),
            "v=0\r\n"
            "o=- 0 0 IN IP4 127.0.0.1\r\n"
            "s=firstmile\r\n"
            "t=0 0\r\n"
            "m=video 0 RTP/AVP 96\r\n"
            "a=rtpmap:96 H264/90000\r\n"
            "a=control:trackID=0\r\n"
            "m=audio 5004/2 RTP/AVP 0 8\r\n"
            "a=sendonly\r\n");
  auto back = parse(write(s));
  ASSERT_TRUE(back);
  s.times = {"0 0"};  // written for the missing t=, read back as one
  EXPECT_EQ(*back, s);
}

TEST(Sdp, LenientWhereSendersAre) {
  // No s= or t=, tabs and runs of spaces in m=, trailing spaces, blank lines, a line type it
  // has no field for inside a media section.
  auto s = parse(
      "v=0\n\no=- 1 1 IN IP4 0.0.0.0  \nm=video\t0  RTP/AVP   96 \nk=prompt\na=rtpmap:96 "
      "H265/90000\n\n");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->name, "-");
  EXPECT_EQ(s->times, std::vector<std::string>{"0 0"});  // RFC 8866 5.9 requires one
  EXPECT_EQ(s->origin, "- 1 1 IN IP4 0.0.0.0");
  ASSERT_EQ(s->media.size(), 1u);
  EXPECT_EQ(s->media[0].formats, std::vector<std::string>{"96"});
  EXPECT_EQ(s->media[0].other, (std::vector<Line>{{'k', "prompt"}}));
  EXPECT_EQ(rtpmap_for(s->media[0], 96)->encoding, "H265");
}

TEST(Sdp, RefusesWithTheLineAndTheReason) {
  auto message = [](std::string_view text) {
    auto s = parse(text);
    return s ? std::string("(accepted)") : s.error().message;
  };
  EXPECT_EQ(message(""), "empty SDP");
  EXPECT_EQ(message("\r\n\r\n"), "empty SDP");
  EXPECT_EQ(message("o=- 0 0 IN IP4 0.0.0.0\r\nv=0\r\n"), "line 1: SDP must start with v=0");
  EXPECT_EQ(message("v=1\r\n"), "line 1: SDP must start with v=0");
  EXPECT_EQ(message("v=0\r\nv=0\r\n"), "line 2: a second v= line");
  EXPECT_EQ(message("v=0\r\nhello\r\n"), "line 2: not an SDP line (type=value)");
  EXPECT_EQ(message("v=0\r\nA=x\r\n"), "line 2: not an SDP line (type=value)");
  EXPECT_EQ(message("v=0\r\nm=video 0 RTP/AVP\r\n"),
            "line 2: m= needs media, port, protocol and at least one format");
  EXPECT_EQ(message("v=0\r\nm=video 70000 RTP/AVP 96\r\n"),
            "line 2: m= port \"70000\" is not a port number");
  EXPECT_EQ(message("v=0\r\nm=video -1 RTP/AVP 96\r\n"),
            "line 2: m= port \"-1\" is not a port number");
  EXPECT_EQ(message("v=0\r\nm=video 5000/0 RTP/AVP 96\r\n"),
            "line 2: m= port count \"0\" is not valid");
  EXPECT_EQ(message(std::string_view("v=0\r\na=x\0y\r\n", 12)), "NUL byte in SDP");
}

TEST(Sdp, BoundedInEveryDimension) {
  Limits small;
  small.max_bytes = 100;
  EXPECT_EQ(parse(std::string(101, 'x'), small).error().message,
            "SDP of 101 bytes is over the limit of 100");
  small = {};
  small.max_lines = 3;
  EXPECT_EQ(parse("v=0\na=1\na=2\na=3\n", small).error().message, "SDP has more than 3 lines");
  small = {};
  small.max_line_bytes = 10;
  EXPECT_EQ(parse("v=0\na=0123456789\n", small).error().message,
            "line 2: 12 bytes, over the limit of 10");
  small = {};
  small.max_media = 1;
  EXPECT_EQ(parse("v=0\nm=audio 0 RTP/AVP 0\nm=audio 0 RTP/AVP 0\n", small).error().message,
            "line 3: more than 1 media sections");
  small = {};
  small.max_formats = 2;
  EXPECT_EQ(parse("v=0\nm=audio 0 RTP/AVP 0 8 9\n", small).error().message,
            "line 2: m= lists 3 formats, over the limit of 2");
  // The defaults hold a large WebRTC offer.
  std::string big = "v=0\r\n";
  for (int i = 0; i < 16; ++i) {
    big += "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103\r\n";
    for (int j = 0; j < 40; ++j)
      big += "a=ssrc:1234567890 cname:abcdefghijklmnop\r\n";
  }
  EXPECT_TRUE(parse(big));
}

TEST(Sdp, RtpMapAndFmtp) {
  EXPECT_EQ(*parse_rtpmap("0 PCMU/8000"), (RtpMap{0, "PCMU", 8000, 0}));
  EXPECT_EQ(*parse_rtpmap(" 97  mpeg4-generic/16000/1 "), (RtpMap{97, "mpeg4-generic", 16000, 1}));
  EXPECT_EQ(parse_rtpmap("128 X/90000").error().message,
            "rtpmap: payload type \"128\" is not 0-127");
  EXPECT_EQ(parse_rtpmap("x H264/90000").error().message,
            "rtpmap: payload type \"x\" is not 0-127");
  EXPECT_EQ(parse_rtpmap("96 H264").error().message, "rtpmap: \"H264\" is not encoding/clock rate");
  EXPECT_EQ(parse_rtpmap("96 /90000").error().message,
            "rtpmap: \"/90000\" is not encoding/clock rate");
  EXPECT_EQ(parse_rtpmap("96 H264/0").error().message, "rtpmap: clock rate \"0\" is not valid");
  EXPECT_EQ(parse_rtpmap("96 H264/4294967296").error().message,
            "rtpmap: clock rate \"4294967296\" is not valid");
  EXPECT_EQ(parse_rtpmap("96 opus/48000/x").error().message,
            "rtpmap: channels \"x\" are not valid");
  EXPECT_EQ(parse_rtpmap("96 opus/48000/256").error().message,
            "rtpmap: channels \"256\" are not valid");

  auto f = parse_fmtp("96 a=1;; b = 2 ;c;d==x=");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload_type, 96);
  EXPECT_EQ(f->params, (std::vector<std::pair<std::string, std::string>>{
                           {"a", "1"}, {"b", "2"}, {"c", ""}, {"d", "=x="}}));
  EXPECT_FALSE(f->get("e"));
  EXPECT_TRUE(parse_fmtp("101")->params.empty());
  EXPECT_EQ(parse_fmtp("").error().message, "fmtp: payload type \"\" is not 0-127");
}

}  // namespace
}  // namespace firstmile::format::sdp
