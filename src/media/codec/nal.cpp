#include "media/codec/nal.hpp"

#include <iterator>

namespace firstmile::media {

namespace {

// Position of the next 00 00 01 at or after `from`, or data.size().
size_t find_start_code(ByteSpan data, size_t from) {
  for (size_t i = from; i + 2 < data.size(); ++i) {
    if (data[i + 2] > 1) {
      i += 2;  // none of the next start codes can begin before i + 3
      continue;
    }
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) return i;
  }
  return data.size();
}

}  // namespace

std::vector<ByteSpan> split_annexb(ByteSpan annexb) {
  std::vector<ByteSpan> nals;
  // Bytes before the first start code are not part of any NAL unit (a stream may begin mid-way
  // or with leading_zero_8bits, H.264 B.1.1) and are dropped.
  size_t start = find_start_code(annexb, 0);
  while (start < annexb.size()) {
    const size_t begin = start + 3;
    const size_t next = find_start_code(annexb, begin);
    size_t end = next;
    // The zero byte of a 4-byte start code and trailing_zero_8bits (B.1.1) belong to no NAL
    // unit, and trimming them is safe because "the last byte of the NAL unit shall not be equal
    // to 0x00" (H.264 7.4.1, H.265 7.4.2).
    while (end > begin && annexb[end - 1] == 0)
      --end;
    if (end > begin) nals.push_back(annexb.subspan(begin, end - begin));
    start = next;
  }
  return nals;
}

bool avcc_to_annexb(ByteSpan avcc, Bytes& out, int length_size) {
  return for_each_nal_avcc(
      avcc,
      [&out](ByteSpan nal) {
        if (nal.empty()) return;
        static constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
        out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
        out.insert(out.end(), nal.begin(), nal.end());
      },
      length_size);
}

Bytes annexb_to_avcc(ByteSpan annexb) {
  Bytes out;
  ByteWriter w(out);
  for (ByteSpan nal : split_annexb(annexb)) {
    w.u32(static_cast<uint32_t>(nal.size()));
    w.bytes(nal);
  }
  return out;
}

Bytes nal_to_rbsp(ByteSpan nal) {
  Bytes rbsp;
  rbsp.reserve(nal.size());
  int zeros = 0;
  for (uint8_t b : nal) {
    // H.264 7.4.1 / H.265 7.4.2: within a NAL unit 00 00 03 is emulation_prevention_three_byte,
    // which the decoder discards.
    if (zeros >= 2 && b == 3) {
      zeros = 0;
      continue;
    }
    rbsp.push_back(b);
    zeros = (b == 0) ? zeros + 1 : 0;
  }
  return rbsp;
}

}  // namespace firstmile::media
