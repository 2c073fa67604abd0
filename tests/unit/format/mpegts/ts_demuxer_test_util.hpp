#pragma once
// Shared by the TS demuxer tests: running the demuxer over bytes, cutting packets, and an
// independent reassembly of the video elementary stream to compare frames with.
#include "format/mpegts/ts_demuxer.hpp"

#include <gtest/gtest.h>

#include "format/mpegts/ts_demuxer_vectors.hpp"
#include "hex.hpp"

#include <random>
#include <string>
#include <vector>

#include "format/mpegts/crc32.hpp"
#include "format/mpegts/pes.hpp"
#include "format/mpegts/ts_muxer.hpp"
#include "media/codec/h264.hpp"
#include "media/codec/h265.hpp"
#include "media/codec/nal.hpp"

namespace firstmile::format {
namespace {

using namespace ts_demux_vectors;
using media::Codec;
using media::Frame;
using media::MediaKind;

// Everything a demuxer run produced.
struct Output {
  std::vector<media::Tracks> tracks;
  std::vector<Frame> frames;
  TsDemuxerStats stats;

  std::vector<Frame> of(MediaKind kind) const {
    std::vector<Frame> out;
    for (const Frame& f : frames) {
      if (f.kind == kind) out.push_back(f);
    }
    return out;
  }
};

// Feeds `ts` in pieces of the given sizes (cycled; empty: all at once), then flushes.
inline Output demux(ByteSpan ts, std::vector<size_t> chunks = {}, TsDemuxerLimits limits = {}) {
  Output out;
  TsDemuxer d(limits);
  d.on_tracks = [&](const media::Tracks& t) {
    // Tracks always come before the first frame of their kind.
    out.tracks.push_back(t);
  };
  d.on_frame = [&](Frame f) {
    EXPECT_FALSE(out.tracks.empty()) << "frame before tracks";
    if (!out.tracks.empty()) {
      const auto& t = out.tracks.back();
      EXPECT_TRUE(f.kind == MediaKind::Video ? t.video.has_value() : t.audio.has_value());
    }
    out.frames.push_back(std::move(f));
  };
  if (chunks.empty()) chunks.push_back(ts.size());
  size_t pos = 0;
  for (size_t i = 0; pos < ts.size(); ++i) {
    const size_t n = std::min(std::max<size_t>(chunks[i % chunks.size()], 1), ts.size() - pos);
    d.feed(ts.subspan(pos, n));
    pos += n;
  }
  d.flush();
  out.stats = d.stats();
  return out;
}

inline Bytes packets(const Bytes& ts, size_t from, size_t to) {
  return Bytes(ts.begin() + static_cast<ptrdiff_t>(from * kTsPacketSize),
               ts.begin() + static_cast<ptrdiff_t>(to * kTsPacketSize));
}

inline Bytes without_packet(const Bytes& ts, size_t index) {
  Bytes out = packets(ts, 0, index);
  const Bytes rest = packets(ts, index + 1, ts.size() / kTsPacketSize);
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

inline Bytes bytes_of(const Buffer& b) {
  return Bytes(b.span().begin(), b.span().end());
}

// NAL unit types of an AVCC payload.
inline std::vector<int> nal_types(const Frame& f) {
  std::vector<int> types;
  const bool ok = media::for_each_nal_avcc(f.payload.span(), [&](ByteSpan nal) {
    types.push_back(f.codec == Codec::H265 ? media::h265::nal_type(nal[0])
                                           : media::h264::nal_type(nal[0]));
  });
  EXPECT_TRUE(ok) << "payload is not 4-byte length-prefixed";
  return types;
}

// An independent reading of the video PES packets on PID 0x100 (payload_unit_start to
// payload_unit_start, header skipped by its PES_header_data_length): the access units as
// AVCC, without access unit delimiters, and the Annex-B size ffprobe reports.
struct ReferenceAu {
  Bytes avcc;
  size_t annexb_size = 0;
};
inline std::vector<ReferenceAu> reference_video(const Bytes& ts, Codec codec) {
  std::vector<Bytes> pes;
  for (size_t i = 0; i + kTsPacketSize <= ts.size(); i += kTsPacketSize) {
    const uint8_t* p = &ts[i];
    if (((p[1] & 0x1F) << 8 | p[2]) != 0x100) continue;
    const size_t start = (p[3] & 0x20) ? 5 + p[4] : 4;
    if (p[1] & 0x40) pes.emplace_back();
    pes.back().insert(pes.back().end(), p + start, p + kTsPacketSize);
  }
  std::vector<ReferenceAu> out;
  for (const Bytes& b : pes) {
    ReferenceAu au;
    const ByteSpan es = ByteSpan(b).subspan(9 + b[8]);
    au.annexb_size = es.size();
    ByteWriter w(au.avcc);
    for (ByteSpan nal : media::split_annexb(es)) {
      const int type =
          codec == Codec::H265 ? media::h265::nal_type(nal[0]) : media::h264::nal_type(nal[0]);
      const int aud = codec == Codec::H265 ? int{media::h265::kAud} : int{media::h264::kAud};
      if (type == aud) continue;
      w.u32(static_cast<uint32_t>(nal.size()));
      w.bytes(nal);
    }
    out.push_back(std::move(au));
  }
  return out;
}

inline bool same_frame(const Frame& a, const Frame& b) {
  return a.kind == b.kind && a.codec == b.codec && a.dts == b.dts && a.pts == b.pts &&
         a.keyframe == b.keyframe && a.discontinuity == b.discontinuity && a.payload == b.payload;
}

inline void expect_same_frames(const std::vector<Frame>& a, const std::vector<Frame>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(same_frame(a[i], b[i])) << "frame " << i;
  }
}
}  // namespace
}  // namespace firstmile::format
