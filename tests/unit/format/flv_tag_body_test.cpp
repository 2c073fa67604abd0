// FLV audio and video tag bodies, legacy and Enhanced RTMP: parsing and writing.
#include "format/flv_test_util.hpp"

namespace firstmile::format {
namespace {

using media::Codec;
using test::from_hex;

TEST(VideoTag, ParsesFfmpegAvcSequenceHeader) {
  auto v = parse_video_tag(ffmpeg_body(kAvcSeqBodyAt, 52));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->codec, Codec::H264);
  EXPECT_FALSE(v->enhanced);
  EXPECT_EQ(v->codec_id, 7);
  EXPECT_TRUE(v->keyframe);
  EXPECT_EQ(v->kind, PacketKind::SequenceHeader);
  EXPECT_EQ(v->composition_time_ms, 0);
  ASSERT_EQ(v->payload.size(), 47u);  // the avcC record
  EXPECT_EQ(v->payload[0], 0x01);     // configurationVersion
  EXPECT_EQ(v->payload[1], 0xf4);     // AVCProfileIndication: High 4:4:4 (x264 on rgb input)
}

TEST(VideoTag, ParsesLegacyCodedFrames) {
  auto key = parse_video_tag(kFfmpegKeyframeStart);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->kind, PacketKind::CodedFrames);
  EXPECT_TRUE(key->keyframe);
  EXPECT_EQ(key->frame_type, 1);
  EXPECT_EQ(key->composition_time_ms, 200);
  EXPECT_EQ(span_bytes(key->payload), from_hex("000002ad 0605ffff a9dc45"));

  auto inter = parse_video_tag(from_hex("27 01 ffff38 00000001 09"));  // SI24 -200
  ASSERT_TRUE(inter.ok());
  EXPECT_FALSE(inter->keyframe);
  EXPECT_EQ(inter->composition_time_ms, -200);

  auto hevc = parse_video_tag(from_hex("2c 01 000028 00000001 02"));  // CodecID 12 quirk
  ASSERT_TRUE(hevc.ok());
  EXPECT_EQ(hevc->codec, Codec::H265);
  EXPECT_EQ(hevc->composition_time_ms, 40);
  const Bytes hevc_seq_body = from_hex("1c 00 000000 01 02 03");
  auto hevc_seq = parse_video_tag(hevc_seq_body);  // payload points into the body
  ASSERT_TRUE(hevc_seq.ok());
  EXPECT_EQ(hevc_seq->kind, PacketKind::SequenceHeader);
  EXPECT_EQ(span_bytes(hevc_seq->payload), from_hex("010203"));
}

TEST(VideoTag, LegacySpecialCases) {
  for (const char* eos : {"17 02 000000", "17 02"}) {
    auto v = parse_video_tag(from_hex(eos));
    ASSERT_TRUE(v.ok()) << eos;
    EXPECT_EQ(v->kind, PacketKind::EndOfSequence);
  }
  auto cmd = parse_video_tag(from_hex("57 01"));
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->kind, PacketKind::Command);
  EXPECT_EQ(cmd->command, 1);
  EXPECT_FALSE(cmd->keyframe);
  auto bare_cmd = parse_video_tag(from_hex("50"));
  ASSERT_TRUE(bare_cmd.ok());
  EXPECT_EQ(bare_cmd->kind, PacketKind::Command);

  auto vp6 = parse_video_tag(from_hex("24 0102"));
  ASSERT_TRUE(vp6.ok());
  EXPECT_EQ(vp6->codec, Codec::Unknown);
  EXPECT_EQ(vp6->codec_id, 4);
  EXPECT_EQ(vp6->kind, PacketKind::CodedFrames);

  EXPECT_FALSE(parse_video_tag({}).ok());
  EXPECT_FALSE(parse_video_tag(from_hex("07 01 000000")).ok());  // FrameType 0 reserved
  EXPECT_FALSE(parse_video_tag(from_hex("67 01 000000")).ok());  // FrameType 6 reserved
  EXPECT_FALSE(parse_video_tag(from_hex("17 03 000000")).ok());  // AVCPacketType 3
  EXPECT_FALSE(parse_video_tag(from_hex("17")).ok());
  EXPECT_FALSE(parse_video_tag(from_hex("17 01 0000")).ok());
}

