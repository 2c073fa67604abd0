// The TS demuxer on damaged or hostile input: lost packets, garbage, timestamp wraps and
// jumps, table changes, floods and lying lengths.
#include "format/mpegts/ts_demuxer_test_util.hpp"

namespace firstmile::format {
namespace {

using namespace ts_demux_vectors;
using media::Codec;
using media::Frame;
using media::MediaKind;

TEST(TsDemuxer, LostVideoPacketResumesAtNextKeyframe) {
  const Output clean = demux(kH264AacTs);
  // Packet 13 is the whole PES of the frame with dts 136800.
  const Output out = demux(without_packet(kH264AacTs, 13));
  EXPECT_EQ(out.stats.cc_errors, 1u);
  const auto video = out.of(MediaKind::Video);
  const auto clean_video = clean.of(MediaKind::Video);
  // 133200 is dropped (the lost packet may have been its continuation), 136800 is lost and
  // 140400 references it: video resumes at the keyframe 144000.
  ASSERT_EQ(video.size(), 7u);
  EXPECT_EQ(out.stats.dropped_frames, 2u);
  EXPECT_EQ(video[0].dts, 126000);
  EXPECT_EQ(video[1].dts, 129600);
  EXPECT_EQ(video[2].dts, 144000);
  EXPECT_TRUE(video[2].keyframe);
  // What comes out is intact: byte for byte the frames of the clean run.
  EXPECT_TRUE(same_frame(video[0], clean_video[0]));
  EXPECT_TRUE(same_frame(video[1], clean_video[1]));
  for (size_t i = 2; i < video.size(); ++i) {
    EXPECT_TRUE(same_frame(video[i], clean_video[i + 3])) << i;
  }
  EXPECT_EQ(out.of(MediaKind::Audio).size(), kAacFrames);
}

TEST(TsDemuxer, LostAudioPacketDropsItsPes) {
  const Output clean = demux(kH264AacTs);
  // Packet 28 is inside the first audio PES (17 ADTS frames).
  const Output out = demux(without_packet(kH264AacTs, 28));
  EXPECT_EQ(out.stats.cc_errors, 1u);
  EXPECT_EQ(out.stats.dropped_frames, 1u);
  const auto audio = out.of(MediaKind::Audio);
  const auto clean_audio = clean.of(MediaKind::Audio);
  ASSERT_EQ(audio.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_TRUE(same_frame(audio[i], clean_audio[17 + i]));
  expect_same_frames(out.of(MediaKind::Video), clean.of(MediaKind::Video));
}

TEST(TsDemuxer, GarbageBeforeAndBetweenPacketsResyncs) {
  const Output clean = demux(kH264AacTs);
  // Garbage with sync bytes in it that are not followed by another one a packet later.
  Bytes garbage(300);
  for (size_t i = 0; i < garbage.size(); ++i)
    garbage[i] = static_cast<uint8_t>(i * 37 + 11);
  garbage[0] = 0x00;
  garbage[5] = kTsSyncByte;
  garbage[250] = kTsSyncByte;
  Bytes ts = garbage;
  for (size_t i = 0; i < 37; ++i) {
    const Bytes p = packets(kH264AacTs, i, i + 1);
    ts.insert(ts.end(), p.begin(), p.end());
    if (i == 5) ts.insert(ts.end(), garbage.begin(), garbage.begin() + 41);
    if (i == 24) ts.insert(ts.end(), garbage.begin(), garbage.begin() + 3);
    // The last packet after garbage has no next sync byte to confirm it until flush().
    if (i == 35) ts.insert(ts.end(), garbage.begin() + 100, garbage.begin() + 120);
  }
  for (const auto& chunks : std::vector<std::vector<size_t>>{{}, {1}, {1316}}) {
    const Output out = demux(ts, chunks);
    EXPECT_EQ(out.stats.sync_errors, 4u);
    EXPECT_EQ(out.stats.packets, 37u);
    expect_same_frames(out.frames, clean.frames);
  }
}

// Frames of the ffmpeg stream, re-timed to start at `base` and remuxed by TsMuxer.
Bytes remux(const Output& src, int64_t base, int passes = 1, int64_t pass_shift = 0) {
  TsMuxer mux(src.tracks.at(0));
  Bytes ts;
  mux.write_tables(ts);
  for (int pass = 0; pass < passes; ++pass) {
    for (Frame f : src.frames) {
      const int64_t shift = base - 126000 + pass * pass_shift;
      f.dts += shift;
      f.pts += shift;
      EXPECT_TRUE(mux.write_frame(f, ts).ok());
    }
  }
  return ts;
}

TEST(TsDemuxer, PtsWrapStaysMonotonic) {
  const Output src = demux(kH264AacTs);
  // On the wire (muxer offset included) the 33-bit PTS wraps after the third video frame.
  const int64_t base = static_cast<int64_t>(kTimestampModulus) - kTimestampOffset - 3 * 3600;
  const Output out = demux(remux(src, base));
  const auto video = out.of(MediaKind::Video);
  const auto src_video = src.of(MediaKind::Video);
  ASSERT_EQ(video.size(), src_video.size());
  for (size_t i = 0; i < video.size(); ++i) {
    EXPECT_FALSE(video[i].discontinuity);
    EXPECT_EQ(video[i].dts - video[0].dts, src_video[i].dts - src_video[0].dts);
    EXPECT_EQ(video[i].pts - video[i].dts, src_video[i].pts - src_video[i].dts);
  }
  EXPECT_LT(video[2].dts, static_cast<int64_t>(kTimestampModulus));
  EXPECT_GT(video[4].dts, static_cast<int64_t>(kTimestampModulus));
  const auto audio = out.of(MediaKind::Audio);
  ASSERT_EQ(audio.size(), kAacFrames);
  for (size_t i = 1; i < audio.size(); ++i) {
    EXPECT_EQ(audio[i].dts - audio[i - 1].dts, 1920);
    EXPECT_FALSE(audio[i].discontinuity);
  }
  // Audio and video stay on one timeline across the wrap.
  EXPECT_EQ(audio[0].dts - video[0].dts, kAacFirstPts - 126000);
  EXPECT_EQ(out.stats.discontinuities, 0u);
}

TEST(TsDemuxer, BackwardJumpFlagsOneDiscontinuity) {
  const Output src = demux(kH264AacTs);
  // The stream twice, the second time starting 1 s earlier than the first ended: a small
  // backward step, within the unwrapper's jump window.
  const Output out = demux(remux(src, 0, 2, -90000));
  ASSERT_EQ(out.frames.size(), 2 * src.frames.size());
  size_t flagged = 0;
  for (size_t i = 0; i < out.frames.size(); ++i) {
    if (!out.frames[i].discontinuity) continue;
    ++flagged;
    // The first frame of the second pass: the keyframe.
    EXPECT_TRUE(out.frames[i].keyframe);
    EXPECT_EQ(out.frames[i].kind, MediaKind::Video);
    EXPECT_EQ(out.frames[i].dts, kTimestampOffset - 90000);
  }
  EXPECT_EQ(flagged, 1u);
  EXPECT_EQ(out.stats.discontinuities, 1u);

  // A jump of an hour forward is one discontinuity too.
  const Output leap = demux(remux(src, 0, 2, 3600 * media::kTimeBase));
  EXPECT_EQ(leap.stats.discontinuities, 1u);
  EXPECT_EQ(leap.frames.size(), 2 * src.frames.size());
}

TEST(TsDemuxer, PmtVersionChangeReannouncesTracks) {
  const Output src = demux(kH264AacTs);
  media::Tracks video_only = src.tracks[0];
  video_only.audio.reset();
  TsMuxer mux(video_only);
  Bytes ts;
  mux.write_tables(ts);
  const auto video = src.of(MediaKind::Video);
  for (const Frame& f : video)
    ASSERT_TRUE(mux.write_frame(f, ts).ok());
  // Audio joins: the PMT gets a new version.
  mux.set_tracks(src.tracks[0]);
  ASSERT_EQ(mux.pmt_version(), 1);
  mux.write_tables(ts);
  for (Frame f : src.frames) {
    f.dts += 10 * 3600;
    f.pts += 10 * 3600;
    ASSERT_TRUE(mux.write_frame(f, ts).ok());
  }

  const Output out = demux(ts);
  ASSERT_EQ(out.tracks.size(), 2u);
  EXPECT_TRUE(out.tracks[0].video);
  EXPECT_FALSE(out.tracks[0].audio);
  EXPECT_TRUE(out.tracks[1].video);
  ASSERT_TRUE(out.tracks[1].audio);
  EXPECT_EQ(out.tracks[1].audio->codec, Codec::AAC);
  EXPECT_EQ(out.stats.pmt_changes, 1u);
  // The last frame of the first program is cut by the change (its PES had no end yet); the
  // second program's video starts at its keyframe.
  EXPECT_EQ(out.of(MediaKind::Video).size(), 2 * video.size() - 1);
  EXPECT_EQ(out.of(MediaKind::Audio).size(), kAacFrames);
}

TEST(TsDemuxer, AnnouncesWhatIsKnownAfterTwoSeconds) {
  // The PMT lists video and audio, but audio only starts after 2.4 s of video.
  const Output src = demux(kH264AacTs);
  TsMuxer mux(src.tracks[0]);
  Bytes ts;
  mux.write_tables(ts);
  const auto video = src.of(MediaKind::Video);
  constexpr int kPasses = 6;  // 0.4 s each
  for (int pass = 0; pass < kPasses; ++pass) {
    for (Frame f : video) {
      f.dts += pass * 36000;
      f.pts += pass * 36000;
      ASSERT_TRUE(mux.write_frame(f, ts).ok());
    }
  }
  const size_t audio_starts = ts.size();
  for (Frame f : src.of(MediaKind::Audio)) {
    f.dts += kPasses * 36000;
    f.pts += kPasses * 36000;
    ASSERT_TRUE(mux.write_frame(f, ts).ok());
  }

  TsDemuxer d;
  std::vector<media::Tracks> tracks;
  std::vector<Frame> frames;
  d.on_tracks = [&](const media::Tracks& t) { tracks.push_back(t); };
  d.on_frame = [&](Frame f) { frames.push_back(std::move(f)); };
  d.feed(ByteSpan(ts).first(audio_starts));
  // Without audio, the video track went out once 2 s of video were held back.
  ASSERT_EQ(tracks.size(), 1u);
  EXPECT_TRUE(tracks[0].video);
  EXPECT_FALSE(tracks[0].audio);
  EXPECT_EQ(frames.size(), kPasses * video.size() - 1);  // the last PES has no end yet
  d.feed(ByteSpan(ts).subspan(audio_starts));
  d.flush();
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_TRUE(tracks[1].video);
  EXPECT_TRUE(tracks[1].audio);
  EXPECT_EQ(frames.size(), kPasses * video.size() + kAacFrames);
  EXPECT_EQ(d.stats().dropped_frames, 0u);
}

// A PSI packet on `pid` carrying `section` (with pointer_field 0, CRC appended).
Bytes psi_packets(uint16_t pid, Bytes section, uint8_t& cc) {
  const uint32_t crc = crc32_mpeg2(section);
  ByteWriter(section).u32(crc);
  Bytes out;
  size_t pos = 0;
  bool first = true;
  while (pos < section.size() || first) {
    out.insert(out.end(), {kTsSyncByte, static_cast<uint8_t>((first ? 0x40 : 0) | (pid >> 8)),
                           static_cast<uint8_t>(pid), static_cast<uint8_t>(0x10 | cc)});
    cc = (cc + 1) & 0x0F;
    size_t room = kTsPacketSize - 4;
    if (first) {
      out.push_back(0);  // pointer_field
      --room;
    }
    const size_t n = std::min(room, section.size() - pos);
    out.insert(out.end(), section.begin() + static_cast<ptrdiff_t>(pos),
               section.begin() + static_cast<ptrdiff_t>(pos + n));
    out.insert(out.end(), room - n, 0xFF);
    pos += n;
    first = false;
  }
  return out;
}

TEST(TsDemuxer, PidFloodAndHugeTablesStayBounded) {
  const Output clean = demux(kH264AacTs);
  TsDemuxerLimits limits;
  limits.max_pids = 8;
  limits.max_programs = 4;

  Bytes ts = packets(kH264AacTs, 0, 1);  // SDT
  // A PAT of 200 programs: the first is the real one (program 1, PMT 0x1000).
  Bytes pat = from_hex("00b000 0001 c1 00 00");
  for (uint16_t i = 0; i < 200; ++i) {
    ByteWriter w(pat);
    w.u16(static_cast<uint16_t>(1 + i));
    w.u16(static_cast<uint16_t>(0xE000 | (0x1000 + i)));
  }
  pat[1] = static_cast<uint8_t>(0xB0 | ((pat.size() + 1) >> 8));
  pat[2] = static_cast<uint8_t>(pat.size() + 1);  // + CRC - 3 header bytes
  uint8_t pat_cc = 0, pmt_cc = 0;
  const Bytes pat_ts = psi_packets(kPatPid, pat, pat_cc);
  ts.insert(ts.end(), pat_ts.begin(), pat_ts.end());
  // A PMT over five packets: 120 H.264 streams, then the real video and audio PIDs. Only the
  // first video stream and the (first) audio stream are used, whatever max_pids is.
  Bytes pmt = from_hex("02b000 0001 c1 00 00 e100 f000");
  ByteWriter w(pmt);
  w.bytes(from_hex("1be100f000 0fe101f000"));
  for (uint16_t i = 0; i < 120; ++i) {
    w.u8(0x1B);
    w.u16(static_cast<uint16_t>(0xE000 | (0x200 + i)));
    w.u16(0xF002);
    w.bytes(from_hex("0a00"));  // an empty ISO 639 descriptor
  }
  ASSERT_LE(pmt.size() + 4 - 3, kMaxSectionLength);
  pmt[1] = static_cast<uint8_t>(0xB0 | ((pmt.size() + 1) >> 8));
  pmt[2] = static_cast<uint8_t>(pmt.size() + 1);
  const Bytes pmt_ts = psi_packets(0x1000, pmt, pmt_cc);
  ASSERT_GE(pmt_ts.size(), 5 * kTsPacketSize);
  ts.insert(ts.end(), pmt_ts.begin(), pmt_ts.end());
  // About 8000 packets on 7936 other PIDs, each starting a PES, between the real packets.
  size_t flood = 0;
  for (size_t i = 3; i < 37; ++i) {
    const Bytes p = packets(kH264AacTs, i, i + 1);
    const int pid = (p[1] & 0x1F) << 8 | p[2];
    if (pid != kPatPid && pid != 0x1000) ts.insert(ts.end(), p.begin(), p.end());
    for (int k = 0; k < 240; ++k, ++flood) {
      const uint16_t junk_pid = static_cast<uint16_t>(0x20 + flood % 0x1F00);
      if (junk_pid == 0x100 || junk_pid == 0x101 || junk_pid == 0x1000) continue;
      Bytes junk(kTsPacketSize, 0x55);
      junk[0] = kTsSyncByte;
      junk[1] = static_cast<uint8_t>(0x40 | junk_pid >> 8);
      junk[2] = static_cast<uint8_t>(junk_pid);
      junk[3] = 0x10;
      junk[4] = junk[5] = 0;
      junk[6] = 1;
      ts.insert(ts.end(), junk.begin(), junk.end());
    }
  }
  TsDemuxer d(limits);
  std::vector<Frame> frames;
  size_t announced = 0;
  d.on_tracks = [&](const media::Tracks&) { ++announced; };
  d.on_frame = [&](Frame f) {
    EXPECT_LE(d.tracked_pids(), 4u);
    frames.push_back(std::move(f));
  };
  d.feed(ts);
  d.flush();
  EXPECT_LE(d.tracked_pids(), 4u);
  EXPECT_EQ(announced, 1u);
  EXPECT_EQ(d.stats().psi_errors, 0u);
  expect_same_frames(frames, clean.frames);
}

// Rewrites PES_packet_length of the PES starting in packet `index`.
Bytes with_pes_length(const Bytes& ts, size_t index, uint16_t length) {
  Bytes out = ts;
  uint8_t* p = &out[index * kTsPacketSize];
  const size_t start = (p[3] & 0x20) ? 5 + p[4] : 4;
  EXPECT_EQ(p[start + 2], 1);
  p[start + 4] = static_cast<uint8_t>(length >> 8);
  p[start + 5] = static_cast<uint8_t>(length);
  return out;
}

TEST(TsDemuxer, LyingPesLengthsAreRefused) {
  const Output clean = demux(kH264AacTs);
  const auto clean_audio = clean.of(MediaKind::Audio);
  // Packet 35 starts the second audio PES (length 0x00bd, 3 ADTS frames).
  for (uint16_t length : {uint16_t{0x0400}, uint16_t{0x0030}, uint16_t{3}}) {
    SCOPED_TRACE(length);
    const Output out = demux(with_pes_length(kH264AacTs, 35, length));
    EXPECT_GE(out.stats.pes_errors, 1u);
    EXPECT_EQ(out.stats.dropped_frames, 1u);
    const auto audio = out.of(MediaKind::Audio);
    ASSERT_EQ(audio.size(), 17u);
    for (size_t i = 0; i < audio.size(); ++i)
      EXPECT_TRUE(same_frame(audio[i], clean_audio[i]));
  }

  // A PES larger than the limit: the first keyframe (1067 bytes) and the 17-frame audio PES
  // (1165 bytes) are refused; video starts at the second keyframe.
  TsDemuxerLimits small;
  small.max_pes_bytes = 1024;
  const Output out = demux(kH264AacTs, {}, small);
  EXPECT_EQ(out.stats.pes_errors, 2u);
  const auto video = out.of(MediaKind::Video);
  ASSERT_EQ(video.size(), 5u);
  EXPECT_EQ(video[0].dts, 144000);
  EXPECT_EQ(out.of(MediaKind::Audio).size(), 3u);
}

TEST(TsDemuxer, AudioPesWithoutPtsContinuesTheTimeline) {
  Bytes ts = kH264AacTs;
  // Packet 35: PES header 000001c0 00bd 80 80 05 <PTS>: clear PTS_DTS_flags; the five PTS
  // bytes become header stuffing.
  uint8_t* pes = &ts[35 * kTsPacketSize + 6];
  ASSERT_EQ(pes[3], 0xC0);
  ASSERT_EQ(pes[7], 0x80);
  pes[7] = 0x00;
  const Output out = demux(ts);
  const auto audio = out.of(MediaKind::Audio);
  ASSERT_EQ(audio.size(), kAacFrames);
  for (size_t i = 0; i < audio.size(); ++i)
    EXPECT_EQ(audio[i].dts, kAacFirstPts + static_cast<int64_t>(i) * 1920);
}

TEST(TsDemuxer, CorruptTablesAreCountedAndIgnored) {
  // Every PMT's CRC broken: no program, no frames, no crash.
  Bytes ts = kH264AacTs;
  for (size_t i = 0; i < 37; ++i) {
    uint8_t* p = &ts[i * kTsPacketSize];
    if ((p[1] & 0x1F) == 0x10 && p[2] == 0x00) p[10] ^= 0x02;  // PID 0x1000: version
  }
  const Output out = demux(ts);
  EXPECT_TRUE(out.frames.empty());
  EXPECT_TRUE(out.tracks.empty());
  EXPECT_EQ(out.stats.psi_errors, 5u);

  // Transport errors and reserved adaptation_field_control are dropped and counted.
  Bytes bad = kH264AacTs;
  bad[13 * kTsPacketSize + 1] |= 0x80;  // transport_error_indicator on the 136800 PES
  const Output damaged = demux(bad);
  EXPECT_EQ(damaged.stats.packet_errors, 1u);
  EXPECT_EQ(damaged.stats.cc_errors, 1u);
  EXPECT_EQ(damaged.of(MediaKind::Video).size(), 7u);
}

}  // namespace
}  // namespace firstmile::format
