#pragma once
// RTMP messages as the chunk layer delivers them, and the payloads of the protocol control
// messages (Adobe RTMP specification, December 2012, section 5.4) and user control events
// (section 6.2 and 7.1.7).
#include <cstdint>

#include "core/buffer.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"

namespace firstmile::rtmp {

// Message type ids (spec 5.4 and 7.1). Plain constants rather than an enum class because
// Message::type carries whatever id the peer sent, known or not.
namespace msg_type {
inline constexpr uint8_t kSetChunkSize = 1;
inline constexpr uint8_t kAbort = 2;
inline constexpr uint8_t kAcknowledgement = 3;
inline constexpr uint8_t kUserControl = 4;
inline constexpr uint8_t kWindowAckSize = 5;
inline constexpr uint8_t kSetPeerBandwidth = 6;
inline constexpr uint8_t kAudio = 8;
inline constexpr uint8_t kVideo = 9;
inline constexpr uint8_t kDataAmf3 = 15;
inline constexpr uint8_t kSharedObjectAmf3 = 16;
inline constexpr uint8_t kCommandAmf3 = 17;
inline constexpr uint8_t kDataAmf0 = 18;
inline constexpr uint8_t kSharedObjectAmf0 = 19;
inline constexpr uint8_t kCommandAmf0 = 20;
inline constexpr uint8_t kAggregate = 22;
}  // namespace msg_type

// Spec 5.3.1.1: chunk stream ids 0 and 1 are escape values of the basic header, so ids run
// 2..65599; spec 5.4: protocol control messages use chunk stream 2 and message stream 0.
inline constexpr uint32_t kMinCsid = 2;
inline constexpr uint32_t kMaxCsid = 65599;
inline constexpr uint32_t kControlCsid = 2;
inline constexpr uint32_t kDefaultChunkSize = 128;  // spec 5.4.1: "defaults to 128 bytes"
// A chunk header's timestamp field at this value means an extended timestamp follows (5.3.1.3).
inline constexpr uint32_t kExtendedMarker = 0xFFFFFF;
// Spec 5.4.1: valid chunk sizes are 1..0x7FFFFFFF ("the first bit MUST be zero").
inline constexpr uint32_t kMaxSpecChunkSize = 0x7FFFFFFF;

// Spec 7.1.7 user control event types. 5 is unassigned in the spec.
enum class UserControlEvent : uint16_t {
  kStreamBegin = 0,
  kStreamEof = 1,
  kStreamDry = 2,
  kSetBufferLength = 3,
  kStreamIsRecorded = 4,
  kPingRequest = 6,
  kPingResponse = 7,
};

// Spec 5.4.5 limit types of Set Peer Bandwidth.
enum class PeerBandwidthLimit : uint8_t { kHard = 0, kSoft = 1, kDynamic = 2 };

struct Message {
  uint8_t type = 0;
  // Milliseconds, absolute: the reader has already accumulated the deltas of type 1/2/3
  // headers. RTMP time is 32-bit and wraps (spec 4): unwrap it above this layer.
  uint32_t timestamp = 0;
  uint32_t stream_id = 0;  // message stream id
  uint32_t csid = 0;       // chunk stream it travelled on (2..65599)
  Buffer payload;
};

struct UserControl {
  UserControlEvent event = UserControlEvent::kStreamBegin;
  // The stream id for stream events, the timestamp for PingRequest/PingResponse, the first
  // four data bytes (or 0) for an event this layer does not know.
  uint32_t value = 0;
  uint32_t buffer_length_ms = 0;  // SetBufferLength only
};

struct PeerBandwidth {
  uint32_t window = 0;
  PeerBandwidthLimit limit = PeerBandwidthLimit::kHard;
};

// ---- builders: payloads of the protocol control messages (spec 5.4) --------------------------

inline Bytes encode_u32_payload(uint32_t v) {
  Bytes out;
  ByteWriter(out).u32(v);
  return out;
}
// Spec 5.4.1: bit 31 must be zero, so the size is masked to 31 bits.
inline Bytes encode_set_chunk_size(uint32_t size) {
  return encode_u32_payload(size & kMaxSpecChunkSize);
}
inline Bytes encode_abort(uint32_t csid) {
  return encode_u32_payload(csid);
}
inline Bytes encode_acknowledgement(uint32_t sequence_number) {
  return encode_u32_payload(sequence_number);
}
inline Bytes encode_window_ack_size(uint32_t window) {
  return encode_u32_payload(window);
}
inline Bytes encode_set_peer_bandwidth(uint32_t window, PeerBandwidthLimit limit) {
  Bytes out;
  ByteWriter w(out);
  w.u32(window);
  w.u8(static_cast<uint8_t>(limit));
  return out;
}
// Spec 7.1.7: a 2-byte event type then the event data; every event but SetBufferLength carries
// one 4-byte value (a stream id, or a timestamp for the pings).
inline Bytes encode_user_control(UserControlEvent event, uint32_t value) {
  Bytes out;
  ByteWriter w(out);
  w.u16(static_cast<uint16_t>(event));
  w.u32(value);
  return out;
}
inline Bytes encode_set_buffer_length(uint32_t stream_id, uint32_t buffer_length_ms) {
  Bytes out;
  ByteWriter w(out);
  w.u16(static_cast<uint16_t>(UserControlEvent::kSetBufferLength));
  w.u32(stream_id);
  w.u32(buffer_length_ms);
  return out;
}

// A protocol control or user control message ready for a ChunkWriter: chunk stream 2, message
// stream 0, timestamp 0 (spec 5.4 and 6.2).
inline Message make_control_message(uint8_t type, Bytes payload) {
  Message m;
  m.type = type;
  m.csid = kControlCsid;
  m.payload = Buffer::adopt(std::move(payload));
  return m;
}

// ---- parsers ----------------------------------------------------------------------------------
// Trailing bytes after the fields are ignored: peers pad some of these messages.

inline Result<uint32_t> parse_u32_payload(ByteSpan payload, const char* what) {
  ByteReader r(payload);
  uint32_t v = r.u32();
  if (!r.ok()) return fail(what, ": payload of ", payload.size(), " bytes, need 4");
  return v;
}
inline Result<uint32_t> parse_set_chunk_size(ByteSpan payload) {
  auto v = parse_u32_payload(payload, "set chunk size");
  if (!v) return v.error();
  // Spec 5.4.1: "The first bit MUST be zero" and "MUST be at least 1 byte".
  if (*v == 0 || *v > kMaxSpecChunkSize) return fail("set chunk size: invalid size ", *v);
  return *v;
}
inline Result<uint32_t> parse_abort(ByteSpan payload) {
  return parse_u32_payload(payload, "abort");
}
inline Result<uint32_t> parse_acknowledgement(ByteSpan payload) {
  return parse_u32_payload(payload, "acknowledgement");
}
inline Result<uint32_t> parse_window_ack_size(ByteSpan payload) {
  return parse_u32_payload(payload, "window acknowledgement size");
}
inline Result<PeerBandwidth> parse_set_peer_bandwidth(ByteSpan payload) {
  ByteReader r(payload);
  PeerBandwidth pb;
  pb.window = r.u32();
  uint8_t limit = r.u8();
  if (!r.ok()) return fail("set peer bandwidth: payload of ", payload.size(), " bytes, need 5");
  if (limit > 2) return fail("set peer bandwidth: unknown limit type ", limit);
  pb.limit = static_cast<PeerBandwidthLimit>(limit);
  return pb;
}
inline Result<UserControl> parse_user_control(ByteSpan payload) {
  ByteReader r(payload);
  UserControl uc;
  uint16_t event = r.u16();
  if (!r.ok()) return fail("user control: payload of ", payload.size(), " bytes, need 2");
  uc.event = static_cast<UserControlEvent>(event);
  switch (uc.event) {
    case UserControlEvent::kSetBufferLength:
      uc.value = r.u32();
      uc.buffer_length_ms = r.u32();
      if (!r.ok())
        return fail("user control SetBufferLength: payload of ", payload.size(), " bytes, need 10");
      break;
    case UserControlEvent::kStreamBegin:
    case UserControlEvent::kStreamEof:
    case UserControlEvent::kStreamDry:
    case UserControlEvent::kStreamIsRecorded:
    case UserControlEvent::kPingRequest:
    case UserControlEvent::kPingResponse:
      uc.value = r.u32();
      if (!r.ok())
        return fail("user control event ", event, ": payload of ", payload.size(),
                    " bytes, need 6");
      break;
    default:
      // Unknown events (Flash's BufferEmpty 31 / BufferReady 32, ...) are passed up, not
      // refused: the session decides whether to ignore them.
      if (r.remaining() >= 4) uc.value = r.u32();
      break;
  }
  return uc;
}

}  // namespace firstmile::rtmp