// Enhanced RTMP ExVideoTagHeader: IsExHeader UB[1] = 1, FrameType UB[3], PacketType UB[4],
// then the FourCC. A keyframe (1) of CodedFrames (1) is 1 001 0001.
TEST(VideoTag, EnhancedHevcBitLayout) {
  constexpr uint8_t kKeyCodedFrames = 0b1'001'0001;
  static_assert(kKeyCodedFrames == 0x91);
  static_assert(fourcc("hvc1") == 0x68766331);
  const Bytes body = cat({from_hex("91"), as_bytes("hvc1"), from_hex("000021 00000002 2601")});
  auto v = parse_video_tag(body);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(v->enhanced);
  EXPECT_EQ(v->codec, Codec::H265);
  EXPECT_EQ(v->fourcc, fourcc("hvc1"));
  EXPECT_EQ(v->frame_type, 1);
  EXPECT_TRUE(v->keyframe);
  EXPECT_EQ(v->kind, PacketKind::CodedFrames);
  EXPECT_EQ(v->packet_type, 1);
  EXPECT_EQ(v->composition_time_ms, 33);
  EXPECT_EQ(span_bytes(v->payload), from_hex("00000002 2601"));
  // And the writer produces exactly those header bytes.
  EXPECT_EQ(
      build_video_tag(Codec::H265, PacketKind::CodedFrames, true, 33, from_hex("00000002 2601")),
      body);
}

TEST(VideoTag, EnhancedPacketTypes) {
  struct Case {
    const char* name;
    Bytes body;
    Codec codec;
    PacketKind kind;
    bool keyframe;
    int32_t cts;
    Bytes payload;
  };
  const Case cases[] = {
      {"hvc1 SequenceStart", cat({from_hex("90"), as_bytes("hvc1"), from_hex("01 0203")}),
       Codec::H265, PacketKind::SequenceHeader, true, 0, from_hex("01 0203")},
      {"hvc1 CodedFramesX inter", cat({from_hex("a3"), as_bytes("hvc1"), from_hex("00000001 02")}),
       Codec::H265, PacketKind::CodedFrames, false, 0, from_hex("00000001 02")},
      {"hvc1 negative cts", cat({from_hex("a1"), as_bytes("hvc1"), from_hex("ffffdf 05")}),
       Codec::H265, PacketKind::CodedFrames, false, -33, from_hex("05")},
      {"hvc1 SequenceEnd",
       cat({from_hex("92"), as_bytes("hvc1")}),
       Codec::H265,
       PacketKind::EndOfSequence,
       true,
       0,
       {}},
      {"avc1 CodedFrames has cts", cat({from_hex("91"), as_bytes("avc1"), from_hex("000050 aa")}),
       Codec::H264, PacketKind::CodedFrames, true, 80, from_hex("aa")},
      {"av01 CodedFrames has no cts", cat({from_hex("a1"), as_bytes("av01"), from_hex("0a0b0c")}),
       Codec::AV1, PacketKind::CodedFrames, false, 0, from_hex("0a0b0c")},
      {"vp09 SequenceStart", cat({from_hex("90"), as_bytes("vp09"), from_hex("01")}), Codec::VP9,
       PacketKind::SequenceHeader, true, 0, from_hex("01")},
      {"unknown fourcc", cat({from_hex("91"), as_bytes("xyz1"), from_hex("01")}), Codec::Unknown,
       PacketKind::CodedFrames, true, 0, from_hex("01")},
      {"Metadata ignores frame type", cat({from_hex("84"), as_bytes("hvc1"), from_hex("05")}),
       Codec::H265, PacketKind::Metadata, false, 0, from_hex("05")},
      {"MPEG2TSSequenceStart", cat({from_hex("95"), as_bytes("av01"), from_hex("80")}), Codec::AV1,
       PacketKind::Other, true, 0, from_hex("80")},
      {"Multitrack", from_hex("96 00 68766331 00 01"), Codec::Unknown, PacketKind::Other, true, 0,
       from_hex("00 68766331 00 01")},
      // ModEx (v2): size-1 = 2 -> 3 bytes TimestampOffsetNano = 500, then type 0 | CodedFrames.
      {"ModEx nano offset",
       cat({from_hex("97 02 0001f4 01"), as_bytes("hvc1"), from_hex("000010 aa")}), Codec::H265,
       PacketKind::CodedFrames, true, 16, from_hex("aa")},
      // ModEx with the 16-bit size escape (UI8 0xff -> UI16 + 1) and an unknown modifier.
      {"ModEx long form", cat({from_hex("97 ff 0000 aa 13"), as_bytes("hvc1"), from_hex("bb")}),
       Codec::H265, PacketKind::CodedFrames, true, 0, from_hex("bb")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto v = parse_video_tag(c.body);
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_TRUE(v->enhanced);
    EXPECT_EQ(v->codec, c.codec);
    EXPECT_EQ(v->kind, c.kind);
    EXPECT_EQ(v->keyframe, c.keyframe);
    EXPECT_EQ(v->composition_time_ms, c.cts);
    EXPECT_EQ(span_bytes(v->payload), c.payload);
  }
  auto modex =
      parse_video_tag(cat({from_hex("97 02 0001f4 01"), as_bytes("hvc1"), from_hex("000010")}));
  ASSERT_TRUE(modex.ok());
  EXPECT_EQ(modex->timestamp_offset_ns, 500u);
}

TEST(VideoTag, EnhancedCommandAndErrors) {
  auto cmd = parse_video_tag(from_hex("d1 01"));  // FrameType 5: UI8 command, no FourCC
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->kind, PacketKind::Command);
  EXPECT_EQ(cmd->command, 1);
  EXPECT_FALSE(parse_video_tag(from_hex("d1")).ok());
  EXPECT_FALSE(parse_video_tag(cat({from_hex("98"), as_bytes("hvc1")})).ok());  // reserved type 8
  EXPECT_FALSE(parse_video_tag(cat({from_hex("9f"), as_bytes("hvc1")})).ok());
  EXPECT_FALSE(parse_video_tag(cat({from_hex("81"), as_bytes("hvc1"), from_hex("000000")})).ok());
  EXPECT_FALSE(parse_video_tag(from_hex("97 05 0102")).ok());  // ModEx data cut short
  // Every strict prefix of an enhanced CodedFrames header is an error; the full header is not.
  const Bytes full = cat({from_hex("91"), as_bytes("hvc1"), from_hex("000010")});
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(parse_video_tag(ByteSpan(full).first(n)).ok()) << "prefix " << n;
  }
  auto ok = parse_video_tag(full);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->payload.empty());
}

