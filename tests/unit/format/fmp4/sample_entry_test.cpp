// Sample entries, checked through the init segment the muxer builds around them.
#include "format/fmp4/sample_entry.hpp"

#include <gtest/gtest.h>

#include "box_reader.hpp"
#include "ffmpeg_vectors.hpp"  // kHvcc (x265)
#include "fmp4_vectors.hpp"
#include "format/fmp4/fmp4_muxer.hpp"
#include "hex.hpp"

namespace firstmile::format {
namespace {

using media::Codec;
using media::MediaKind;
using test::from_hex;
using test::bmff::be_at;
using test::bmff::Box;
using test::bmff::to_bytes;
using test::bmff::walk_all;

using test::fmp4_avc_aac_tracks;
using test::fmp4_track;

TEST(Fmp4Init, Avc1CarriesTheAvccRecordVerbatim) {
  const auto boxes = walk_all(Fmp4Muxer(fmp4_avc_aac_tracks()).init_segment());
  const Box& stsd = boxes[1].all("trak")[0]->path("mdia/minf/stbl/stsd");
  EXPECT_EQ(be_at(stsd.body, 4, 4), 1u);  // entry_count
  const Box& avc1 = stsd.child("avc1");
  EXPECT_EQ(be_at(avc1.body, 6, 2), 1u);     // data_reference_index
  EXPECT_EQ(be_at(avc1.body, 24, 2), 160u);  // width
  EXPECT_EQ(be_at(avc1.body, 26, 2), 120u);  // height
  EXPECT_EQ(be_at(avc1.body, 28, 4), 0x00480000u);
  EXPECT_EQ(be_at(avc1.body, 40, 2), 1u);  // frame_count
  EXPECT_EQ(be_at(avc1.body, 74, 4), 0x0018ffffu);
  EXPECT_EQ(avc1.child_types(), std::vector<std::string>{"avcC"});
  EXPECT_EQ(to_bytes(avc1.child("avcC").body), test::kX264Avcc);
}

TEST(Fmp4Init, Hvc1CarriesTheHvccRecordVerbatim) {
  media::Tracks t;
  t.video = fmp4_track(MediaKind::Video, Codec::H265, test::kHvcc);
  Fmp4Muxer mux(t);
  const auto boxes = walk_all(mux.init_segment());
  const Box& hvc1 = boxes[1].child("trak").path("mdia/minf/stbl/stsd/hvc1");
  EXPECT_EQ(be_at(hvc1.body, 24, 2), 320u);
  EXPECT_EQ(be_at(hvc1.body, 26, 2), 240u);
  EXPECT_EQ(to_bytes(hvc1.child("hvcC").body), test::kHvcc);
  EXPECT_EQ(be_at(boxes[1].child("mvhd").body, 96, 4), 2u);
}

TEST(Fmp4Init, Mp4aEsdsWrapsTheAudioSpecificConfig) {
  const Bytes init = Fmp4Muxer(fmp4_avc_aac_tracks()).init_segment();
  const auto boxes = walk_all(init);
  const Box& mp4a = boxes[1].all("trak")[1]->path("mdia/minf/stbl/stsd/mp4a");
  EXPECT_EQ(mp4a.size, 78u);
  EXPECT_EQ(be_at(mp4a.body, 6, 2), 1u);    // data_reference_index
  EXPECT_EQ(be_at(mp4a.body, 16, 2), 2u);   // channelcount
  EXPECT_EQ(be_at(mp4a.body, 18, 2), 16u);  // samplesize
  EXPECT_EQ(be_at(mp4a.body, 24, 4), 44100u << 16);
  // 14496-14 esds: ES_Descriptor(3) { ES_ID 0, flags 0, DecoderConfigDescriptor(4) { 0x40
  // audio 14496-3, streamType 5 << 2 | 1, buffer/bitrates 0, DecSpecificInfo(5) { ASC } },
  // SLConfigDescriptor(6) { predefined 2 } }, sizes worked out by hand.
  const Box& esds = mp4a.child("esds");
  EXPECT_EQ(Bytes(init.begin() + static_cast<ptrdiff_t>(esds.offset),
                  init.begin() + static_cast<ptrdiff_t>(esds.offset + esds.size)),
            from_hex("0000002a 65736473 00000000"
                     "03 1c 0000 00"
                     "04 14 40 15 000000 00000000 00000000"
                     "05 05 121056e500"
                     "06 01 02"));
}

TEST(Fmp4Init, LongDecoderSpecificInfoUsesMultiByteDescriptorSizes) {
  media::Tracks t;
  t.audio = fmp4_track(MediaKind::Audio, Codec::AAC, test::kAacAsc);
  Bytes asc = test::kAacAsc;
  asc.resize(200, 0);  // a made-up 200-byte config: sizes above 127 take two bytes
  t.audio->config = Buffer::copy(asc);
  const auto boxes = walk_all(Fmp4Muxer(t).init_segment());
  const Box& esds = boxes[1].child("trak").path("mdia/minf/stbl/stsd/mp4a/esds");
  // DSI body 200 -> 2-byte size (0x81 0x48); DCD body 13 + 203 = 216 (0x81 0x58);
  // ES body 3 + 219 + 3 = 225 (0x81 0x61).
  EXPECT_EQ(to_bytes(esds.body.subspan(4, 3)), from_hex("03 8161"));
  EXPECT_EQ(to_bytes(esds.body.subspan(10, 3)), from_hex("04 8158"));
  EXPECT_EQ(to_bytes(esds.body.subspan(26, 3)), from_hex("05 8148"));
  EXPECT_EQ(to_bytes(esds.body.subspan(29, 200)), asc);
  EXPECT_EQ(to_bytes(esds.body.subspan(229)), from_hex("060102"));
}

struct OpusEntry {
  Bytes entry;  // the Opus sample entry's body up to its child box
  Bytes dops;   // the dOps body
  uint32_t timescale = 0;
};
OpusEntry opus_entry(const media::TrackInfo& info) {
  media::Tracks t;
  t.audio = info;
  Fmp4Muxer mux(t);
  EXPECT_EQ(mux.tracks().size(), 1u);
  if (mux.tracks().empty()) return {};
  const auto init = walk_all(mux.init_segment());
  const Box& opus = init[1].child("trak").path("mdia/minf/stbl/stsd/Opus");
  return {to_bytes(opus.body.first(28)), to_bytes(opus.child("dOps").body),
          mux.tracks()[0].timescale};
}

TEST(Fmp4Init, OpusDopsFromAnOpusHead) {
  const OpusEntry opus = opus_entry(fmp4_track(MediaKind::Audio, Codec::Opus, test::kOpusHead));
  EXPECT_EQ(opus.timescale, 48000u);
  EXPECT_EQ(be_at(opus.entry, 16, 2), 2u);  // channelcount = OutputChannelCount
  EXPECT_EQ(be_at(opus.entry, 18, 2), 16u);
  EXPECT_EQ(be_at(opus.entry, 24, 4), 48000u << 16);
  // Little-endian OpusHead fields rewritten big-endian, Version 0: what ffmpeg writes.
  Bytes whole = from_hex("00000013 644f7073");
  whole.insert(whole.end(), opus.dops.begin(), opus.dops.end());
  EXPECT_EQ(whole, test::kFfmpegDops);
}

TEST(Fmp4Init, OpusDopsWithAChannelMappingTable) {
  // 6 channels, family 1 (RFC 7845 5.1.1.2): 4 streams, 2 coupled, Vorbis 5.1 order; pre-skip
  // 3840, input rate 44100, gain -256 (-1 dB).
  const Bytes head = from_hex("4f70757348656164 01 06 000f 44ac0000 00ff 01 04 02 000401020305");
  const OpusEntry opus = opus_entry(fmp4_track(MediaKind::Audio, Codec::Opus, head));
  EXPECT_EQ(be_at(opus.entry, 16, 2), 6u);
  EXPECT_EQ(opus.dops, from_hex("00 06 0f00 0000ac44 ff00 01 04 02 000401020305"));
}

TEST(Fmp4Init, OpusDopsFromADopsBodyOrFromTheChannelCount) {
  // A config that already is a dOps body (Version 0, big-endian) passes through.
  const Bytes dops = from_hex("00 01 0138 0000bb80 0000 00");
  EXPECT_EQ(opus_entry(fmp4_track(MediaKind::Audio, Codec::Opus, dops)).dops, dops);
  // No config: stereo family 0 from the track, input rate from the track.
  media::TrackInfo bare = fmp4_track(MediaKind::Audio, Codec::Opus, {});
  bare.channels = 2;
  bare.sample_rate = 48000;
  EXPECT_EQ(opus_entry(bare).dops, from_hex("00 02 0000 0000bb80 0000 00"));
  // A truncated mapping table is not trusted either.
  const Bytes cut = from_hex("4f70757348656164 01 06 000f 44ac0000 00ff 01 04 02 0004");
  media::TrackInfo t = fmp4_track(MediaKind::Audio, Codec::Opus, cut);
  t.channels = 1;
  EXPECT_EQ(opus_entry(t).dops, from_hex("00 01 0000 0000bb80 0000 00"));
}

}  // namespace
}  // namespace firstmile::format
