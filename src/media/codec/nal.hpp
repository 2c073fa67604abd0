#pragma once
// NAL unit framing shared by H.264 and H.265: the canonical in-memory form is AVCC
// (each NAL unit prefixed by its big-endian length); Annex-B (start codes) is produced at the
// edges that need it (MPEG-TS) and parsed from the inputs that carry it (TS, RTSP sprop).
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"

namespace firstmile::media {

// Calls f(ByteSpan nal) for each NAL unit of a length-prefixed payload. Returns false (after
// visiting the well-formed prefix) if a length runs past the end or length_size is not 1..4.
template <class F>
bool for_each_nal_avcc(ByteSpan payload, F&& f, int length_size = 4) {
  if (length_size < 1 || length_size > 4) return false;
  size_t pos = 0;
  const size_t ls = static_cast<size_t>(length_size);
  while (pos < payload.size()) {
    if (payload.size() - pos < ls) return false;
    size_t n = 0;
    for (size_t i = 0; i < ls; ++i)
      n = (n << 8) | payload[pos + i];
    pos += ls;
    if (n > payload.size() - pos) return false;
    f(payload.subspan(pos, n));
    pos += n;
  }
  return true;
}

// Splits an Annex-B byte stream (3- or 4-byte start codes) into NAL units (without start
// codes, trailing zero bytes trimmed).
std::vector<ByteSpan> split_annexb(ByteSpan annexb);

// Appends the NAL units of a length-prefixed payload to `out` in Annex-B form with 4-byte
// start codes. Returns false on a malformed payload (out then holds the well-formed prefix).
bool avcc_to_annexb(ByteSpan avcc, Bytes& out, int length_size = 4);

// Converts Annex-B to 4-byte length-prefixed form.
Bytes annexb_to_avcc(ByteSpan annexb);

// Removes emulation-prevention bytes (00 00 03 -> 00 00) from a NAL unit's payload (RBSP).
Bytes nal_to_rbsp(ByteSpan nal);

}  // namespace firstmile::media
