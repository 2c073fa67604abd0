#include "format/rtp/reorder_buffer.hpp"

namespace firstmile::format::rtp {

void ReorderBuffer::push(uint16_t sequence, Bytes datagram, int64_t now_ms,
                         std::vector<Bytes>& out) {
  const uint64_t seq = unwrap_.unwrap(sequence);
  if (!next_) next_ = seq;
  if (seq < *next_) {
    // Its place has passed: either it was released already (a duplicate) or given up.
    ++counters_.late;
    return;
  }
  const uint64_t offset = seq - *next_;
  if (offset == 0 && slots_.empty()) {
    ++*next_;
    out.push_back(std::move(datagram));
    return;
  }
  if (offset >= limits_.max_packets) {
    // Far ahead of what waits: a jump (a sender restart, or a long outage). Everything before
    // it is given up now rather than held until the buffer fills.
    while (!slots_.empty()) {
      if (slots_.front().filled) {
        out.push_back(std::move(slots_.front().datagram));
        --waiting_;
      } else {
        ++counters_.lost;
      }
      slots_.pop_front();
      ++*next_;
    }
    counters_.lost += seq - *next_;
    *next_ = seq + 1;
    out.push_back(std::move(datagram));
    return;
  }
  if (slots_.size() <= offset) slots_.resize(offset + 1);
  Slot& slot = slots_[offset];
  if (slot.filled) {
    ++counters_.duplicates;
    return;
  }
  if (offset + 1 < slots_.size()) ++counters_.reordered;
  slot.filled = true;
  slot.arrival_ms = now_ms;
  slot.datagram = std::move(datagram);
  ++waiting_;
  release(out);
  // release() left a gap at the front if anything waits: give gaps up until it fits again.
  while (slots_.size() >= limits_.max_packets)
    skip_gap(out);
}

void ReorderBuffer::release(std::vector<Bytes>& out) {
  while (!slots_.empty() && slots_.front().filled) {
    out.push_back(std::move(slots_.front().datagram));
    slots_.pop_front();
    --waiting_;
    ++*next_;
  }
}

void ReorderBuffer::skip_gap(std::vector<Bytes>& out) {
  while (!slots_.empty() && !slots_.front().filled) {
    slots_.pop_front();
    ++counters_.lost;
    ++*next_;
  }
  release(out);
}

std::optional<int64_t> ReorderBuffer::next_deadline() const {
  if (waiting_ == 0) return std::nullopt;
  // The oldest waiting packet is the first filled slot or one after it; the earliest arrival
  // among them decides. Few slots wait, so a scan is cheap.
  std::optional<int64_t> oldest;
  for (const auto& s : slots_) {
    if (s.filled && (!oldest || s.arrival_ms < *oldest)) oldest = s.arrival_ms;
  }
  return *oldest + limits_.max_delay_ms;
}

void ReorderBuffer::poll(int64_t now_ms, std::vector<Bytes>& out) {
  while (waiting_ > 0) {
    const auto deadline = next_deadline();
    if (!deadline || *deadline > now_ms) return;
    skip_gap(out);
  }
}

}  // namespace firstmile::format::rtp
