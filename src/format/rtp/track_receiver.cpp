#include "format/rtp/track_receiver.hpp"

#include <algorithm>
#include <cctype>
#include <deque>

#include "core/ascii.hpp"
#include "format/mpegts/pes.hpp"
#include "format/rtp/aac.hpp"
#include "format/rtp/decode_times.hpp"
#include "format/rtp/latm.hpp"
#include "format/rtp/nal_depacketizer.hpp"
#include "format/rtp/parameter_sets.hpp"
#include "media/codec/h264.hpp"
#include "media/codec/h265.hpp"
#include "media/codec/nal.hpp"
#include "media/codec/track_info.hpp"

namespace firstmile::format::rtp {
namespace {

std::string param(const std::optional<sdp::Fmtp>& fmtp, std::string_view name) {
  if (!fmtp) return {};
  auto v = fmtp->get(name);
  return v ? std::string(*v) : std::string();
}

// H.264 and H.265: access units, their parameter sets, decode times.
class VideoReceiver : public TrackReceiver {
 public:
  VideoReceiver(media::Codec codec, uint8_t pt, uint32_t clock, std::string encoding)
      : TrackReceiver(media::MediaKind::Video, codec, pt, clock, std::move(encoding)),
        depacketizer_(codec) {}

  // Parameter sets from the SDP (sprop-*), until the stream sends its own.
  Status configure(const std::optional<sdp::Fmtp>& fmtp) {
    std::vector<Bytes> units;
    const bool h265 = codec() == media::Codec::H265;
    for (std::string_view name :
         h265 ? std::vector<std::string_view>{"sprop-vps", "sprop-sps", "sprop-pps"}
              : std::vector<std::string_view>{"sprop-parameter-sets"}) {
      auto parsed = parse_sprop_nal_units(param(fmtp, name));
      if (!parsed) return wrap(name, parsed.error());
      for (auto& u : *parsed)
        units.push_back(std::move(u));
    }
    bool changed = false;
    for (const auto& u : units)
      changed |= take_parameter_set(u);
    // Parameter sets in the SDP that do not make a configuration are not fatal: the stream's
    // own, in band, may.
    if (changed) update_config();
    return {};
  }

  void flush(std::vector<media::Frame>& out) override {
    if (auto last = depacketizer_.flush()) handle(std::move(*last), out);
    std::vector<DecodeTimes::Unit> units;
    times_.flush(units);
    emit(units, out);
  }

 private:
  struct Pending {
    size_t index;
    Bytes nals;
    bool keyframe;
  };

  uint8_t nal_type(ByteSpan nal) const {
    return codec() == media::Codec::H265 ? (nal[0] >> 1) & 0x3f : nal[0] & 0x1f;
  }

  // True when `nal` is a parameter set that differs from the one kept.
  bool take_parameter_set(ByteSpan nal) {
    if (nal.size() < 2) return false;
    const uint8_t t = nal_type(nal);
    std::vector<Bytes>* slot = nullptr;
    if (codec() == media::Codec::H265) {
      slot = t == 32 ? &vps_ : t == 33 ? &sps_ : t == 34 ? &pps_ : nullptr;
    } else {
      slot = t == media::h264::kSps ? &sps_ : t == media::h264::kPps ? &pps_ : nullptr;
    }
    if (!slot) return false;
    // One of each kind: the latest. Streams with several SPS/PPS ids are rare among cameras
    // and encoders; the latest is what the next pictures use.
    if (slot->size() == 1 &&
        std::equal(nal.begin(), nal.end(), (*slot)[0].begin(), (*slot)[0].end())) {
      return false;
    }
    slot->assign(1, Bytes(nal.begin(), nal.end()));
    return true;
  }

  void update_config() {
    if (sps_.empty() || pps_.empty()) return;
    media::TrackInfo t;
    t.kind = media::MediaKind::Video;
    t.codec = codec();
    int depth = 0;
    double rate = 0;
    if (codec() == media::Codec::H265) {
      if (vps_.empty()) return;
      auto hvcc = media::build_hvcc(vps_, sps_, pps_);
      if (!hvcc) {
        refuse("parameter sets that make no hvcC: " + hvcc.error().message);
        return;
      }
      t.config = Buffer::adopt(std::move(*hvcc));
      if (auto sps = media::parse_h265_sps(sps_[0])) {
        depth = static_cast<int>(sps->max_num_reorder_pics);
        rate = sps->frame_rate;
      }
    } else {
      t.config = Buffer::adopt(media::build_avcc(sps_, pps_));
      if (auto sps = media::parse_h264_sps(sps_[0])) {
        // Without the VUI's word, Baseline has no B-frames and the others are learnt.
        depth = static_cast<int>(sps->max_num_reorder_frames.value_or(0));
        rate = sps->frame_rate;
      }
    }
    if (auto st = media::describe_track(t); !st) {
      refuse("parameter sets that do not parse: " + st.error().message);
      return;
    }
    times_.set_depth(std::max(depth, times_.depth()));
    if (rate > 0) times_.set_frame_step(static_cast<int64_t>(media::kTimeBase / rate));
    set_track(std::move(t));
  }