// ---- audio tag bodies ----

TEST(AudioTag, ParsesFfmpegAac) {
  auto a = parse_audio_tag(ffmpeg_body(kAacSeqBodyAt, 7));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->codec, Codec::AAC);
  EXPECT_EQ(a->sound_format, 10);
  EXPECT_EQ(a->sound_rate, 3);
  EXPECT_EQ(a->sound_size, 1);
  EXPECT_EQ(a->sound_type, 1);
  EXPECT_EQ(a->kind, PacketKind::SequenceHeader);
  EXPECT_EQ(span_bytes(a->payload), from_hex("120856e500"));

  const Bytes raw_body = from_hex("af 01 de0200");
  auto raw = parse_audio_tag(raw_body);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->kind, PacketKind::CodedFrames);
  EXPECT_EQ(span_bytes(raw->payload), from_hex("de0200"));
}

TEST(AudioTag, LegacyFormats) {
  // ffmpeg -c:a libmp3lame -ar 22050 -ac 1 -f flv: first audio tag.
  const Bytes mp3_body = from_hex("2a fff340c400");
  auto mp3 = parse_audio_tag(mp3_body);
  ASSERT_TRUE(mp3.ok());
  EXPECT_EQ(mp3->codec, Codec::MP3);
  EXPECT_EQ(mp3->sound_rate, 2);
  EXPECT_EQ(mp3->sound_size, 1);
  EXPECT_EQ(mp3->sound_type, 0);
  EXPECT_EQ(mp3->kind, PacketKind::CodedFrames);
  EXPECT_EQ(span_bytes(mp3->payload), from_hex("fff340c400"));

  auto mp3_8k = parse_audio_tag(from_hex("e2 fff3"));
  ASSERT_TRUE(mp3_8k.ok());
  EXPECT_EQ(mp3_8k->codec, Codec::MP3);

  auto speex = parse_audio_tag(from_hex("b6 0102"));  // parsed, not a codec we carry
  ASSERT_TRUE(speex.ok());
  EXPECT_EQ(speex->codec, Codec::Unknown);
  EXPECT_EQ(speex->sound_format, 11);

  auto silence = parse_audio_tag({});
  ASSERT_TRUE(silence.ok());
  EXPECT_EQ(silence->kind, PacketKind::Other);

  EXPECT_FALSE(parse_audio_tag(from_hex("af")).ok());
  EXPECT_FALSE(parse_audio_tag(from_hex("af 02 00")).ok());
}

