#include "format/mpegts/pes.hpp"

#include <gtest/gtest.h>

#include "format/mpegts/ts_demuxer_vectors.hpp"
#include "hex.hpp"

#include "media/codec/h264.hpp"

namespace firstmile::format {
namespace {

using namespace ts_demux_vectors;
using test::from_hex;

TEST(Pes, ParsesFfmpegHeaders) {
  // Packet 3 of h264_aac.ts: adaptation field of 7 bytes, then the first video PES header.
  auto video = parse_pes_header(ByteSpan(kH264AacTs).subspan(3 * 188 + 12));
  ASSERT_TRUE(video.ok()) << video.error().message;
  EXPECT_EQ(video->stream_id, 0xE0);
  EXPECT_EQ(video->packet_length, 0u);  // unbounded
  EXPECT_EQ(video->payload_offset, 19u);
  ASSERT_TRUE(video->pts && video->dts);
  EXPECT_EQ(*video->pts, 133200u);  // ffprobe
  EXPECT_EQ(*video->dts, 126000u);

  // Packet 26: the first audio PES, PTS only.
  auto audio = parse_pes_header(ByteSpan(kH264AacTs).subspan(26 * 188 + 6));
  ASSERT_TRUE(audio.ok());
  EXPECT_EQ(audio->stream_id, 0xC0);
  EXPECT_EQ(audio->packet_length, 0x048Du);
  EXPECT_EQ(audio->payload_offset, 14u);
  EXPECT_EQ(*audio->pts, 131280u);
  EXPECT_FALSE(audio->dts);
}

TEST(Pes, TimestampUsesAll33Bits) {
  // PTS 0x1FFFFFFFF: '0010' 111 1, then 15 ones + marker, 15 ones + marker.
  auto h = parse_pes_header(from_hex("000001e0 0000 80 80 05 2fffffffff"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h->pts, kTimestampModulus - 1);
}

TEST(Pes, RefusesBadHeaders) {
  EXPECT_FALSE(parse_pes_header(from_hex("000002e0 0000 80 80 05 2100010001")).ok());  // prefix
  EXPECT_FALSE(parse_pes_header(from_hex("000001be 0010 ffff")).ok());  // padding_stream
  EXPECT_FALSE(parse_pes_header(from_hex("000001e0 0000 80 40 05 2100010001")).ok());  // '01'
  EXPECT_FALSE(parse_pes_header(from_hex("000001e0 0000 80 80 09 2100010001")).ok());  // length
  EXPECT_FALSE(parse_pes_header(from_hex("000001e0 0000 80 c0 05 2100010001")).ok());  // no DTS
  EXPECT_FALSE(parse_pes_header(from_hex("000001e0 0000 40 80 05 2100010001")).ok());  // '10'
  EXPECT_FALSE(parse_pes_header(from_hex("000001e0 00")).ok());
}

TEST(Pes, VideoAccessUnitDropsDelimitersAndFindsKeyframes) {
  // AUD, SPS, PPS, IDR slice, filler data; 3- and 4-byte start codes.
  const Bytes annexb = from_hex(
      "00000001 09f0  00000001 6764000a ac  000001 68ebe3cb  000001 658884  000001 0cffff80");
  VideoAccessUnit au = parse_video_access_unit(media::Codec::H264, annexb);
  EXPECT_TRUE(au.keyframe);
  EXPECT_EQ(au.avcc, from_hex("00000005 6764000aac 00000004 68ebe3cb 00000003 658884"));
  ASSERT_EQ(au.sps.size(), 1u);
  EXPECT_EQ(au.sps[0], from_hex("6764000aac"));
  ASSERT_EQ(au.pps.size(), 1u);
  EXPECT_FALSE(parse_video_access_unit(media::Codec::H264, from_hex("00000001 419a")).keyframe);

  // H.265: AUD (35), CRA (21) is a random access point; TRAIL_R (1) is not.
  VideoAccessUnit hevc =
      parse_video_access_unit(media::Codec::H265, from_hex("00000001 460150 00000001 2a01af"));
  EXPECT_TRUE(hevc.keyframe);
  EXPECT_EQ(hevc.avcc, from_hex("00000003 2a01af"));
  EXPECT_FALSE(parse_video_access_unit(media::Codec::H265, from_hex("000001 0201d0")).keyframe);
}

TEST(Pes, SplitsAdts) {
  // Two ADTS frames (LC, 48 kHz, mono, 9 and 8 bytes) then a truncated one.
  const Bytes payload = from_hex("fff14c40013ffc 0102  fff14c40011ffc 01  fff14c4001");
  AdtsFrames a = split_adts(payload);
  EXPECT_TRUE(a.malformed);
  ASSERT_EQ(a.frames.size(), 2u);
  EXPECT_EQ(a.frames[0].offset, 7u);
  EXPECT_EQ(a.frames[0].size, 2u);
  EXPECT_EQ(a.frames[1].offset, 16u);
  EXPECT_EQ(a.frames[1].size, 1u);
  EXPECT_EQ(a.frames[0].config.sample_rate, 48000u);
  EXPECT_EQ(a.frames[0].config.channel_config, 1u);
  EXPECT_FALSE(split_adts(ByteSpan(payload).first(17)).malformed);
}

TEST(Pes, OpusPacketDurationsFollowTheToc) {
  // RFC 6716 3.1: config 0 = SILK NB 10 ms, 3 = 60 ms, 13 = hybrid 20 ms, 16 = CELT 2.5 ms,
  // 31 = CELT 20 ms; c = 1 and 2 are two frames, c = 3 counts them in the next byte.
  EXPECT_EQ(opus_packet_samples(from_hex("00")), 480u);
  EXPECT_EQ(opus_packet_samples(from_hex("18")), 2880u);
  EXPECT_EQ(opus_packet_samples(from_hex("68")), 960u);
  EXPECT_EQ(opus_packet_samples(from_hex("80")), 120u);
  EXPECT_EQ(opus_packet_samples(from_hex("f8")), 960u);
  EXPECT_EQ(opus_packet_samples(from_hex("f9")), 1920u);
  EXPECT_EQ(opus_packet_samples(from_hex("fa")), 1920u);
  EXPECT_EQ(opus_packet_samples(from_hex("fb 03")), 2880u);
  EXPECT_EQ(opus_packet_samples(from_hex("fb")), 0u);
  EXPECT_EQ(opus_packet_samples({}), 0u);
}

TEST(Pes, SplitsOpusControlHeaders) {
  // Start trim and a 300-byte packet (au_size ff 2d), then a plain header with a control
  // extension of 2 bytes and a 1-byte packet, then a bad prefix.
  Bytes payload = from_hex("7ff0 ff2d 0138");
  payload.push_back(0xF8);
  payload.insert(payload.end(), 299, 0x11);
  const Bytes second = from_hex("7fe4 01 02 aabb f8 1234");
  payload.insert(payload.end(), second.begin(), second.end());
  OpusPackets o = split_opus(payload);
  EXPECT_TRUE(o.malformed);  // "12 34" is not a control header
  ASSERT_EQ(o.packets.size(), 2u);
  EXPECT_EQ(o.packets[0].offset, 6u);
  EXPECT_EQ(o.packets[0].size, 300u);
  EXPECT_EQ(o.packets[0].samples, 960u);
  EXPECT_EQ(o.packets[1].offset, 306u + 6u);
  EXPECT_EQ(o.packets[1].size, 1u);
  // An au_size past the end.
  EXPECT_TRUE(split_opus(from_hex("7fe0 05 f8")).malformed);
}

TEST(Pes, BuildsOpusHead) {
  // RFC 7845 5.1: mono, family 0.
  EXPECT_EQ(build_opus_head(1), from_hex("4f707573486561640101000080bb0000000000"));
  // 5.1 surround (5.1.1.2, Vorbis order): 4 streams, 2 coupled, mapping 0 4 1 2 3 5.
  EXPECT_EQ(build_opus_head(6),
            from_hex("4f707573486561640106000080bb0000000001 04 02 000401020305"));
  EXPECT_TRUE(build_opus_head(9).empty());
  EXPECT_TRUE(build_opus_head(0x80).empty());
}

}  // namespace
}  // namespace firstmile::format