  void receive(const Packet& packet, std::vector<media::Frame>& out) override {
    units_.clear();
    const auto before = depacketizer_.counters();
    depacketizer_.push(packet, units_);
    const auto& after = depacketizer_.counters();
    counters_.lost_packets += after.lost_packets - before.lost_packets;
    if (after.malformed_packets != before.malformed_packets) refuse(depacketizer_.last_error());
    for (auto& u : units_)
      handle(std::move(u), out);
  }

  void handle(AccessUnit unit, std::vector<media::Frame>& out) {
    if (unit.damaged) {
      // What follows may refer to what was lost: wait for the next keyframe.
      need_keyframe_ = true;
      ++counters_.dropped_frames;
      return;
    }
    bool changed = false;
    media::for_each_nal_avcc(unit.nals, [&](ByteSpan nal) { changed |= take_parameter_set(nal); });
    if (changed) update_config();
    if (need_keyframe_) {
      if (!unit.keyframe || !track()) {
        ++counters_.dropped_frames;
        return;
      }
      need_keyframe_ = false;
    }
    const size_t index = next_index_++;
    pending_.push_back({index, std::move(unit.nals), unit.keyframe});
    std::vector<DecodeTimes::Unit> timed;
    const auto dropped = times_.dropped();
    times_.push(ticks(unit.timestamp), index, timed);
    counters_.dropped_frames += times_.dropped() - dropped;
    emit(timed, out);
  }

  void emit(const std::vector<DecodeTimes::Unit>& timed, std::vector<media::Frame>& out) {
    for (const auto& t : timed) {
      // Units DecodeTimes dropped are before the one it returns: let them go.
      while (!pending_.empty() && pending_.front().index < t.index)
        pending_.pop_front();
      if (pending_.empty() || pending_.front().index != t.index) continue;
      media::Frame f;
      f.kind = media::MediaKind::Video;
      f.codec = codec();
      f.dts = t.dts;
      f.pts = t.pts;
      f.keyframe = pending_.front().keyframe;
      f.payload = Buffer::adopt(std::move(pending_.front().nals));
      pending_.pop_front();
      ++counters_.frames;
      out.push_back(std::move(f));
    }
    // DecodeTimes holds at most its depth (16) plus one; anything older was dropped by it.
    while (pending_.size() > DecodeTimes::kMaxDepth + 1)
      pending_.pop_front();
  }

  NalDepacketizer depacketizer_;
  DecodeTimes times_;
  std::vector<AccessUnit> units_;
  std::vector<Bytes> vps_, sps_, pps_;
  std::deque<Pending> pending_;
  size_t next_index_ = 0;
  bool need_keyframe_ = true;
};

// AAC in either RTP format: one raw frame per access unit.
template <class Depacketizer>
class AacReceiver : public TrackReceiver {
 public:
  AacReceiver(Depacketizer depacketizer, uint8_t pt, uint32_t clock, std::string encoding,
              media::TrackInfo track)
      : TrackReceiver(media::MediaKind::Audio, media::Codec::AAC, pt, clock, std::move(encoding)),
        depacketizer_(std::move(depacketizer)) {
    set_track(std::move(track));
  }

  void flush(std::vector<media::Frame>&) override {}

 private:
  void receive(const Packet& packet, std::vector<media::Frame>& out) override {
    units_.clear();
    const auto lost = depacketizer_.stats().lost_packets;
    const auto dropped = depacketizer_.stats().dropped_access_units;
    if (auto st = depacketizer_.push(packet, units_); !st) refuse(st.error().message);
    counters_.lost_packets += depacketizer_.stats().lost_packets - lost;
    counters_.dropped_frames += depacketizer_.stats().dropped_access_units - dropped;
    for (auto& u : units_) {
      media::Frame f;
      f.kind = media::MediaKind::Audio;
      f.codec = media::Codec::AAC;
      f.dts = f.pts = ticks(u.timestamp);
      f.keyframe = true;
      f.payload = Buffer::adopt(std::move(u.data));
      ++counters_.frames;
      out.push_back(std::move(f));
    }
  }

