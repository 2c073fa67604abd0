#include "protocol/rtmp/rtmp_packager.hpp"

#include "output/flv/flv_body.hpp"
#include "protocol/rtmp/wire/chunk_writer.hpp"

namespace firstmile::rtmp {

namespace {

// Chunks a message whose body is `head` followed by `payload`, copying each byte once.
Buffer chunk_message(uint32_t csid, uint8_t type, uint32_t timestamp, ByteSpan head,
                     ByteSpan payload, uint32_t chunk_size) {
  Bytes headers;
  std::vector<ChunkPiece> pieces;
  auto size = static_cast<uint32_t>(head.size() + payload.size());
  ChunkWriter::write_full_headers(headers, pieces, csid, type, timestamp, kPlayStreamId, size,
                                  chunk_size);
  Bytes out;
  out.reserve(headers.size() + size);
  for (const auto& p : pieces) {
    if (p.source == ChunkPiece::Source::kHeader) {
      out.insert(out.end(), headers.begin() + p.offset, headers.begin() + p.offset + p.length);
      continue;
    }
    // A payload piece may straddle the body header and the frame payload.
    size_t pos = p.offset;
    size_t left = p.length;
    if (pos < head.size()) {
      size_t n = std::min(left, head.size() - pos);
      out.insert(out.end(), head.begin() + static_cast<std::ptrdiff_t>(pos),
                 head.begin() + static_cast<std::ptrdiff_t>(pos + n));
      pos += n;
      left -= n;
    }
    if (left > 0) {
      size_t at = pos - head.size();
      out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(at),
                 payload.begin() + static_cast<std::ptrdiff_t>(at + left));
    }
  }
  return Buffer::adopt(std::move(out));
}

output::Packet config_packet(uint32_t csid, uint8_t type, const Bytes& body, uint32_t chunk_size) {
  output::Packet p;
  p.data = chunk_message(csid, type, 0, body, {}, chunk_size);
  p.config = true;
  return p;
}

}  // namespace

std::vector<output::Packet> RtmpPackager::headers(const media::Tracks& tracks) {
  tracks_ = tracks;
  std::vector<output::Packet> out;
  out.push_back(
      config_packet(kDataCsid, msg_type::kDataAmf0, output::metadata_body(tracks), chunk_size_));
  if (tracks.video) {
    if (auto b = output::config_body(*tracks.video)) {
      out.push_back(config_packet(kVideoCsid, msg_type::kVideo, *b, chunk_size_));
    }
  }
  if (tracks.audio) {
    if (auto b = output::config_body(*tracks.audio)) {
      out.push_back(config_packet(kAudioCsid, msg_type::kAudio, *b, chunk_size_));
    }
  }
  return out;
}

std::optional<output::Packet> RtmpPackager::package(const media::Frame& frame) {
  Bytes head;
  if (!output::write_frame_body_header(head, frame, tracks_)) return std::nullopt;
  if (head.size() + frame.payload.size() > 0xFFFFFF) return std::nullopt;  // RTMP length is 24-bit
  bool video = frame.kind == media::MediaKind::Video;
  output::Packet p;
  p.data =
      chunk_message(video ? kVideoCsid : kAudioCsid, video ? msg_type::kVideo : msg_type::kAudio,
                    output::flv_timestamp(frame.dts), head, frame.payload.span(), chunk_size_);
  p.dts = frame.dts;
  p.keyframe = video ? frame.keyframe : !tracks_.video;
  return p;
}

}  // namespace firstmile::rtmp