TEST(AudioTag, Enhanced) {
  const Bytes head_body = cat({from_hex("90"), as_bytes("Opus"), as_bytes("OpusHead")});
  auto head = parse_audio_tag(head_body);
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_TRUE(head->enhanced);
  EXPECT_EQ(head->codec, Codec::Opus);
  EXPECT_EQ(head->kind, PacketKind::SequenceHeader);
  EXPECT_EQ(span_bytes(head->payload), span_bytes(as_bytes("OpusHead")));

  const Bytes aac_body = cat({from_hex("91"), as_bytes("mp4a"), from_hex("21 10")});
  auto aac = parse_audio_tag(aac_body);
  ASSERT_TRUE(aac.ok());
  EXPECT_EQ(aac->codec, Codec::AAC);
  EXPECT_EQ(aac->kind, PacketKind::CodedFrames);
  EXPECT_EQ(span_bytes(aac->payload), from_hex("2110"));

  auto end = parse_audio_tag(cat({from_hex("92"), as_bytes("Opus")}));
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->kind, PacketKind::EndOfSequence);

  auto mc = parse_audio_tag(cat({from_hex("94"), as_bytes("Opus"), from_hex("01 02")}));
  ASSERT_TRUE(mc.ok());
  EXPECT_EQ(mc->kind, PacketKind::Other);

  auto flac = parse_audio_tag(cat({from_hex("91"), as_bytes("fLaC"), from_hex("ff")}));
  ASSERT_TRUE(flac.ok());
  EXPECT_EQ(flac->codec, Codec::Unknown);

  const Bytes modex_body = cat({from_hex("97 00 aa 01"), as_bytes("Opus"), from_hex("fc")});
  auto modex = parse_audio_tag(modex_body);
  ASSERT_TRUE(modex.ok());
  EXPECT_EQ(modex->kind, PacketKind::CodedFrames);
  EXPECT_EQ(span_bytes(modex->payload), from_hex("fc"));

  auto multitrack = parse_audio_tag(from_hex("95 00 4f707573 00"));
  ASSERT_TRUE(multitrack.ok());
  EXPECT_EQ(multitrack->kind, PacketKind::Other);

  EXPECT_FALSE(parse_audio_tag(cat({from_hex("93"), as_bytes("Opus")})).ok());  // reserved
  EXPECT_FALSE(parse_audio_tag(from_hex("9f 4f707573")).ok());
  EXPECT_FALSE(parse_audio_tag(from_hex("90 4f70")).ok());
}

// ---- builders ----

TEST(VideoTagWriter, H264MatchesFfmpeg) {
  const ByteSpan ffmpeg_seq = ffmpeg_body(kAvcSeqBodyAt, 52);
  EXPECT_EQ(
      build_video_tag(Codec::H264, PacketKind::SequenceHeader, true, 0, ffmpeg_seq.subspan(5)),
      span_bytes(ffmpeg_seq));
  Bytes hdr;
  EXPECT_EQ(write_video_tag_header(hdr, Codec::H264, PacketKind::CodedFrames, true, 200), 5u);
  EXPECT_EQ(hdr, Bytes(kFfmpegKeyframeStart.begin(), kFfmpegKeyframeStart.begin() + 5));
  hdr.clear();
  write_video_tag_header(hdr, Codec::H264, PacketKind::CodedFrames, false, -200);
  EXPECT_EQ(hdr, from_hex("27 01 ffff38"));
  hdr.clear();
  write_video_tag_header(hdr, Codec::H264, PacketKind::EndOfSequence, false, 99);
  EXPECT_EQ(hdr, from_hex("17 02 000000"));
}