  Depacketizer depacketizer_;
  std::vector<AacAccessUnit> units_;
};

// Opus (RFC 7587): one packet, one Opus packet.
class OpusReceiver : public TrackReceiver {
 public:
  OpusReceiver(uint8_t pt, uint32_t clock, std::string encoding, media::TrackInfo track)
      : TrackReceiver(media::MediaKind::Audio, media::Codec::Opus, pt, clock, std::move(encoding)) {
    set_track(std::move(track));
  }
  void flush(std::vector<media::Frame>&) override {}

 private:
  void receive(const Packet& packet, std::vector<media::Frame>& out) override {
    if (packet.payload.empty()) {
      refuse("an empty Opus packet");
      return;
    }
    media::Frame f;
    f.kind = media::MediaKind::Audio;
    f.codec = media::Codec::Opus;
    f.dts = f.pts = ticks(packet.timestamp);
    f.keyframe = true;
    f.payload = Buffer::copy(packet.payload);
    ++counters_.frames;
    out.push_back(std::move(f));
  }
};

// G.711 (RFC 3551 4.5.14): one byte per sample, a packet holds whole samples.
class G711Receiver : public TrackReceiver {
 public:
  G711Receiver(media::Codec codec, uint8_t pt, uint32_t clock, std::string encoding,
               uint8_t channels)
      : TrackReceiver(media::MediaKind::Audio, codec, pt, clock, std::move(encoding)) {
    media::TrackInfo t;
    t.kind = media::MediaKind::Audio;
    t.codec = codec;
    t.sample_rate = clock;
    t.channels = channels;
    t.codec_string = codec == media::Codec::G711A ? "alaw" : "ulaw";
    set_track(std::move(t));
  }
  void flush(std::vector<media::Frame>&) override {}

