#pragma once
// RFC 6416 (which replaced RFC 3016) "MP4A-LATM" AAC RTP payloads with the StreamMuxConfig out
// of band (cpresent=0), as some cameras send them: the StreamMuxConfig (ISO/IEC 14496-3
// 1.7.3.1), the fmtp parameters, a depacketizer (RTP packets in, raw AAC frames without ADTS
// out) and a packetizer (raw frames in, RTP payloads out) with the fmtp value to announce. The
// frames, payloads, limits and counters are aac.hpp's, shared with RFC 3640 mpeg4-generic.
// aac_audio_specific_config(), which reads either format's parameters, is here rather than in
// aac.hpp so that includes go one way: this file includes aac.hpp, never the reverse.
// Depacketizing reads peer input: it never reads outside the packet, never throws, bounds what
// it buffers, and counts what it drops.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "format/rtp/aac.hpp"
#include "format/rtp/packet.hpp"

namespace firstmile::format::rtp {

// The AudioSpecificConfig a track is made from (media::TrackInfo::config), for the rtpmap
// encoding name "mpeg4-generic" or "MP4A-LATM" (any case) and its fmtp parameters, which are
// checked as the depacketizer would check them.
Result<Bytes> aac_audio_specific_config(std::string_view encoding, const FmtpParams& params);

// ---- Parameters ------------------------------------------------------------------------------

// StreamMuxConfig (ISO/IEC 14496-3 1.7.3.1, table 1.42), the form RTP senders use: one
// program, one layer, allStreamsSameTimeFraming, frameLengthType 0 (AAC frames).
struct StreamMuxConfig {
  uint32_t audio_mux_version = 0;  // 0, or 1 (lengths written with LatmGetValue)
  uint32_t num_sub_frames = 0;     // each AudioMuxElement holds num_sub_frames + 1 frames
  Bytes audio_specific_config;     // copied out of the bit stream, byte-aligned
  uint32_t latm_buffer_fullness = 0xFF;
  bool other_data_present = false;
  uint32_t other_data_len_bits = 0;  // after the frames of each AudioMuxElement
  bool crc_check_present = false;
};

// Refused clearly: audioMuxVersionA 1, allStreamsSameTimeFraming 0, several programs or layers,
// frameLengthType other than 0, a config cut inside the AudioSpecificConfig, and in
// audioMuxVersion 0 (where the AudioSpecificConfig's end is found only by reading it through)
// a program_config_element or an object type outside the AAC family. Cut after the
// AudioSpecificConfig is accepted, the missing fields keeping the values above: GStreamer's
// payloader writes only the header and the AudioSpecificConfig ("40002410").
Result<StreamMuxConfig> parse_stream_mux_config(ByteSpan data);

// The StreamMuxConfig carrying `asc` (audioMuxVersion 0, one frame per element,
// frameLengthType 0, latmBufferFullness 0xFF, no other data, no CRC). For 48 kHz stereo
// AAC-LC (11 90) it is 40 00 23 20 3f c0, as ffmpeg writes it.
Result<Bytes> build_stream_mux_config(ByteSpan asc);

struct LatmParams {
  Bytes config;  // the StreamMuxConfig as sent
  StreamMuxConfig mux;
  uint32_t object = 0;            // "object": the audio object type; 0 when absent
  uint32_t bitrate = 0;           // "bitrate"; 0 when absent
  uint32_t profile_level_id = 0;  // 0 when absent
};

// Reads cpresent, config, object, bitrate and profile-level-id (RFC 6416 7.3). cpresent=1 (the
// StreamMuxConfig in band, in every AudioMuxElement) is refused; an absent cpresent with a
// config is taken as 0, as ffmpeg does, although the RFC's default is 1. Refused too: no config,
// or one parse_stream_mux_config refuses.
Result<LatmParams> parse_latm_fmtp(const FmtpParams& params);

// The fmtp value announcing `asc` in what LatmPacketizer sends: "profile-level-id=41;
// object=2; cpresent=0; config=400023203fc0". Fails if `asc` does not parse.
Result<std::string> latm_fmtp(ByteSpan asc);

// ---- Depacketizer ----------------------------------------------------------------------------

// RFC 6416 6.1: each packet holds AudioMuxElements, or a fragment of one continued until the
// marker. With cpresent=0 an element is, numSubFrames + 1 times, PayloadLengthInfo (bytes
// summed up to the first that is not 0xFF) and that many payload bytes; then other data.
class LatmDepacketizer {
 public:
  // clock_rate as for Mpeg4GenericDepacketizer.
  explicit LatmDepacketizer(LatmParams params, uint32_t clock_rate = 0,
                            AacDepacketizerLimits limits = {});

  Status push(const Packet& packet, std::vector<AacAccessUnit>& out);

  uint32_t frame_duration() const { return frame_duration_; }
  const AacDepacketizerStats& stats() const { return stats_; }
  void reset();

 private:
  Status parse_elements(ByteSpan data, uint32_t timestamp, std::vector<AacAccessUnit>& out);

  LatmParams params_;
  AacDepacketizerLimits limits_;
  AacDepacketizerStats stats_;
  uint32_t frame_duration_ = 1024;
  size_t max_element_bytes_ = 0;
  std::optional<uint16_t> last_sequence_;
  aac_detail::PartialAccessUnit partial_;  // an element being put together from fragments
};

// ---- Packetizer ------------------------------------------------------------------------------

// RFC 6416 with cpresent=0: one AudioMuxElement (PayloadLengthInfo and the frame) per frame,
// cut into packets when it does not fit, the marker on the last.
class LatmPacketizer {
 public:
  explicit LatmPacketizer(AacPacketizerOptions options = {});

  // Refused: an empty frame.
  Status push(ByteSpan frame, uint32_t timestamp, std::vector<AacRtpPayload>& out);

 private:
  AacPacketizerOptions options_;
};

}  // namespace firstmile::format::rtp