TEST(VideoTagWriter, EnhancedCodecs) {
  const struct {
    Codec codec;
    PacketKind kind;
    bool key;
    int32_t cts;
    const char* expected;
  } cases[] = {
      {Codec::H265, PacketKind::SequenceHeader, true, 0, "90 68766331"},
      {Codec::H265, PacketKind::CodedFrames, true, 40, "91 68766331 000028"},
      {Codec::H265, PacketKind::CodedFrames, true, 0, "93 68766331"},  // CodedFramesX
      {Codec::H265, PacketKind::CodedFrames, false, 0, "a3 68766331"},
      {Codec::H265, PacketKind::CodedFrames, false, -33, "a1 68766331 ffffdf"},
      {Codec::H265, PacketKind::EndOfSequence, false, 0, "92 68766331"},
      {Codec::H265, PacketKind::CodedFrames, true, 1 << 24, "91 68766331 7fffff"},  // clamped
      {Codec::AV1, PacketKind::CodedFrames, true, 40, "91 61763031"},  // no cts for av01
      {Codec::VP9, PacketKind::SequenceHeader, true, 0, "90 76703039"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expected);
    Bytes out = from_hex("ee");  // writers append
    const size_t n = write_video_tag_header(out, c.codec, c.kind, c.key, c.cts);
    EXPECT_EQ(n, out.size() - 1);
    EXPECT_EQ(out, cat({from_hex("ee"), from_hex(c.expected)}));
    // Round trip through the parser.
    const Bytes body = build_video_tag(c.codec, c.kind, c.key, c.cts, from_hex("00"));
    auto v = parse_video_tag(body);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->codec, c.codec);
    EXPECT_EQ(v->kind, c.kind);
    EXPECT_EQ(span_bytes(v->payload), from_hex("00"));
  }
}

TEST(VideoTagWriter, RefusesWhatFlvCannotCarry) {
  Bytes out = from_hex("01");
  EXPECT_EQ(write_video_tag_header(out, Codec::Opus, PacketKind::CodedFrames, true, 0), 0u);
  EXPECT_EQ(write_video_tag_header(out, Codec::Unknown, PacketKind::CodedFrames, true, 0), 0u);
  EXPECT_EQ(write_video_tag_header(out, Codec::H264, PacketKind::Metadata, true, 0), 0u);
  EXPECT_EQ(write_video_tag_header(out, Codec::H265, PacketKind::Command, true, 0), 0u);
  EXPECT_EQ(out, from_hex("01"));
  EXPECT_TRUE(
      build_video_tag(Codec::AAC, PacketKind::CodedFrames, true, 0, from_hex("00")).empty());
}

TEST(AudioTagWriter, Formats) {
  EXPECT_EQ(build_audio_tag(Codec::AAC, PacketKind::SequenceHeader, from_hex("120856e500")),
            span_bytes(ffmpeg_body(kAacSeqBodyAt, 7)));
  EXPECT_EQ(build_audio_tag(Codec::AAC, PacketKind::CodedFrames, from_hex("de02")),
            from_hex("af 01 de02"));
  EXPECT_EQ(build_audio_tag(Codec::MP3, PacketKind::CodedFrames, from_hex("fff3"), 22050, 1),
            from_hex("2a fff3"));  // what ffmpeg writes for 22.05 kHz mono
  EXPECT_EQ(build_audio_tag(Codec::MP3, PacketKind::CodedFrames, {}, 44100, 2), from_hex("2f"));
  EXPECT_EQ(build_audio_tag(Codec::MP3, PacketKind::CodedFrames, {}, 8000, 1), from_hex("e2"));
  EXPECT_EQ(build_audio_tag(Codec::Opus, PacketKind::SequenceHeader, as_bytes("OpusHead")),
            cat({from_hex("90 4f707573"), as_bytes("OpusHead")}));
  EXPECT_EQ(build_audio_tag(Codec::Opus, PacketKind::CodedFrames, from_hex("fc")),
            from_hex("91 4f707573 fc"));

  Bytes out;
  EXPECT_EQ(write_audio_tag_header(out, Codec::AAC, PacketKind::EndOfSequence), 0u);
  EXPECT_EQ(write_audio_tag_header(out, Codec::MP3, PacketKind::SequenceHeader), 0u);
  EXPECT_EQ(write_audio_tag_header(out, Codec::H264, PacketKind::CodedFrames), 0u);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(write_audio_tag_header(out, Codec::AAC, PacketKind::CodedFrames), 2u);

  for (Codec c : {Codec::AAC, Codec::Opus}) {
    const Bytes body = build_audio_tag(c, PacketKind::SequenceHeader, from_hex("1190"));
    auto a = parse_audio_tag(body);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->codec, c);
    EXPECT_EQ(a->kind, PacketKind::SequenceHeader);
    EXPECT_EQ(span_bytes(a->payload), from_hex("1190"));
  }
}

}  // namespace
}  // namespace firstmile::format