 private:
  void receive(const Packet& packet, std::vector<media::Frame>& out) override {
    if (packet.payload.empty()) {
      refuse("an empty G.711 packet");
      return;
    }
    media::Frame f;
    f.kind = media::MediaKind::Audio;
    f.codec = codec();
    f.dts = f.pts = ticks(packet.timestamp);
    f.keyframe = true;
    f.payload = Buffer::copy(packet.payload);
    ++counters_.frames;
    out.push_back(std::move(f));
  }
};

media::TrackInfo audio_track(media::Codec codec, Bytes config) {
  media::TrackInfo t;
  t.kind = media::MediaKind::Audio;
  t.codec = codec;
  t.config = Buffer::adopt(std::move(config));
  return t;
}

}  // namespace

TrackReceiver::TrackReceiver(media::MediaKind kind, media::Codec codec, uint8_t payload_type,
                             uint32_t clock_rate, std::string encoding)
    : kind_(kind),
      codec_(codec),
      payload_type_(payload_type),
      clock_rate_(clock_rate),
      encoding_(std::move(encoding)) {}

bool TrackReceiver::changed() {
  const bool c = changed_;
  changed_ = false;
  return c;
}

void TrackReceiver::set_track(media::TrackInfo track) {
  track_ = std::move(track);
  changed_ = true;
}

void TrackReceiver::anchor(uint32_t rtp_timestamp, int64_t ticks) {
  if (!first_rtp_) anchor_ = {rtp_timestamp, ticks};
}

int64_t TrackReceiver::ticks(uint32_t rtp_timestamp) {
  const uint64_t t = unwrap_.unwrap(rtp_timestamp);
  if (!first_rtp_) {
    first_rtp_ = t;
    origin_ = arrival_;
    if (anchor_) {
      // The distance from the report's RTP time, either way, modulo 2^32.
      const auto since = static_cast<int64_t>(static_cast<int32_t>(rtp_timestamp - anchor_->first));
      origin_ = anchor_->second + since * media::kTimeBase / clock_rate_;
    }
  }
  const int64_t elapsed = static_cast<int64_t>(t) - static_cast<int64_t>(*first_rtp_);
  return origin_ + elapsed * media::kTimeBase / clock_rate_;
}

void TrackReceiver::push(const Packet& packet, int64_t arrival, std::vector<media::Frame>& out) {
  ++counters_.packets;
  if (packet.payload_type != payload_type_) {
    refuse("a packet of payload type " + std::to_string(packet.payload_type) +
           ", not the announced " + std::to_string(payload_type_));
    return;
  }
  arrival_ = arrival;
  receive(packet, out);
}

Result<std::unique_ptr<TrackReceiver>> TrackReceiver::create(const sdp::Media& media) {
  std::string offered;
  for (const auto& format : media.formats) {
    unsigned pt = 0;
    if (format.empty() || format.size() > 3 ||
        !std::all_of(format.begin(), format.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    pt = static_cast<unsigned>(std::stoi(format));
    if (pt > 127) continue;
    auto map = sdp::rtpmap_for(media, static_cast<uint8_t>(pt));
    // RFC 3551 6: the static payload types a camera may send without an rtpmap.
    if (!map && (pt == 0 || pt == 8)) {
      map = sdp::RtpMap{static_cast<uint8_t>(pt), pt == 0 ? "PCMU" : "PCMA", 8000, 1};
    }
    if (!map) {
      offered += offered.empty() ? "" : ", ";
      offered += "payload type " + format;
      continue;
    }
    const std::string name = map->encoding + "/" + std::to_string(map->clock_rate);
    offered += offered.empty() ? "" : ", ";
    offered += name;
    if (map->clock_rate == 0) continue;
    const auto fmtp = sdp::fmtp_for(media, static_cast<uint8_t>(pt));
    const FmtpParams params = fmtp ? fmtp->params : FmtpParams{};
    const auto type = static_cast<uint8_t>(pt);
    if (iequals(map->encoding, "H264") || iequals(map->encoding, "H265")) {
      const auto codec = iequals(map->encoding, "H264") ? media::Codec::H264 : media::Codec::H265;
      if (codec == media::Codec::H264) {
        const std::string mode = param(fmtp, "packetization-mode");
        if (mode == "2") return fail("H264 packetization-mode=2 (interleaved) is not supported");
      } else if (!param(fmtp, "sprop-max-don-diff").empty() &&
                 param(fmtp, "sprop-max-don-diff") != "0") {
        return fail("H265 with decoding order numbers (sprop-max-don-diff) is not supported");
      }
      auto r = std::make_unique<VideoReceiver>(codec, type, map->clock_rate, name);
      if (auto st = r->configure(fmtp); !st) return wrap(name, st.error());
      return std::unique_ptr<TrackReceiver>(std::move(r));
    }
    if (iequals(map->encoding, "mpeg4-generic") || iequals(map->encoding, "MP4A-LATM")) {
      auto asc = aac_audio_specific_config(map->encoding, params);
      if (!asc) return wrap(name, asc.error());
      media::TrackInfo t = audio_track(media::Codec::AAC, std::move(*asc));
      if (auto st = media::describe_track(t); !st) return wrap(name, st.error());
      if (iequals(map->encoding, "mpeg4-generic")) {
        auto p = parse_mpeg4_generic_fmtp(params);
        if (!p) return wrap(name, p.error());
        return std::unique_ptr<TrackReceiver>(new AacReceiver<Mpeg4GenericDepacketizer>(
            Mpeg4GenericDepacketizer(std::move(*p), map->clock_rate), type, map->clock_rate, name,
            std::move(t)));
      }
      auto p = parse_latm_fmtp(params);
      if (!p) return wrap(name, p.error());
      return std::unique_ptr<TrackReceiver>(
          new AacReceiver<LatmDepacketizer>(LatmDepacketizer(std::move(*p), map->clock_rate), type,
                                            map->clock_rate, name, std::move(t)));
    }
    if (iequals(map->encoding, "PCMA") || iequals(map->encoding, "PCMU")) {
      const auto codec = iequals(map->encoding, "PCMA") ? media::Codec::G711A : media::Codec::G711U;
      const uint32_t channels = map->channels == 0 ? 1 : map->channels;
      if (channels > 2) return fail(name, ": ", channels, " channels (1 or 2 are carried)");
      return std::unique_ptr<TrackReceiver>(
          new G711Receiver(codec, type, map->clock_rate, name, static_cast<uint8_t>(channels)));
    }
    if (iequals(map->encoding, "opus")) {
      // RFC 7587 7: always "opus/48000/2"; the stereo parameter says what the sender sends.
      const int channels = param(fmtp, "sprop-stereo") == "0" ? 1 : 2;
      media::TrackInfo t = audio_track(media::Codec::Opus, build_opus_head(channels));
      if (auto st = media::describe_track(t); !st) return wrap(name, st.error());
      return std::unique_ptr<TrackReceiver>(
          new OpusReceiver(type, map->clock_rate, name, std::move(t)));
    }
  }
  return fail("no supported codec among ", offered.empty() ? "no formats" : offered,
              " (supported: H264, H265, MPEG4-GENERIC and MP4A-LATM AAC, opus, PCMA, PCMU)");
}

}  // namespace firstmile::format::rtp
