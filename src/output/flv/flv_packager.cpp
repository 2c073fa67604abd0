#include "output/flv/flv_packager.hpp"

#include "format/flv.hpp"
#include "output/flv/flv_body.hpp"

namespace firstmile::output {

namespace {
Packet tag_packet(uint8_t type, uint32_t ts, const Bytes& body) {
  Packet p;
  p.data = Buffer::adopt(format::build_flv_tag(type, ts, body));
  return p;
}
}  // namespace

std::vector<Packet> FlvPackager::headers(const media::Tracks& tracks) {
  tracks_ = tracks;
  std::vector<Packet> out;
  out.push_back(tag_packet(format::kFlvTagScript, 0, metadata_body(tracks)));
  if (tracks.video) {
    if (auto b = config_body(*tracks.video)) out.push_back(tag_packet(format::kFlvTagVideo, 0, *b));
  }
  if (tracks.audio) {
    if (auto b = config_body(*tracks.audio)) out.push_back(tag_packet(format::kFlvTagAudio, 0, *b));
  }
  for (auto& p : out)
    p.config = true;
  return out;
}

std::optional<Packet> FlvPackager::package(const media::Frame& frame) {
  Bytes body_header;
  if (!write_frame_body_header(body_header, frame, tracks_)) return std::nullopt;
  size_t body_size = body_header.size() + frame.payload.size();
  if (body_size > format::kFlvMaxBodySize) return std::nullopt;
  bool video = frame.kind == media::MediaKind::Video;
  Bytes tag;
  tag.reserve(format::kFlvTagHeaderSize + body_size + format::kFlvTagTrailerSize);
  format::write_flv_tag_header(tag, video ? format::kFlvTagVideo : format::kFlvTagAudio,
                               flv_timestamp(frame.dts), static_cast<uint32_t>(body_size));
  tag.insert(tag.end(), body_header.begin(), body_header.end());
  tag.insert(tag.end(), frame.payload.span().begin(), frame.payload.span().end());
  format::write_flv_tag_trailer(tag, static_cast<uint32_t>(body_size));
  Packet p;
  p.data = Buffer::adopt(std::move(tag));
  p.dts = frame.dts;
  p.keyframe = video ? frame.keyframe : !tracks_.video;
  return p;
}

}  // namespace firstmile::output
