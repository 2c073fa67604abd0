#include "protocol/rtmp/wire/chunk_reader.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace firstmile::rtmp {
namespace {

// Spec 5.3.1.2: the message header is 11, 7, 3 or 0 bytes for types 0..3.
constexpr size_t kMessageHeaderSize[4] = {11, 7, 3, 0};

uint32_t be24(const uint8_t* p) {
  return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
}
uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | be24(p + 1);
}

}  // namespace

Error ChunkReader::fail_with(Error e) {
  failed_ = true;
  error_ = e;
  return e;
}

Result<size_t> ChunkReader::feed(ByteSpan data, std::vector<Message>& out) {
  if (failed_) return error_;
  bytes_received_ += data.size();
  size_t produced = 0;
  size_t pos = 0;
  for (;;) {
    if (current_ == nullptr) {
      // A chunk header: parsed in place when no earlier bytes are stashed, else from the stash
      // completed with the first bytes of `data`.
      size_t avail = data.size() - pos;
      if (stash_len_ == 0) {
        if (avail == 0) break;
        auto used = parse_header(data.subspan(pos));
        if (!used) return fail_with(used.error());
        if (*used == 0) {  // header incomplete: keep its bytes for the next call
          std::memcpy(stash_, data.data() + pos, avail);
          stash_len_ = avail;
          break;
        }
        pos += *used;
      } else {
        uint8_t joined[kMaxHeader];
        size_t take = std::min(kMaxHeader - stash_len_, avail);
        std::memcpy(joined, stash_, stash_len_);
        if (take > 0) std::memcpy(joined + stash_len_, data.data() + pos, take);
        size_t joined_len = stash_len_ + take;
        auto used = parse_header(ByteSpan(joined, joined_len));
        if (!used) return fail_with(used.error());
        if (*used == 0) {  // still incomplete, so `take` was all of the input
          assert(joined_len < kMaxHeader && take == avail);
          std::memcpy(stash_, joined, joined_len);
          stash_len_ = joined_len;
          pos += take;
          break;
        }
        if (*used >= stash_len_) {
          pos += *used - stash_len_;
          stash_len_ = 0;
        } else {  // peeked bytes that are chunk data stay in the stash, ahead of `data`
          std::memmove(stash_, stash_ + *used, stash_len_ - *used);
          stash_len_ -= *used;
        }
      }
      if (chunk_remaining_ == 0) {  // a zero-length message is complete with its header
        ChunkStream* cs = current_;
        current_ = nullptr;
        if (Status st = complete_message(current_csid_, *cs, out); !st) {
          return fail_with(st.error());
        }
        ++produced;
      }
      continue;
    }

    // Chunk data, appended straight into the message being assembled.
    size_t n;
    if (stash_len_ > 0) {
      n = std::min<size_t>(chunk_remaining_, stash_len_);
      current_->payload.insert(current_->payload.end(), stash_, stash_ + n);
      std::memmove(stash_, stash_ + n, stash_len_ - n);
      stash_len_ -= n;
    } else {
      n = std::min<size_t>(chunk_remaining_, data.size() - pos);
      if (n == 0) break;
      current_->payload.insert(current_->payload.end(), data.begin() + static_cast<ptrdiff_t>(pos),
                               data.begin() + static_cast<ptrdiff_t>(pos + n));
      pos += n;
    }
    chunk_remaining_ -= static_cast<uint32_t>(n);
    if (chunk_remaining_ == 0) {
      ChunkStream* cs = current_;
      current_ = nullptr;
      if (cs->payload.size() == cs->length) {
        if (Status st = complete_message(current_csid_, *cs, out); !st) {
          return fail_with(st.error());
        }
        ++produced;
      }
    }
  }
  return produced;
}

// Parses one chunk header at the front of `in` and makes its chunk current. Returns the
// header's length, or 0 if `in` ends inside it (nothing is changed then).
Result<size_t> ChunkReader::parse_header(ByteSpan in) {
  if (in.empty()) return size_t{0};
  // Spec 5.3.1.1: 6-bit ids 2..63; 0 and 1 escape to a 1- or 2-byte (little-endian) id + 64.
  const uint8_t fmt = in[0] >> 6;
  uint32_t csid = in[0] & 0x3F;
  size_t need = 1;
  if (csid == 0) {
    if (in.size() < 2) return size_t{0};
    csid = 64 + uint32_t{in[1]};
    need = 2;
  } else if (csid == 1) {
    if (in.size() < 3) return size_t{0};
    csid = 64 + uint32_t{in[1]} + 256 * uint32_t{in[2]};
    need = 3;
  }
  const size_t fields = need;
  need += kMessageHeaderSize[fmt];
  if (in.size() < need) return size_t{0};

  auto it = streams_.find(csid);
  ChunkStream* cs = it == streams_.end() ? nullptr : &it->second;
  // Spec 5.3.1.2.1: type 0 "MUST be used at the start of a chunk stream". librtmp opens chunk
  // stream 2 with a type-1 header (its pings), so type 1 is tolerated on a fresh stream: it
  // inherits message stream 0 and time 0. Types 2 and 3 there lack the length: refused.
  if ((cs == nullptr || !cs->has_header) && fmt >= 2) {
    return fail("chunk stream ", csid, ": type ", fmt, " header with no previous header");
  }
  // Only type-3 chunks may continue a message; a new header mid-message is a framing error.
  if (cs != nullptr && cs->in_progress && fmt != 3) {
    return fail("chunk stream ", csid, ": type ", fmt, " header inside a message (",
                cs->payload.size(), " of ", cs->length, " bytes received)");
  }

  const uint8_t* p = in.data() + fields;
  uint32_t ts_field = 0;
  bool extended = false;
  bool new_message = fmt != 3 || !cs->in_progress;
  if (fmt <= 2) {
    ts_field = be24(p);
    if (ts_field == kExtendedMarker) {  // spec 5.3.1.3
      if (in.size() < need + 4) return size_t{0};
      ts_field = be32(in.data() + need);
      extended = true;
      need += 4;
    }
  } else if (cs->extended) {
    // A type-3 chunk of a chunk stream whose last header had an extended timestamp. Flash,
    // FFmpeg and librtmp repeat the extended field in every such chunk, and a type 3 starting
    // a new message needs it (its delta is > 0xFFFFFF), so it is read there. Some encoders omit
    // it in continuation chunks, which spec 5.3.1.3 arguably allows: there the next 4 bytes are
    // taken as the field only if they repeat the value (the delta or the absolute time), else
    // they are chunk data. A continuation whose last bytes are fewer than 4 waits for the 4.
    if (in.size() < need + 4) return size_t{0};
    uint32_t v = be32(in.data() + need);
    if (new_message) {
      ts_field = v;
      need += 4;
    } else if (v == cs->delta || v == cs->timestamp) {
      need += 4;
    }
  }

  if (cs == nullptr) {
    if (csid > limits_.max_csid) {
      return fail("chunk stream id ", csid, " over limit ", limits_.max_csid);
    }
    if (streams_.size() >= limits_.max_chunk_streams) {
      return fail("chunk stream ", csid, ": more than ", limits_.max_chunk_streams,
                  " chunk streams");
    }
    cs = &streams_[csid];
  }

  switch (fmt) {
    case 0:
      cs->timestamp = ts_field;
      cs->delta = ts_field;
      cs->length = be24(p + 3);
      cs->type = p[6];
      cs->stream_id = uint32_t{p[7]} | uint32_t{p[8]} << 8 | uint32_t{p[9]} << 16 |
                      uint32_t{p[10]} << 24;  // spec 5.3.1.2.1: little-endian
      cs->extended = extended;
      break;
    case 1:
      cs->length = be24(p + 3);
      cs->type = p[6];
      [[fallthrough]];
    case 2:
      cs->delta = ts_field;
      cs->timestamp += ts_field;  // 32-bit wrap is RTMP's own arithmetic (spec 4)
      cs->extended = extended;
      break;
    default:
      if (new_message) {
        if (cs->extended) cs->delta = ts_field;
        cs->timestamp += cs->delta;
      }
      break;
  }
  cs->has_header = true;
  if (new_message) {
    if (Status st = start_message(csid, *cs); !st) return st.error();
  }
  current_ = cs;
  current_csid_ = csid;
  chunk_remaining_ =
      std::min<uint32_t>(chunk_size_, cs->length - static_cast<uint32_t>(cs->payload.size()));
  return need;
}

Status ChunkReader::start_message(uint32_t csid, ChunkStream& cs) {
  cs.payload.clear();
  if (cs.length == 0) return {};
  if (cs.length > limits_.max_message_size) {
    return fail("chunk stream ", csid, ": message of ", cs.length, " bytes over limit ",
                limits_.max_message_size);
  }
  if (partial_count_ >= limits_.max_partial_messages) {
    return fail("chunk stream ", csid, ": more than ", limits_.max_partial_messages,
                " chunk streams with incomplete messages");
  }
  if (pending_bytes_ + cs.length > limits_.max_pending_bytes) {
    return fail("chunk stream ", csid, ": message of ", cs.length, " bytes would make ",
                pending_bytes_ + cs.length, " bytes of incomplete messages, over limit ",
                limits_.max_pending_bytes);
  }
  cs.payload.reserve(cs.length);  // the one allocation; the payload is never copied again
  cs.in_progress = true;
  ++partial_count_;
  pending_bytes_ += cs.length;
  return {};
}

Status ChunkReader::complete_message(uint32_t csid, ChunkStream& cs, std::vector<Message>& out) {
  if (cs.in_progress) {
    cs.in_progress = false;
    --partial_count_;
    pending_bytes_ -= cs.length;
  }
  Message m;
  m.type = cs.type;
  m.timestamp = cs.timestamp;
  m.stream_id = cs.stream_id;
  m.csid = csid;
  m.payload = Buffer::adopt(std::move(cs.payload));
  cs.payload = Bytes();
  out.push_back(std::move(m));
  return apply_control(out.back());
}

// Spec 5.4.1 and 5.4.2: SetChunkSize and Abort change how the rest of the stream parses, so the
// reader applies them itself. The spec wants them on chunk stream 2, message stream 0; they are
// applied from any, as a peer that sends them elsewhere still chunks by them.
Status ChunkReader::apply_control(const Message& m) {
  if (m.type == msg_type::kSetChunkSize) {
    auto size = parse_set_chunk_size(m.payload.span());
    if (!size) return size.error();
    if (*size > limits_.max_chunk_size) {
      return fail("set chunk size ", *size, " over limit ", limits_.max_chunk_size);
    }
    chunk_size_ = *size;
  } else if (m.type == msg_type::kAbort) {
    auto csid = parse_abort(m.payload.span());
    if (!csid) return csid.error();
    auto it = streams_.find(*csid);
    if (it != streams_.end() && it->second.in_progress) {
      ChunkStream& cs = it->second;
      cs.in_progress = false;
      --partial_count_;
      pending_bytes_ -= cs.length;
      cs.payload = Bytes();
    }
  }
  return {};
}

}  // namespace firstmile::rtmp
